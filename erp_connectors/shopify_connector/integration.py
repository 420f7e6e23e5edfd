"""Frappe surface of the Shopify connector: the webhook endpoint and the sync context."""

import frappe
from frappe.rate_limiter import rate_limit

from erp_connectors.connectors import intake
from erp_connectors.connectors.frappe_gateway import FrappeGateway
from erp_connectors.connectors.gateway import AccountRef
from erp_connectors.connectors.registry import ConnectorBinding
from erp_connectors.connectors.settings import webhook_rate_limit
from erp_connectors.connectors.sources import SyncContext
from erp_connectors.shopify_connector.webhook import ShopifyWebhookSource


@frappe.whitelist(allow_guest=True, methods=["POST"])
@rate_limit(limit=webhook_rate_limit, seconds=60)
def webhook():
	return intake.receive(ShopifyWebhookSource.name)


def store_settings(store) -> dict:
	return {
		"company": store.company,
		"default_warehouse": store.default_warehouse,
		"price_list": store.price_list,
		"customer_group": store.customer_group,
		"naming_series": store.sales_order_series,
		"cost_center": store.cost_center,
		"shipping_as": store.shipping_as,
		"shipping_account": store.shipping_account,
		"shipping_item": store.shipping_item,
		"tax_accounts": {row.tax_title: row.account for row in store.tax_accounts},
		"location_warehouses": {row.shopify_location_id: row.warehouse for row in store.locations},
		"import_test_orders": bool(store.import_test_orders),
		"create_invoice": bool(store.create_invoice),
	}


def build_context(store_name: str) -> SyncContext:
	store = frappe.get_doc("Shopify Store", store_name)
	return SyncContext(
		account=AccountRef("Shopify Store", store.name),
		settings=store_settings(store),
		gateway=FrappeGateway(),
	)


BINDING = ConnectorBinding(source=ShopifyWebhookSource(), build_context=build_context)
