"""Shopify topic -> handler. Webhooks, retries and the reconciliation poll share this map."""

from erp_connectors.shopify_connector.fulfillments_in import import_fulfillment
from erp_connectors.shopify_connector.orders import cancel_order, import_order
from erp_connectors.shopify_connector.privacy import customer_redact, data_request, shop_redact, uninstalled
from erp_connectors.shopify_connector.refunds import import_refund

HANDLERS = {
	"orders/create": import_order,
	"orders/updated": import_order,
	"orders/paid": import_order,
	"orders/cancelled": cancel_order,
	"refunds/create": import_refund,
	"fulfillments/create": import_fulfillment,
	"app/uninstalled": uninstalled,
	"customers/data_request": data_request,
	"customers/redact": customer_redact,
	"shop/redact": shop_redact,
}
# Shopify's privacy webhooks must be answered even for a store we stopped syncing (shop/redact comes
# 48 hours after the uninstall that disabled it).
RUNS_WHEN_DISABLED = ("customers/data_request", "customers/redact", "shop/redact")
# Privacy topics are configured in the app's settings (shopify.app.toml compliance_topics), not
# subscribed through the API.
SUBSCRIBED = tuple(topic for topic in HANDLERS if topic not in RUNS_WHEN_DISABLED)
