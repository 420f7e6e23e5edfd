"""Records and requests for the Shopify bench tests (never used in production paths)."""

import copy
import json
import os
import re
from datetime import datetime, timedelta

import frappe

from erp_connectors.connectors.bench_fixtures import ensure_item
from erp_connectors.shopify_connector.integration import WEBHOOK_PATH  # noqa: F401 (the tests' endpoint)
from erp_connectors.testing import shopify_webhooks

SHOP = "bench-test.myshopify.com"
SECRET = "shpss_bench_0f9e8d7c6b5a4"
COMPANY = "Test Company"
TAX_ACCOUNT = "Shopify State Tax - TC"
SAMPLE = os.path.join(
	os.path.dirname(__file__),
	"..",
	"..",
	"tests",
	"data",
	"shopify_webhook_orders_create_2026-04_docs_sample.json",
)


def sample_order(order_id: int | None = None) -> dict:
	"""Shopify's documented orders/create sample, made a live, paid order."""
	with open(SAMPLE) as f:
		order = json.load(f)
	order = copy.deepcopy(order)
	order.update({"test": False, "cancelled_at": None, "cancel_reason": None, "financial_status": "paid"})
	if order_id:
		order["id"] = order_id
		order["name"] = f"#T{order_id % 100000}"
		order["admin_graphql_api_id"] = f"gid://shopify/Order/{order_id}"
	return order


def ensure_items(skus):
	for sku in skus:
		ensure_item(sku, is_stock_item=0)


def ensure_store(**overrides):
	if not frappe.db.exists("Account", TAX_ACCOUNT):
		frappe.get_doc(
			{
				"doctype": "Account",
				"account_name": "Shopify State Tax",
				"parent_account": "Duties and Taxes - TC",
				"company": COMPANY,
				"account_type": "Tax",
			}
		).insert(ignore_permissions=True)
	if frappe.db.exists("Shopify Store", SHOP):
		frappe.delete_doc("Shopify Store", SHOP, force=True, ignore_permissions=True)
	store = frappe.get_doc(
		{
			"doctype": "Shopify Store",
			"shop_domain": SHOP,
			"connection_method": "Admin API access token (legacy)",
			"access_token": "shpat_bench_token_123456",
			"webhook_secret": SECRET,
			"company": COMPANY,
			"default_warehouse": "Stores - TC",
			"price_list": "Standard Selling",
			"customer_group": "Individual",
			"shipping_as": "Charge",
			"shipping_account": "Freight and Forwarding Charges - TC",
			"tax_accounts": [{"tax_title": "State Tax", "account": TAX_ACCOUNT}],
			**overrides,
		}
	).insert(ignore_permissions=True)
	ensure_items([line["sku"] for line in sample_order()["line_items"]])
	ensure_sample_fiscal_years()
	frappe.db.commit()
	return store


def ensure_sample_fiscal_years():
	"""Shopify's documented samples are dated from 31 December 2019 (a refund's transaction) to 1 January
	2022: the invoices, payments and credit notes made from them need fiscal years there, which a site
	set up today does not have. In any time zone, a timestamp's day is the one before or after its own."""
	years = set()
	for sample in (SAMPLE, SAMPLE.replace("orders_create", "refunds_create")):
		with open(sample) as f:
			for stamp in re.findall(r'"(\d{4}-\d{2}-\d{2}T[^"]+)"', f.read()):
				moment = datetime.fromisoformat(stamp)
				years |= {(moment - timedelta(days=1)).year, (moment + timedelta(days=1)).year}
	for year in sorted(years):
		middle = f"{year}-06-30"
		covered = frappe.db.exists(
			"Fiscal Year",
			{"year_start_date": ("<=", middle), "year_end_date": (">=", middle), "disabled": 0},
		)
		if not covered:
			frappe.get_doc(
				{
					"doctype": "Fiscal Year",
					"year": str(year),
					"year_start_date": f"{year}-01-01",
					"year_end_date": f"{year}-12-31",
				}
			).insert(ignore_permissions=True)


def signed_headers(
	body: bytes,
	topic: str = "orders/create",
	webhook_id: str | None = None,
	secret: str = SECRET,
	shop: str = SHOP,
	event_id: str | None = None,
):
	return shopify_webhooks.signed_headers(body, secret, shop, topic, webhook_id, event_id=event_id)


def cleanup(order_ids=()):
	for order_id in order_ids:
		link = frappe.db.get_value(
			"Connector Link",
			{"account": SHOP, "remote_type": "order", "remote_id": str(order_id)},
			"reference_name",
		)
		if link:
			so = frappe.get_doc("Sales Order", link)
			if so.docstatus == 1:
				so.cancel()
			frappe.delete_doc("Sales Order", link, force=True, ignore_permissions=True)
	frappe.db.delete("Connector Event", {"source": "Shopify", "account": SHOP})
	frappe.db.delete("Connector Link", {"account": SHOP, "remote_type": ("in", ["order"])})
	frappe.db.commit()


def ensure_connect_demo(base_url: str, shop: str, client_id: str, client_secret: str):
	"""A store that connects by the authorization code grant to a fake Shopify at `base_url`, for
	tools/shopify_connect.mjs."""
	ensure_store()  # the accounts and items a store needs
	if frappe.db.exists("Shopify Store", shop):
		frappe.delete_doc("Shopify Store", shop, force=True, ignore_permissions=True)
	store = frappe.copy_doc(frappe.get_doc("Shopify Store", SHOP))
	store.update(
		{
			"shop_domain": shop,
			"connection_method": "Connect to Shopify (authorization code)",
			"client_id": client_id,
			"client_secret": client_secret,
			"access_token": None,
			"base_url": base_url,
		}
	)
	store.insert(ignore_permissions=True)
	frappe.db.commit()
	return store.name
