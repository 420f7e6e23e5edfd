import frappe
from frappe.model.document import Document

from erp_connectors.connectors import processing


class ConnectorEvent(Document):
	pass


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


@frappe.whitelist(methods=["POST"])
def retry_events(names):
	frappe.has_permission("Connector Event", "write", throw=True)
	names = frappe.parse_json(names)
	if isinstance(names, str):
		names = [names]
	return processing.retry(names)
