"""ERPNext deliveries -> Shopify fulfillments with tracking. Pure, plus calls through the client."""

from erp_connectors.connectors.errors import NeedsAttention
from erp_connectors.shopify_connector.graphql_client import ShopifyGraphQL, user_errors

FULFILLMENT_ORDERS = """
query FulfillmentOrders($id: ID!) {
  order(id: $id) {
    fulfillmentOrders(first: 20) {
      nodes {
        id
        status
        lineItems(first: 100) { nodes { id remainingQuantity lineItem { id sku } } }
      }
    }
  }
}
"""

FULFILLMENT_CREATE = """
mutation FulfillmentCreate($fulfillment: FulfillmentInput!, $message: String) {
  fulfillmentCreate(fulfillment: $fulfillment, message: $message) {
    fulfillment { id status trackingInfo { company number url } }
    userErrors { field message }
  }
}
"""

OPEN_STATUSES = {"OPEN", "IN_PROGRESS", "SCHEDULED"}


def order_gid(order_id) -> str:
	return f"gid://shopify/Order/{order_id}"


def fulfillment_input(
	fulfillment_orders: list[dict], quantities: dict[str, float], tracking: dict | None, notify: bool
):
	"""Allocate delivered quantities per SKU over the open fulfillment orders' remaining lines."""
	remaining = {sku: int(qty) for sku, qty in quantities.items() if int(qty) > 0}
	groups = []
	for order in fulfillment_orders:
		if order.get("status") not in OPEN_STATUSES:
			continue
		lines = []
		for line in order["lineItems"]["nodes"]:
			sku = (line.get("lineItem") or {}).get("sku")
			take = min(remaining.get(sku, 0), int(line.get("remainingQuantity") or 0))
			if take > 0:
				lines.append({"id": line["id"], "quantity": take})
				remaining[sku] -= take
		if lines:
			groups.append({"fulfillmentOrderId": order["id"], "fulfillmentOrderLineItems": lines})
	unplaced = {sku: qty for sku, qty in remaining.items() if qty > 0}
	if unplaced:
		listed = ", ".join(f"{qty} x {sku}" for sku, qty in unplaced.items())
		raise NeedsAttention(
			f"Shopify has no open fulfillment line for {listed}. It may already be fulfilled in Shopify, or the "
			"Delivery Note has items the Shopify order does not."
		)
	fulfillment = {"lineItemsByFulfillmentOrder": groups, "notifyCustomer": notify}
	if tracking and tracking.get("number"):
		fulfillment["trackingInfo"] = {k: v for k, v in tracking.items() if v}
	return fulfillment


def push_fulfillment(client: ShopifyGraphQL, order_id, quantities, tracking=None, notify=True) -> dict:
	data = client.execute(FULFILLMENT_ORDERS, {"id": order_gid(order_id)}, cost=12)
	order = data.get("order")
	if not order:
		raise NeedsAttention(f"Shopify has no order {order_id}; was it deleted?")
	fulfillment = fulfillment_input(order["fulfillmentOrders"]["nodes"], quantities, tracking, notify)
	result = client.execute(FULFILLMENT_CREATE, {"fulfillment": fulfillment}, cost=10)["fulfillmentCreate"]
	user_errors(result)
	return result["fulfillment"]


TRACKING_UPDATE = """
mutation TrackingUpdate($id: ID!, $tracking: FulfillmentTrackingInput!, $notify: Boolean) {
  fulfillmentTrackingInfoUpdate(fulfillmentId: $id, trackingInfoInput: $tracking, notifyCustomer: $notify) {
    fulfillment { id trackingInfo { company number url } }
    userErrors { field message }
  }
}
"""


def update_tracking(client: ShopifyGraphQL, fulfillment_id: str, tracking: dict, notify=True) -> dict:
	variables = {"id": fulfillment_id, "tracking": {k: v for k, v in tracking.items() if v}, "notify": notify}
	result = client.execute(TRACKING_UPDATE, variables, cost=10)["fulfillmentTrackingInfoUpdate"]
	user_errors(result)
	return result["fulfillment"]
