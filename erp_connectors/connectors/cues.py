"""The Connectors workspace's cues that need more than a count of one doctype (custom Number Cards),
and the alerts shown at its top. Each cue opens the list of what it counts.
"""

import frappe
from frappe import _

from erp_connectors.connectors.remedies import load

# A list opened from a cue names its documents; past this many it shows the oldest ones.
ROUTE_LIMIT = 500
SHOPIFY_ITEM_REASON = "Shopify SKU with no Item"


def _card(value: int, route: list, route_options: dict) -> dict:
	return {"value": value, "fieldtype": "Int", "route": route, "route_options": route_options}


@frappe.whitelist()
def unmapped_skus(filters=None) -> dict:
	"""SKUs of held Shopify orders that still have no Item (by link or by code)."""
	frappe.has_permission("Connector Event", "read", throw=True)
	held = frappe.get_all(
		"Connector Event",
		filters={"status": "Held", "held_reason": ("like", f"%{SHOPIFY_ITEM_REASON}%")},
		fields=["account", "remedies"],
	)
	wanted = {}  # (store, variant or "", sku) -> seen
	for event in held:
		for remedy in load(event.remedies):
			if remedy.kind == "shopify_item":
				wanted[(event.account, remedy.data.get("variant_id") or "", remedy.data.get("sku") or "")] = 1
	open_skus = set()
	linked = _linked_variants({(store, variant) for store, variant, _sku in wanted if variant})
	existing = _existing_items({sku for _store, _variant, sku in wanted if sku})
	for store, variant, sku in wanted:
		if (store, variant) in linked or sku in existing:
			continue
		open_skus.add(sku or f"{store}:{variant}")
	return _card(
		len(open_skus),
		["List", "Connector Event"],
		{"status": "Held", "held_reason": ["like", f"%{SHOPIFY_ITEM_REASON}%"]},
	)


def _linked_variants(pairs: set) -> set:
	found = set()
	for store in {store for store, _variant in pairs}:
		variants = [variant for s, variant in pairs if s == store]
		for remote_id in frappe.get_all(
			"Connector Link",
			filters={
				"account_doctype": "Shopify Store",
				"account": store,
				"remote_type": "variant",
				"remote_id": ("in", variants),
			},
			pluck="remote_id",
		):
			found.add((store, remote_id))
	return found


def _existing_items(codes: set) -> set:
	if not codes:
		return set()
	return set(frappe.get_all("Item", filters={"name": ("in", list(codes))}, pluck="name"))


@frappe.whitelist()
def orders_to_invoice(filters=None) -> dict:
	"""Submitted Sales Orders of Shopify orders that are not wholly invoiced (and not closed)."""
	frappe.has_permission("Sales Order", "read", throw=True)
	names = frappe.db.sql_list(
		"""select so.name from `tabSales Order` so
		join `tabConnector Link` link on link.reference_doctype = 'Sales Order' and link.reference_name = so.name
		where link.account_doctype = 'Shopify Store' and link.remote_type = 'order'
		and so.docstatus = 1 and so.per_billed < 100 and so.status not in ('Closed', 'Completed', 'On Hold')
		order by so.creation"""
	)
	return _card(len(names), ["List", "Sales Order"], {"name": ["in", names[:ROUTE_LIMIT]]})


@frappe.whitelist()
def alerts() -> list[dict]:
	"""What the workspace shows at its top, most urgent first: stores to reconnect, dead events."""
	found = []
	if frappe.has_permission("Shopify Store", "read"):
		for store in frappe.get_all(
			"Shopify Store",
			filters={"enabled": 1, "connection_status": "Reconnect Needed"},
			pluck="name",
			order_by="name",
		):
			found.append(
				{
					"level": "red",
					"message": _(
						"Shopify Store {0} needs reconnecting: Shopify no longer renews its token. Open it and press Reconnect to Shopify."
					).format(store),
					"route": ["Form", "Shopify Store", store],
				}
			)
	if frappe.has_permission("Connector Event", "read"):
		dead = frappe.db.count("Connector Event", {"status": "Dead"})
		if dead:
			found.append(
				{
					"level": "orange",
					"message": _("{0} events are dead: fix their cause, then Retry them.").format(dead),
					"route": ["List", "Connector Event"],
					"route_options": {"status": "Dead"},
				}
			)
	return found
