"""get_stock: what is on hand, reserved and free to sell, per warehouse, for up to 1,000 items at once."""

import frappe

from erp_connectors.api.contract import ApiError, item_list, optional_str_list, unknown
from erp_connectors.api.items import resolve

QTY_FIELDS = ("actual_qty", "reserved_qty", "projected_qty")


def get_stock(items, warehouses=None) -> dict:
	requested = item_list(items)
	only = optional_str_list(warehouses, "warehouses")
	if not frappe.has_permission("Bin", "read"):
		raise ApiError(
			403, "permission_denied", "Reading stock needs read permission on Bin (e.g. Stock User)."
		)
	if only:
		known = set(
			frappe.get_list("Warehouse", filters={"name": ("in", only)}, pluck="name", limit_page_length=0)
		)
		for index, warehouse in enumerate(only):
			if warehouse not in known:
				raise unknown(f"warehouses[{index}]", f"no warehouse named {warehouse!r}")
	codes = resolve(requested)
	filters = {"item_code": ("in", sorted(set(codes.values())) or [""])}
	if only:
		filters["warehouse"] = ("in", only)
	bins = frappe.get_list(
		"Bin",
		filters=filters,
		fields=["item_code", "warehouse", *QTY_FIELDS],
		order_by="item_code asc, warehouse asc",
		limit_page_length=0,
	)
	per_item: dict[str, list[dict]] = {}
	for row in bins:
		available = max(0.0, (row.actual_qty or 0) - (row.reserved_qty or 0))
		per_item.setdefault(row.item_code, []).append(
			{
				"warehouse": row.warehouse,
				**{field: row.get(field) or 0.0 for field in QTY_FIELDS},
				"available_qty": available,
			}
		)
	result = []
	for code in requested:
		if code not in codes:
			continue
		rows = per_item.get(codes[code], [])
		result.append(
			{
				"requested": code,
				"item_code": codes[code],
				"available_qty": sum(row["available_qty"] for row in rows),
				"actual_qty": sum(row["actual_qty"] for row in rows),
				"warehouses": rows,
			}
		)
	return {"items": result, "not_found": [code for code in requested if code not in codes]}
