"""A fake Shopify Admin GraphQL API on 127.0.0.1: access token, cost-based throttle, fulfillments.

The throttle is Shopify's leaky bucket: `maximum` points, restoring `restore_rate`
points a second; a query that costs more than what is available gets a THROTTLED
error (with HTTP 200, as Shopify may send it) and `extensions.cost` on every answer.
"""

import base64
import re
import threading
import time

from erp_connectors.testing import shopify_webhooks
from erp_connectors.testing.fake_server import FakeService, Response, route
from erp_connectors.testing.fake_shopify_bulk import ShopifyBulk
from erp_connectors.testing.fake_shopify_catalog import ShopifyCatalog

INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"


class FakeShopifyAdmin(ShopifyBulk, ShopifyCatalog, FakeService):
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
		self.orders: list[dict] = []  # GraphQL Order nodes
		self.shop_domain = "acme.myshopify.com"
		self.subscriptions: list[dict] = []
		self.inventory: dict = {}  # (inventory item gid, location gid) -> available quantity
		self.idempotency: dict = {}  # key -> (input, first result)
		self.mutation_calls = 0
		self.points_spent = 0.0
		# The legacy REST API's leaky bucket (40 requests, leaking 2/s), for the anchor comparison.
		self.rest_bucket, self.rest_updated = 0.0, time.monotonic()
		self.throttled = 0

	def authenticate(self, request):
		if self.is_bulk_download(request):
			return None  # a signed download URL, as Shopify's storage serves it: no token
		if request.header("x-shopify-access-token") != self.token:
			return Response(401, {"errors": INVALID_TOKEN})
		return None

	def error_response(self, status, message):
		return Response(status, {"errors": message})

	def webhook(self, topic: str, payload: dict, secret: str, webhook_id: str | None = None):
		"""(body, headers) of the webhook this shop would send for `topic`, signed with the app's secret."""
		return shopify_webhooks.webhook(payload, secret, self.shop_domain, topic, webhook_id)

	def add_order(self, order: dict, updated_at: str = "2026-11-22T10:00:00Z"):
		"""Keep a REST-shaped order payload (as webhooks carry) as a GraphQL Order, with one open
		fulfillment order."""
		self.orders = [o for o in self.orders if o["legacyResourceId"] != str(order["id"])]
		self.orders.append(graphql_order(order, updated_at))
		lines = [
			{
				"id": f"gid://shopify/FulfillmentOrderLineItem/{line['id']}",
				"remainingQuantity": int(line["quantity"]),
				"lineItem": {"id": f"gid://shopify/LineItem/{line['id']}", "sku": line.get("sku")},
			}
			for line in order["line_items"]
		]
		self.fulfillment_orders.setdefault(
			f"gid://shopify/Order/{order['id']}",
			[
				{
					"id": f"gid://shopify/FulfillmentOrder/{order['id']}",
					"status": "OPEN",
					"lineItems": {"nodes": lines},
				}
			],
		)

	def _spend(self, cost: float) -> dict | None:
		with self.bucket_lock:
			now = time.monotonic()
			self.available = min(self.maximum, self.available + (now - self.updated) * self.restore_rate)
			self.updated = now
			if self.available < cost:
				self.throttled += 1
				return self._cost(cost, None)
			self.available -= cost
			self.points_spent += cost
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

	@route("GET", r"/admin/api/(?P<version>[\w-]+)/inventory_levels\.json")
	def rest_inventory_levels(self, request):
		return self._rest(lambda: {"inventory_levels": []})

	@route("POST", r"/admin/api/(?P<version>[\w-]+)/inventory_levels/set\.json")
	def rest_set_level(self, request):
		return self._rest(lambda: {"inventory_level": request.json()})

	def _rest(self, body):
		with self.bucket_lock:
			now = time.monotonic()
			self.rest_bucket = max(0.0, self.rest_bucket - (now - self.rest_updated) * 2.0)
			self.rest_updated = now
			if self.rest_bucket + 1 > 40:
				return Response(
					429,
					{
						"errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."
					},
					{"Retry-After": "1.0"},
				)
			self.rest_bucket += 1
			used = int(self.rest_bucket)
		return Response(200, body(), {"X-Shopify-Shop-Api-Call-Limit": f"{used}/40"})

	@route("POST", r"/admin/api/(?P<version>[\w-]+)/graphql\.json")
	def graphql(self, request):
		body = request.json() or {}
		query, variables = body.get("query") or "", body.get("variables") or {}
		if "inventorySetQuantities" in query:
			cost, handler = 10, self._set_quantities
		elif "webhookSubscriptionCreate" in query:
			cost, handler = 10, self._subscribe
		elif re.search(r"\bshop\s*\{", query):
			cost, handler = 2, self._shop
		elif re.search(r"\borders\(", query):
			cost, handler = 60, self._orders
		elif "fulfillmentTrackingInfoUpdate" in query:
			cost, handler = 10, self._tracking_update
		elif "fulfillmentCreate" in query:
			cost, handler = 10, self._fulfillment_create
		elif "fulfillmentOrders" in query:
			cost, handler = 12, self._fulfillment_orders
		elif found := self.catalog_operation(query, variables) or self.bulk_operation(query, variables):
			cost, handler = found
		else:
			return Response(200, {"errors": [{"message": "Field doesn't exist on type 'QueryRoot'"}]})
		throttled = self._spend(cost)
		if throttled:
			errors = [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]
			return Response(200, {"errors": errors, "extensions": throttled})
		data = handler(variables)
		if "__error__" in data:
			return Response(
				200, {"errors": [{"message": data["__error__"]}], "extensions": self._cost(cost, cost)}
			)
		return Response(200, {"data": data, "extensions": self._cost(cost, cost)})

	def _set_quantities(self, variables):
		"""inventorySetQuantities with the 250 cap, compare-and-set and the @idempotent key."""
		payload, key = variables.get("input") or {}, variables.get("key")
		if not key:
			return self._inventory_errors(
				[
					{
						"field": None,
						"message": "An idempotency key is required.",
						"code": "IDEMPOTENCY_KEY_REQUIRED",
					}
				]
			)
		if key in self.idempotency:
			first_input, first_result = self.idempotency[key]
			if first_input != payload:
				return self._inventory_errors(
					[
						{
							"field": None,
							"message": "Key reused with other input.",
							"code": "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
						}
					]
				)
			return first_result
		quantities = payload.get("quantities") or []
		if len(quantities) > 250:
			return self._inventory_errors(
				[
					{
						"field": ["input", "quantities"],
						"message": "Too many quantities (max 250).",
						"code": "INVALID",
					}
				]
			)
		errors = []
		for index, quantity in enumerate(quantities):
			path = ["input", "quantities", str(index), "changeFromQuantity"]
			if "changeFromQuantity" not in quantity:
				errors.append({"field": path, "message": "changeFromQuantity is required", "code": "INVALID"})
				continue
			current = self.inventory.get((quantity["inventoryItemId"], quantity["locationId"]))
			if quantity["changeFromQuantity"] is not None and current != quantity["changeFromQuantity"]:
				message = "The specified compare quantity does not match the current quantity."
				errors.append({"field": path, "message": message, "code": "CHANGE_FROM_QUANTITY_STALE"})
		if not errors:  # all or nothing
			for quantity in quantities:
				self.inventory[(quantity["inventoryItemId"], quantity["locationId"])] = quantity["quantity"]
		self.mutation_calls += 1
		result = (
			self._inventory_errors(errors)
			if errors
			else {
				"inventorySetQuantities": {
					"inventoryAdjustmentGroup": {
						"id": f"gid://shopify/InventoryAdjustmentGroup/{self.mutation_calls}"
					},
					"userErrors": [],
				}
			}
		)
		self.idempotency[key] = (payload, result)
		return result

	@staticmethod
	def _inventory_errors(errors):
		return {"inventorySetQuantities": {"inventoryAdjustmentGroup": None, "userErrors": errors}}

	def _shop(self, variables):
		plan = {"displayName": "Basic"}
		return {
			"shop": {"name": "Acme", "myshopifyDomain": self.shop_domain, "currencyCode": "USD", "plan": plan}
		}

	def _subscribe(self, variables):
		url, topic = variables.get("url") or "", variables.get("topic")
		if not url.startswith("https://") and not url.startswith("http://"):
			errors = [{"field": ["webhookSubscription", "callbackUrl"], "message": "Address is invalid"}]
			return {"webhookSubscriptionCreate": {"webhookSubscription": None, "userErrors": errors}}
		if any(s["topic"] == topic and s["url"] == url for s in self.subscriptions):
			errors = [
				{
					"field": ["webhookSubscription", "callbackUrl"],
					"message": "Address for this topic has already been taken",
				}
			]
			return {"webhookSubscriptionCreate": {"webhookSubscription": None, "userErrors": errors}}
		subscription = {
			"id": f"gid://shopify/WebhookSubscription/{len(self.subscriptions) + 1}",
			"topic": topic,
		}
		self.subscriptions.append({**subscription, "url": url})
		return {"webhookSubscriptionCreate": {"webhookSubscription": subscription, "userErrors": []}}

	def _orders(self, variables):
		since = re.search(r"updated_at:>'([^']+)'", variables.get("query") or "")
		nodes = sorted(
			(o for o in self.orders if not since or o["updatedAt"] > since.group(1)),
			key=lambda o: o["updatedAt"],
		)
		start = int(base64.b64decode(variables["after"]).decode()) if variables.get("after") else 0
		page = nodes[start : start + 50]
		end = start + len(page)
		cursor = base64.b64encode(str(end).encode()).decode()
		return {"orders": {"nodes": page, "pageInfo": {"hasNextPage": end < len(nodes), "endCursor": cursor}}}

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


