import frappe
from frappe.model.document import Document


class ConnectorPayout(Document):
	pass


def on_doctype_update():
	# One record per payout per account, as Connector Link binds one Journal Entry to it.
	frappe.db.add_unique(
		"Connector Payout", ["account_doctype", "account", "payout_id"], constraint_name="unique_payout"
	)
