"""The event dedupe key now includes the topic (see Connector Event's on_doctype_update). Migrate
runs that hook only for doctypes whose JSON changed, so the new key is added here, then the old
one (without the topic, which would still refuse a second topic of the same remote event) dropped."""

import frappe

from erp_connectors.connectors.doctype.connector_event.connector_event import on_doctype_update


def execute():
	on_doctype_update()
	if frappe.db.has_index("tabConnector Event", "unique_remote_event"):
		frappe.db.sql_ddl("alter table `tabConnector Event` drop index unique_remote_event")
