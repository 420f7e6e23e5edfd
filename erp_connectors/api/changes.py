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
	rank = KINDS.index(kind)
	if kind != "deleted":
		rows = _rows(frappe.get_list, doctype, fields, _keyset(after, rank), {}, count)
		return [_entry(kind, rank, row, fields) for row in rows]
	# Deleted Documents are readable by System Managers only: list them unrestricted, but only of
	# doctypes this user may read, and only those the user's permissions would have let them read
	# before deletion (checked on the document as it was). Reading on past hidden ones keeps the
	# page full, so `has_more` stays exact.
	entries, scope = [], {"deleted_doctype": ("in", readable)}
	position = after
	while len(entries) < count:
		rows = _rows(frappe.get_all, doctype, [*fields, "data"], _keyset(position, rank), scope, count)
		for row in rows:
			if _was_readable(row):
				entries.append(_entry(kind, rank, row, fields))
		if len(rows) < count:
			break
		position = Position(rows[-1].modified, rank, rows[-1].name)
	return entries[:count]


def _keyset(after: Position | None, rank: int) -> list[dict]:
	"""Filters, tried in order, for the rows of kind `rank` that come after `after` in the feed."""
	if after is None:
		return [{}]
	if rank < after.kind_rank:
		return [{"modified": (">", after.modified)}]
	if rank == after.kind_rank:
		return [{"modified": after.modified, "name": (">", after.name)}, {"modified": (">", after.modified)}]
	return [{"modified": (">=", after.modified)}]


def _rows(read, doctype: str, fields: list[str], queries: list[dict], scope: dict, count: int) -> list:
	rows = []
	for filters in queries:
		rows += read(
			doctype,
			filters={**filters, **scope},
			fields=[*fields, "modified"],
			order_by="modified asc, name asc",
			limit_page_length=count - len(rows),
		)
		if len(rows) >= count:
			break
	return rows[:count]


def _entry(kind: str, rank: int, row, fields: list[str]) -> tuple[Position, dict]:
	data = {field: row.get(field) for field in fields if field != "name"}
	change = {"kind": kind, "name": row.name, "modified": row.modified.isoformat(), "data": data}
	return Position(row.modified, rank, row.name), change


def _was_readable(row) -> bool:
	try:
		document = frappe.get_doc(frappe.parse_json(row.data))
	except Exception:
		return False  # a record we cannot rebuild is not shown: we cannot tell who could read it
	return bool(frappe.has_permission(row.deleted_doctype, "read", doc=document))
