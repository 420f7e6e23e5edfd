"""list_changes: items, prices and stock changed since a cursor, oldest first, in pages.

The feed is ordered by (modified, kind, name). Each kind is read with the cursor's
position as a keyset condition, `limit + 1` rows at most, and the kinds are merged;
any row in the first `limit` of the feed is in the first `limit` of its own kind, so
the page is exact, and `has_more` is exact too.
"""

import frappe

from erp_connectors.api.contract import (
	KINDS,
	ApiError,
	Position,
	decode_cursor,
	encode_cursor,
	kinds_filter,
	merge_changes,
	page_limit,
)

SOURCES = {
	"item": ("Item", ["name", "item_name", "item_group", "stock_uom", "disabled", "is_stock_item"]),
	"price": (
		"Item Price",
		["name", "item_code", "price_list", "price_list_rate", "currency", "uom", "customer"],
	),
	"stock": ("Bin", ["name", "item_code", "warehouse", "actual_qty", "reserved_qty", "projected_qty"]),
	"deleted": ("Deleted Document", ["name", "deleted_doctype", "deleted_name"]),
}
# A deletion is reported for a feed the user may read; Frappe keeps it as a Deleted Document.
DELETED_KINDS = {"Item": "item", "Item Price": "price", "Bin": "stock"}


def list_changes(cursor=None, limit=None, kinds=None) -> dict:
	after = decode_cursor(cursor)
	size = page_limit(limit)
	wanted = kinds_filter(kinds)
	readable = [doctype for doctype in DELETED_KINDS if frappe.has_permission(doctype, "read")]
	for kind in wanted:
		doctype = SOURCES[kind][0]
		allowed = readable if kind == "deleted" else frappe.has_permission(doctype, "read")
		if not allowed:
			needs = " or ".join(DELETED_KINDS) if kind == "deleted" else doctype
			raise ApiError(403, "permission_denied", f"The {kind} feed needs read permission on {needs}.")
	pages = {kind: _page(kind, after, size + 1, readable) for kind in wanted}
	changes, last = merge_changes(pages, size)
	total = sum(len(page) for page in pages.values())
	next_position = last or after
	return {
		"changes": changes,
		"next_cursor": encode_cursor(next_position) if next_position else cursor or None,
		"has_more": total > size,
	}


def _page(kind: str, after: Position | None, count: int, readable: list[str]) -> list[tuple[Position, dict]]:
	doctype, fields = SOURCES[kind]
	# Deleted Documents are readable by System Managers only: list them unrestricted, but only of
	# the doctypes this user may read.
	read = frappe.get_all if kind == "deleted" else frappe.get_list
	scope = {"deleted_doctype": ("in", readable)} if kind == "deleted" else {}
	rank = KINDS.index(kind)
	queries = []
	if after is None:
		queries.append({})
	elif rank < after.kind_rank:
		queries.append({"modified": (">", after.modified)})
	elif rank == after.kind_rank:
		queries += [
			{"modified": after.modified, "name": (">", after.name)},
			{"modified": (">", after.modified)},
		]
	else:
		queries.append({"modified": (">=", after.modified)})
	rows = []
	for filters in queries:
		rows += read(
			doctype,
			filters={**filters, **scope},
			fields=[*fields, "modified"],
			order_by="modified asc, name asc",
			limit_page_length=count,
		)
		if len(rows) >= count:
			break
	entries = []
	for row in rows[:count]:
		data = {field: row.get(field) for field in fields if field != "name"}
		change = {"kind": kind, "name": row.name, "modified": row.modified.isoformat(), "data": data}
		entries.append((Position(row.modified, rank, row.name), change))
	return entries
