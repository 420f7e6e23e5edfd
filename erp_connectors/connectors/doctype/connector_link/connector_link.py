import frappe
from frappe.model.document import Document


class ConnectorLink(Document):
	pass


def on_doctype_update():
	# One ERP document per remote object per account, enforced by the database.
	frappe.db.add_unique(
		"Connector Link",
		["account_doctype", "account", "remote_type", "remote_id"],
		constraint_name="unique_remote_object",
	)
	frappe.db.add_index("Connector Link", ["reference_doctype", "reference_name"])
