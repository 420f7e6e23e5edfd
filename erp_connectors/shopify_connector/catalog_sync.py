"""Frappe side of the catalogue: variants linked to Items by SKU, and Item Prices pushed to Shopify."""

import frappe

from erp_connectors.connectors import call_log
from erp_connectors.connectors.frappe_gateway import FrappeGateway
from erp_connectors.connectors.gateway import AccountRef
from erp_connectors.shopify_connector.catalog import link_variants
from erp_connectors.shopify_connector.integration import client_for
from erp_connectors.shopify_connector.prices import push_prices
from erp_connectors.shopify_connector.product_push import push_items
from erp_connectors.shopify_connector.products import ImportResult, import_product, products


def link_store_variants(store_name: str):
	"""Bind the store's variants to existing Items by SKU (Desk: Link Variants by SKU)."""
	store = frappe.get_doc("Shopify Store", store_name)
	try:
		result = link_variants(client_for(store), FrappeGateway(), AccountRef("Shopify Store", store.name))
		frappe.db.commit()
		return result
	finally:
		call_log.flush()


def push_store_prices(store_name: str):
	"""The store's price list rates onto its linked variants, where Shopify's price differs."""
	store = frappe.get_doc("Shopify Store", store_name)
	try:
		return push_prices(
			client_for(store), FrappeGateway(), AccountRef("Shopify Store", store.name), store.price_list
		)
	finally:
		call_log.flush()


def push_all_prices():
	"""Hourly, for stores with Sync Prices on."""
	for name in frappe.get_all("Shopify Store", filters={"enabled": 1, "sync_prices": 1}, pluck="name"):
		frappe.enqueue(
			"erp_connectors.shopify_connector.catalog_sync.push_store_prices",
			queue="long",
			job_id=f"shopify_prices::{name}",
			deduplicate=True,
			store_name=name,
		)


def import_store_products(store_name: str) -> ImportResult:
	"""Shopify products as Items (templates and variants), one product per transaction: a product
	ERPNext refuses is reported and the others still come in."""
	store = frappe.get_doc("Shopify Store", store_name)
	account, gateway = AccountRef("Shopify Store", store.name), FrappeGateway()
	settings = {"item_group": store.item_group}
	result = ImportResult()
	try:
		for product in products(client_for(store)):
			try:
				import_product(product, gateway, account, settings, result)
				frappe.db.commit()
			except frappe.ValidationError as error:
				frappe.db.rollback()
				frappe.local.message_log = []
				result.skipped.append((product["title"], frappe.utils.strip_html(str(error))))
		return result
	finally:
		call_log.flush()


def push_store_items(store_name: str):
	"""The store's catalogue Item Group as Shopify products: plain Items and templates with their
	variants, skipping what the store already sells."""
	store = frappe.get_doc("Shopify Store", store_name)
	if not store.item_group:
		frappe.throw(frappe._("Set the Shopify Catalogue Item Group on {0} first.").format(store.name))
	items = catalogue_items(store.item_group)
	codes = [i["item_code"] for i in items] + [v["item_code"] for i in items for v in i.get("variants") or []]
	gateway = FrappeGateway()
	try:
		result = push_items(
			client_for(store),
			gateway,
			AccountRef("Shopify Store", store.name),
			items,
			gateway.item_prices(codes, store.price_list),
		)
		frappe.db.commit()
		return result
	finally:
		call_log.flush()


def catalogue_items(item_group: str) -> list[dict]:
	filters = {"item_group": item_group, "disabled": 0, "is_sales_item": 1, "variant_of": ("is", "not set")}
	items = frappe.get_all(
		"Item", filters=filters, fields=["item_code", "item_name", "has_variants"], order_by="item_code"
	)
	for item in items:
		if item.pop("has_variants"):
			variants = frappe.get_all(
				"Item",
				filters={"variant_of": item["item_code"], "disabled": 0},
				pluck="name",
				order_by="name",
			)
			values = frappe.get_all(
				"Item Variant Attribute",
				filters={"parent": ("in", variants or [""]), "parenttype": "Item"},
				fields=["parent", "attribute", "attribute_value"],
				order_by="idx",
			)
			item["variants"] = [
				{
					"item_code": code,
					"attributes": {v.attribute: v.attribute_value for v in values if v.parent == code},
				}
				for code in variants
			]
	return [dict(item) for item in items]
