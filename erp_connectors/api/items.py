"""Which Item each requested code or SKU means: the item code, else a barcode on the item."""

import frappe


def resolve(requested: list[str]) -> dict[str, str]:
	"""requested → item code, for those that exist (MariaDB compares case-insensitively, so we do too)."""
	found: dict[str, str] = {}
	by_lower = {
		name.lower(): name
		for name in frappe.get_all("Item", filters={"name": ("in", requested)}, pluck="name")
	}
	for code in requested:
		if code.lower() in by_lower:
			found[code] = by_lower[code.lower()]
	missing = [code for code in requested if code not in found]
	if missing:
		rows = frappe.get_all(
			"Item Barcode", filters={"barcode": ("in", missing)}, fields=["barcode", "parent"]
		)
		by_barcode = {row.barcode.lower(): row.parent for row in rows}
		for code in missing:
			if code.lower() in by_barcode:
				found[code] = by_barcode[code.lower()]
	return found
