"""Frappe side of stock ERPNext → Shopify: what changed is pushed soon after, and everything hourly-daily.

A stock movement or an order reservation marks its items in Redis and queues one push job
(deduplicated: a burst of movements is one job). The job drains the marks until none are
left, so a movement during a push is pushed by the same job. A scheduled reconcile pushes
what differs from the last pushed quantities every hour, and every quantity once a day.
"""

import frappe
import redis
from frappe.utils import now_datetime

from erp_connectors.connectors import call_log
from erp_connectors.connectors.frappe_gateway import FrappeGateway
from erp_connectors.shopify_connector.integration import client_for
from erp_connectors.shopify_connector.stock import plan, push

DIRTY = "erp_connectors:shopify_stock_dirty"
JOB = "erp_connectors.shopify_connector.stock_sync.push_changed"


def on_stock_change(doc, method=None):
	"""Stock Ledger Entry submitted or cancelled, Sales Order submitted or cancelled (reservations)."""
	items = {doc.item_code} if doc.doctype == "Stock Ledger Entry" else {row.item_code for row in doc.items}
	items.discard(None)
	if not items or not stock_stores():
		return
	frappe.cache.sadd(DIRTY, *items)  # the wrapper adds the site's key prefix
	# A stock transaction writes one ledger entry per row: queue the push once, when it commits.
	if not getattr(frappe.local, "shopify_stock_push_pending", False):
		frappe.local.shopify_stock_push_pending = True
		frappe.db.after_commit.add(_queue_push)
		frappe.db.after_rollback.add(_forget_push)


def _queue_push():
	frappe.local.shopify_stock_push_pending = False
	frappe.enqueue(JOB, job_id="shopify_stock_push", deduplicate=True)


def _forget_push():
	frappe.local.shopify_stock_push_pending = False


def stock_stores() -> list[str]:
	"""Enabled stores that sync stock, cached for a minute (every ledger entry asks)."""
	key = "erp_connectors:shopify_stock_stores"
	stores = frappe.cache.get_value(key)
	if stores is None:
		stores = frappe.get_all("Shopify Store", filters={"enabled": 1, "sync_stock": 1}, pluck="name")
		frappe.cache.set_value(key, stores, expires_in_sec=60)
	return stores


def push_changed():
	key = frappe.cache.make_key(DIRTY)
	while True:
		# redis-py's SPOP with a count; Frappe's wrapper only pops one member at a time.
		popped = redis.Redis.spop(frappe.cache, key, 1000) or []
		items = [i.decode() if isinstance(i, bytes) else i for i in popped]
		if not items:
			return
		for store in stock_stores():
			push_store(store, items)


def reconcile_all(everything: bool = False):
	for store in stock_stores():
		push_store(store, None, everything=everything)


def reconcile_daily():
	reconcile_all(everything=True)


def push_store(store_name: str, item_codes: list[str] | None = None, everything: bool = False):
	store = frappe.get_doc("Shopify Store", store_name)
	filters = {"account_doctype": "Shopify Store", "account": store.name, "remote_type": "inventory_item"}
	if item_codes is not None:
		filters["reference_name"] = ("in", item_codes)
	items = {
		row.remote_id: row.reference_name
		for row in frappe.get_all("Connector Link", filters=filters, fields=["remote_id", "reference_name"])
	}
	locations = {
		location_gid(row.shopify_location_id): row.warehouse for row in store.locations if row.warehouse
	}
	if not items or not locations:
		return None
	levels = FrappeGateway().stock_levels(sorted(set(items.values())), sorted(set(locations.values())))
	wanted = {
		(gid, location): levels.get((item, warehouse), 0)
		for gid, item in items.items()
		for location, warehouse in locations.items()
	}
	level_filters = {"store": store.name}
	if item_codes is not None:  # a full reconcile reads every level of the store, no long IN list
		level_filters["inventory_item"] = ("in", list(items))
	known = {
		(row.inventory_item, row.location): row.quantity
		for row in frappe.get_all(
			"Shopify Inventory Level",
			filters=level_filters,
			fields=["inventory_item", "location", "quantity"],
		)
	}
	try:
		result = push(
			client_for(store), plan(wanted, known, everything), reference=f"erpnext://{frappe.local.site}"
		)
		for (gid, location), quantity in result.pushed.items():
			exists = (gid, location) in known
			save_level(store.name, gid, location, items[gid], locations[location], quantity, exists)
		frappe.db.set_value("Shopify Store", store.name, "stock_pushed_at", now_datetime())
		frappe.db.commit()
		return result
	finally:
		call_log.flush()


def save_level(store, gid, location, item_code, warehouse, quantity, exists: bool):
	"""Record what Shopify now holds: one UPDATE for a known level, one INSERT for a new one."""
	key = {"store": store, "inventory_item": gid, "location": location}
	values = {
		"quantity": quantity,
		"pushed_at": now_datetime(),
		"item_code": item_code,
		"warehouse": warehouse,
	}
	if exists:
		frappe.db.set_value("Shopify Inventory Level", key, values)
	else:
		frappe.get_doc({"doctype": "Shopify Inventory Level", **key, **values}).db_insert()


def location_gid(location_id: str) -> str:
	location_id = str(location_id).strip()
	return location_id if location_id.startswith("gid://") else f"gid://shopify/Location/{location_id}"
