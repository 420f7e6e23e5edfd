"""Which Item each requested code or SKU means: the item code, else a barcode on the item."""

import frappe

from erp_connectors.api.contract import unknown


def resolve(requested: list[str]) -> dict[str, str]:
	"""requested → item code, for those that exist (MariaDB compares case-insensitively, so we do too)."""
	found: dict[str, str] = {}
	by_lower = {
		name.lower(): name
		for name in frappe.get_list(
			"Item", filters={"name": ("in", requested)}, pluck="name", limit_page_length=0
		)
	}
	for code in requested:
		if code.lower() in by_lower:
			found[code] = by_lower[code.lower()]
	missing = [code for code in requested if code not in found]
	if missing:
		rows = frappe.get_list(
			"Item Barcode",
			parent_doctype="Item",
			filters={"barcode": ("in", missing)},
			fields=["barcode", "parent"],
			limit_page_length=0,
		)
		by_barcode = {row.barcode.lower(): row.parent for row in rows}
		for code in missing:
			if code.lower() in by_barcode:
				found[code] = by_barcode[code.lower()]
	return found


def readable_record(doctype: str, name: str, fields: list[str], field: str, refusal=None):
	"""The record's fields as this user may read them (role and user permissions). A record that
	does not exist and one the user may not read get the same answer (`refusal`, by default a 422
	unknown_reference), so neither is revealed."""
	if frappe.has_permission(doctype, "read"):
		rows = frappe.get_list(doctype, filters={"name": name}, fields=fields, limit_page_length=1)
		if rows:
			return rows[0]
	raise (refusal or unknown(field, f"no {doctype.lower()} named {name!r} that you may read"))
