import frappe
from frappe import _
from frappe.model.document import Document

from erp_connectors.connectors import processing


class ConnectorEvent(Document):
	def validate(self):
		# A record of what a remote sent and what became of it: workers write it row by row, a
		# person only retries it (or fixes it from its form), never edits it.
		if not self.is_new():
			frappe.throw(
				_("A Connector Event is a record and cannot be edited. Fix the cause, then use Retry."),
				frappe.PermissionError,
			)


def on_doctype_update():
	# The dedupe guard: a second delivery of the same remote event cannot be stored. The topic is
	# part of the key: one remote event may be delivered under several topics (an order created
	# and paid at once), and each of those must be processed.
	frappe.db.add_unique(
		"Connector Event",
		["source", "account", "remote_event_id", "topic"],
		constraint_name="unique_remote_event_topic",
	)
	frappe.db.add_index("Connector Event", ["status", "next_retry_at"])
	# Account Health: each account's last webhook. Charts: events of the last 30 days by status.
	frappe.db.add_index("Connector Event", ["account", "origin", "received_at"])
	frappe.db.add_index("Connector Event", ["received_at", "status"])


@frappe.whitelist(methods=["POST"])
def retry_events(names):
	frappe.has_permission("Connector Event", "write", throw=True)
	names = frappe.parse_json(names)
	if isinstance(names, str):
		names = [names]
	return processing.retry(names)
