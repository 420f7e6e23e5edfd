"""Shopify topic -> handler. Webhooks, retries and the reconciliation poll share this map."""

from erp_connectors.shopify_connector.fulfillments_in import import_fulfillment
from erp_connectors.shopify_connector.orders import cancel_order, import_order
from erp_connectors.shopify_connector.refunds import import_refund


def uninstalled(ctx, payload):
	ctx.gateway.set_value(ctx.account.doctype, ctx.account.name, {"enabled": 0})
	return (ctx.account.doctype, ctx.account.name)


HANDLERS = {
	"orders/create": import_order,
	"orders/updated": import_order,
	"orders/paid": import_order,
	"orders/cancelled": cancel_order,
	"refunds/create": import_refund,
	"fulfillments/create": import_fulfillment,
	"app/uninstalled": uninstalled,
}