def _money(amount, currency):
	return {"shopMoney": {"amount": str(amount), "currencyCode": currency}} if amount is not None else None


def _shop_amount(obj: dict, field: str):
	money = (obj.get(f"{field}_set") or {}).get("shop_money")
	return money["amount"] if money else obj.get(field)


def _taxes(lines, currency):
	return [
		{"title": t["title"], "rate": t.get("rate"), "priceSet": _money(_shop_amount(t, "price"), currency)}
		for t in lines or []
	]


def _allocations(allocations, currency):
	return [{"allocatedAmountSet": _money(_shop_amount(a, "amount"), currency)} for a in allocations or []]


def _address(address):
	if not address:
		return None
	keys = ("address1", "address2", "city", "province", "zip", "country", "phone", "name", "company")
	return {**{k: address.get(k) for k in keys}, "countryCodeV2": address.get("country_code")}


def graphql_order(order: dict, updated_at: str) -> dict:
	"""How the Admin GraphQL API presents a REST-shaped order (the fields our poll asks for)."""
	currency = order["currency"]
	customer = order.get("customer")
	return {
		"id": f"gid://shopify/Order/{order['id']}",
		"legacyResourceId": str(order["id"]),
		"name": order["name"],
		"currencyCode": currency,
		"processedAt": order.get("processed_at"),
		"createdAt": order.get("created_at"),
		"updatedAt": updated_at,
		"taxesIncluded": order.get("taxes_included"),
		"test": order.get("test"),
		"cancelledAt": order.get("cancelled_at"),
		"cancelReason": (order.get("cancel_reason") or "").upper() or None,
		"email": order.get("email"),
		"totalPriceSet": _money(_shop_amount(order, "total_price"), currency),
		"totalTaxSet": _money(_shop_amount(order, "total_tax"), currency),
		"totalDiscountsSet": _money(_shop_amount(order, "total_discounts"), currency),
		"taxLines": _taxes(order.get("tax_lines"), currency),
		"customer": {
			"legacyResourceId": str(customer["id"]),
			"email": customer.get("email"),
			"firstName": customer.get("first_name"),
			"lastName": customer.get("last_name"),
			"phone": customer.get("phone"),
		}
		if customer
		else None,
		"billingAddress": _address(order.get("billing_address")),
		"shippingAddress": _address(order.get("shipping_address")),
		"lineItems": {
			"nodes": [
				{
					"id": f"gid://shopify/LineItem/{line['id']}",
					"sku": line.get("sku"),
					"title": line.get("title"),
					"quantity": line.get("quantity"),
					"variant": {"legacyResourceId": str(line["variant_id"])}
					if line.get("variant_id")
					else None,
					"originalUnitPriceSet": _money(_shop_amount(line, "price"), currency),
					"taxLines": _taxes(line.get("tax_lines"), currency),
					"discountAllocations": _allocations(line.get("discount_allocations"), currency),
				}
				for line in order.get("line_items") or []
			]
		},
		"shippingLines": {
			"nodes": [
				{
					"id": f"gid://shopify/ShippingLine/{line.get('id') or order['id'] * 100 + index}",
					"title": line.get("title"),
					"originalPriceSet": _money(_shop_amount(line, "price"), currency),
					"taxLines": _taxes(line.get("tax_lines"), currency),
					"discountAllocations": _allocations(line.get("discount_allocations"), currency),
				}
				for index, line in enumerate(order.get("shipping_lines") or [])
			]
		},
	}
