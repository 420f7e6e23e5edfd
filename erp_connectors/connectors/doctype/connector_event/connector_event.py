import frappe
from frappe.model.document import Document

from erp_connectors.connectors import processing


class ConnectorEvent(Document):
	pass


def on_doctype_update():
	# The dedupe guard: a second delivery of the same remote event cannot be stored.
	frappe.db.add_unique(
		"Connector Event", ["source", "account", "remote_event_id"], constraint_name="unique_remote_event"
	)
	frappe.db.add_index("Connector Event", ["status", "next_retry_at"])


@frappe.whitelist(methods=["POST"])
def retry_events(names):
	frappe.has_permission("Connector Event", "write", throw=True)
	names = frappe.parse_json(names)
	if isinstance(names, str):
		names = [names]
	return processing.retry(names)
