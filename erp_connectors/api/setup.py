"""The role that opens the v1 API to a user (each API key belongs to one user)."""

import frappe

from erp_connectors.api.envelope import API_ROLE


def ensure_role():
	if not frappe.db.exists("Role", API_ROLE):
		frappe.get_doc({"doctype": "Role", "role_name": API_ROLE, "desk_access": 0}).insert(
			ignore_permissions=True
		)
