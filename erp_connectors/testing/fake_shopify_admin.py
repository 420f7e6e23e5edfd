"""A fake Shopify Admin GraphQL API on 127.0.0.1: access token, cost-based throttle, fulfillments.

The throttle is Shopify's leaky bucket: `maximum` points, restoring `restore_rate`
points a second; a query that costs more than what is available gets a THROTTLED
error (with HTTP 200, as Shopify may send it) and `extensions.cost` on every answer.
"""

import threading
import time

from erp_connectors.testing.fake_server import FakeService, Response, route

INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"


class FakeShopifyAdmin(FakeService):
	def __init__(self, token: str = "shpat_fake_token", maximum: float = 1000.0, restore_rate: float = 100.0):
		super().__init__()
		self.token = token
		self.maximum = maximum
		self.restore_rate = restore_rate
		self.available = maximum
		self.updated = time.monotonic()
		self.bucket_lock = threading.Lock()
		self.fulfillment_orders: dict[str, list[dict]] = {}
		self.fulfillments: list[dict] = []
		self.throttled = 0

	def authenticate(self, request):
		if request.header("x-shopify-access-token") != self.token:
			return Response(401, {"errors": INVALID_TOKEN})
		return None

	def error_response(self, status, message):
		return Response(status, {"errors": message})

	def add_order(self, order: dict):
		"""Open one fulfillment order for a REST-shaped order payload (as webhooks carry)."""
		lines = [
			{
				"id": f"gid://shopify/FulfillmentOrderLineItem/{line['id']}",
				"remainingQuantity": int(line["quantity"]),
				"lineItem": {"id": f"gid://shopify/LineItem/{line['id']}", "sku": line.get("sku")},
			}
			for line in order["line_items"]
		]
		self.fulfillment_orders[f"gid://shopify/Order/{order['id']}"] = [
			{
				"id": f"gid://shopify/FulfillmentOrder/{order['id']}",
				"status": "OPEN",
				"lineItems": {"nodes": lines},
			}
		]

	def _spend(self, cost: float) -> dict | None:
		with self.bucket_lock:
			now = time.monotonic()
			self.available = min(self.maximum, self.available + (now - self.updated) * self.restore_rate)
			self.updated = now
			if self.available < cost:
				self.throttled += 1
				return self._cost(cost, None)
			self.available -= cost
			return None

	def _cost(self, requested, actual):
		status = {
			"maximumAvailable": self.maximum,
			"currentlyAvailable": self.available,
			"restoreRate": self.restore_rate,
		}
		return {
			"cost": {"requestedQueryCost": requested, "actualQueryCost": actual, "throttleStatus": status}
		}

	@route("POST", r"/admin/api/(?P<version>[\w-]+)/graphql\.json")
	def graphql(self, request):
		body = request.json() or {}
		query, variables = body.get("query") or "", body.get("variables") or {}
		if "fulfillmentTrackingInfoUpdate" in query:
			cost, handler = 10, self._tracking_update
		elif "fulfillmentCreate" in query:
			cost, handler = 10, self._fulfillment_create
		elif "fulfillmentOrders" in query:
			cost, handler = 12, self._fulfillment_orders
		else:
			return Response(200, {"errors": [{"message": "Field doesn't exist on type 'QueryRoot'"}]})
		throttled = self._spend(cost)
		if throttled:
			errors = [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]
			return Response(200, {"errors": errors, "extensions": throttled})
		return Response(200, {"data": handler(variables), "extensions": self._cost(cost, cost)})

	def _fulfillment_orders(self, variables):
		nodes = self.fulfillment_orders.get(variables.get("id"))
		return {"order": None if nodes is None else {"fulfillmentOrders": {"nodes": nodes}}}

	def _fulfillment_create(self, variables):
		fulfillment = variables.get("fulfillment") or {}
		lines = {
			line["id"]: line
			for orders in self.fulfillment_orders.values()
			for order in orders
			for line in order["lineItems"]["nodes"]
		}
		requested = [
			(line, item["quantity"])
			for group in fulfillment.get("lineItemsByFulfillmentOrder") or []
			for item in group["fulfillmentOrderLineItems"]
			for line in [lines.get(item["id"])]
		]
		if not requested or any(line is None or qty > line["remainingQuantity"] for line, qty in requested):
			message = "Invalid fulfillment order line item quantity requested."
			return {
				"fulfillmentCreate": {
					"fulfillment": None,
					"userErrors": [{"field": ["fulfillment"], "message": message}],
				}
			}
		for line, qty in requested:
			line["remainingQuantity"] -= qty
		for orders in self.fulfillment_orders.values():
			for order in orders:
				left = sum(line["remainingQuantity"] for line in order["lineItems"]["nodes"])
				order["status"] = "CLOSED" if left == 0 else order["status"]
		tracking = fulfillment.get("trackingInfo") or {}
		record = {
			"id": f"gid://shopify/Fulfillment/{len(self.fulfillments) + 1}",
			"status": "SUCCESS",
			"trackingInfo": [tracking] if tracking else [],
			"lines": [(line["lineItem"]["sku"], qty) for line, qty in requested],
			"notifyCustomer": fulfillment.get("notifyCustomer"),
		}
		self.fulfillments.append(record)
		return {
			"fulfillmentCreate": {
				"fulfillment": {k: record[k] for k in ("id", "status", "trackingInfo")},
				"userErrors": [],
			}
		}

	def _tracking_update(self, variables):
		record = next((f for f in self.fulfillments if f["id"] == variables.get("id")), None)
		if record is None:
			errors = [{"field": ["fulfillmentId"], "message": "Fulfillment does not exist."}]
			return {"fulfillmentTrackingInfoUpdate": {"fulfillment": None, "userErrors": errors}}
		record["trackingInfo"] = [variables.get("tracking") or {}]
		fulfillment = {"id": record["id"], "trackingInfo": record["trackingInfo"]}
		return {"fulfillmentTrackingInfoUpdate": {"fulfillment": fulfillment, "userErrors": []}}
