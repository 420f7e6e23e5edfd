import frappe
from frappe import _
from frappe.model.document import Document
from frappe.query_builder import Interval
from frappe.query_builder.functions import Now


class ConnectorCallLog(Document):
	def validate(self):
		# What was sent and answered; written once by call_log.flush, never edited.
		if not self.is_new():
			frappe.throw(_("A Connector Call Log is a record and cannot be edited."), frappe.PermissionError)

	@staticmethod
	def clear_old_logs(days=30):
		table = frappe.qb.DocType("Connector Call Log")
		frappe.db.delete(table, filters=(table.creation < (Now() - Interval(days=days))))


def on_doctype_update():
	frappe.db.add_index("Connector Call Log", ["account_doctype", "account"])
	# Account Health: each account's last answered and last failed call. Charts and log clearing:
	# the calls of a period.
	frappe.db.add_index("Connector Call Log", ["account", "creation"])
	frappe.db.add_index("Connector Call Log", ["creation"])
