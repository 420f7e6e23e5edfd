"""A fake Shopify Admin GraphQL API on 127.0.0.1: access token, cost-based throttle, orders,
fulfillments, stock, webhooks registration, with bulk operations and the catalogue mixed in.

Every request is checked against Shopify's Admin schema of the URL's API version
(ShopifyAdminContract); the fake then dispatches on the operation's root fields and projects its
objects onto the document (fake_shopify_graphql), and every answer is checked again. The throttle
is Shopify's leaky bucket: `maximum` points, restoring `restore_rate` points a second; a query
that costs more than what is available gets a THROTTLED error (with HTTP 200, as Shopify may send
it) and `extensions.cost` is on every answer.
"""

import base64
import re
import threading
import time
from datetime import date, datetime, timezone

from erp_connectors.testing import shopify_webhooks
from erp_connectors.testing.contracts.shopify_admin import ShopifyAdminContract
from erp_connectors.testing.fake_server import FakeService, Response, route
from erp_connectors.testing.fake_shopify_bulk import ShopifyBulk
from erp_connectors.testing.fake_shopify_catalog import ShopifyCatalog
from erp_connectors.testing.fake_shopify_graphql import FieldError, project, root_field, root_handlers
from erp_connectors.testing.fake_shopify_oauth import ShopifyOAuth
from erp_connectors.testing.fake_shopify_payments import ShopifyPayments
from erp_connectors.testing.fake_shopify_setup import ShopifySetup

INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
RATE_LIMITS = "https://shopify.dev/api/usage/rate-limits"


class FakeShopifyAdmin(ShopifyOAuth, ShopifyPayments, ShopifyBulk, ShopifyCatalog, ShopifySetup, FakeService):
	def __init__(
		self,
		token: str | None = "shpat_fake_token",  # a legacy admin-created token; None: only issued ones
		maximum: float = 1000.0,
		restore_rate: float = 100.0,
		today: date | None = None,  # which API versions Shopify still supports; None: the real date
		client_id: str = "fake-client-id",
		client_secret: str = "shpss_fake",
	):
		super().__init__(client_id=client_id, client_secret=client_secret)
		self.contract = ShopifyAdminContract(today)
		self.token = token
		self.maximum = maximum
		self.restore_rate = restore_rate
		self.available = maximum
		self.updated = time.monotonic()
		self.bucket_lock = threading.Lock()
		self.fulfillment_orders: dict[str, list[dict]] = {}
		self.fulfillments: list[dict] = []
		self.orders: list[dict] = []  # GraphQL Order objects
		self.shop_domain = "acme.myshopify.com"
		self.subscriptions: list[dict] = []
		self.inventory: dict = {}  # (inventory item gid, location gid) -> available quantity
		self.idempotency: dict = {}  # key -> (input, first result)
		self.mutation_calls = 0
		self.points_spent = 0.0
		# The legacy REST API's leaky bucket (40 requests, leaking 2/s), for the anchor comparison.
		self.rest_bucket, self.rest_updated = 0.0, time.monotonic()
		self.throttled = 0
		self.handlers = root_handlers(self)

	def authenticate(self, request):
		if self.is_bulk_download(request) or request.path.startswith("/admin/oauth/"):
			return None  # a signed download URL, as Shopify's storage serves it; OAuth has its own checks
		token = request.header("x-shopify-access-token")
		if not (self.token and token == self.token) and not self.token_valid(token):
			return Response(401, {"errors": INVALID_TOKEN})
		return None

	def error_response(self, status, message):
		return Response(status, {"errors": message})

	def webhook(
		self,
		topic: str,
		payload: dict,
		secret: str,
		webhook_id: str | None = None,
		event_id: str | None = None,
	):
		"""(body, headers) of the webhook this shop would send for `topic`, signed with the app's secret;
		a payload Shopify's webhook schema for the topic does not allow is refused."""
		return shopify_webhooks.webhook(
			payload, secret, self.shop_domain, topic, webhook_id, event_id=event_id
		)

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
			[{"id": f"gid://shopify/FulfillmentOrder/{order['id']}", "status": "OPEN", "lineItems": lines}],
		)

	# the GraphQL endpoint
	@route("POST", r"/admin/api/(?P<version>[\w-]+)/graphql\.json")
	def graphql(self, request):
		call = request.graphql  # parsed and checked by the contract
		kind = call.operation.operation.value
		fields = []
		for root in call.root_fields():
			if (kind, root.name) not in self.handlers:
				raise NotImplementedError(f"the fake Shopify has no {kind} field {root.name!r}")
			handler, cost = self.handlers[(kind, root.name)]
			if callable(cost):
				cost = cost(root) if getattr(cost, "wants_root", False) else cost(root.args)
			fields.append((root, handler, cost))
		cost = sum(points for _, _, points in fields)
		headers = {"X-Shopify-API-Version": call.version}
		if self._spend(cost):
			errors = [
				{"message": "Throttled", "extensions": {"code": "THROTTLED", "documentation": RATE_LIMITS}}
			]
			return Response(200, {"errors": errors, "extensions": self._cost(cost, None)}, headers)
		objects, errors = {}, []
		for root, handler, _ in fields:
			try:
				objects[root.key] = handler(root)
			except FieldError as error:
				errors.append(
					{"message": error.message, "path": [root.key], "extensions": {"code": error.code}}
				)
		extensions = self._cost(cost, cost)
		if errors:
			return Response(200, {"errors": errors, "extensions": extensions}, headers)
		return Response(200, {"data": project(call, objects), "extensions": extensions}, headers)

	def _spend(self, cost: float) -> bool:
		"""Take `cost` points from the bucket; True when there are not enough (throttled)."""
		with self.bucket_lock:
			now = time.monotonic()
			self.available = min(self.maximum, self.available + (now - self.updated) * self.restore_rate)
			self.updated = now
			if self.available < cost:
				self.throttled += 1
				return True
			self.available -= cost
			self.points_spent += cost
			return False

	def _cost(self, requested, actual):
		status = {
			"maximumAvailable": self.maximum,
			"currentlyAvailable": self.available,
			"restoreRate": self.restore_rate,
		}
		return {
			"cost": {"requestedQueryCost": requested, "actualQueryCost": actual, "throttleStatus": status}
		}

	# the legacy REST API, only for the benchmark's anchor comparison (no published contract here)
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

	# root fields
	@root_field("query", "shop", 2)
	def _shop(self, root):
		plan = {"publicDisplayName": "Basic", "partnerDevelopment": False, "shopifyPlus": False}
		return {"name": "Acme", "myshopifyDomain": self.shop_domain, "currencyCode": "USD", "plan": plan}

	@root_field("query", "currentAppInstallation", 2)
	def _installation(self, root):
		scopes = [{"handle": handle} for handle in self.granted_scopes.split(",") if handle]
		return {"id": "gid://shopify/AppInstallation/1", "accessScopes": scopes}

	@root_field("mutation", "inventorySetQuantities", 10)
	def _set_quantities(self, root):
		"""inventorySetQuantities with the 250 cap, compare-and-set and the @idempotent key (required
		from 2026-04; Shopify does not document the error's shape, so it is a plain top-level error)."""
		payload = root.args["input"]
		key = (root.directives.get("idempotent") or {}).get("key")
		if not key:
			raise FieldError("The @idempotent directive is required for this mutation.", "BAD_REQUEST")
		if key in self.idempotency:
			first_input, first_result = self.idempotency[key]
			if first_input != payload:
				message = "The same idempotency key cannot be used with different operation parameters."
				return _inventory_errors(
					[{"field": None, "message": message, "code": "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"}]
				)
			return first_result
		quantities = payload.get("quantities") or []
		if len(quantities) > 250:
			# Shopify's general cap on input arrays (shopify.dev rate limits page)
			raise FieldError(
				f"The input array size of {len(quantities)} is greater than the maximum allowed of 250.",
				"MAX_INPUT_SIZE_EXCEEDED",
			)
		errors = []
		for index, quantity in enumerate(quantities):
			path = ["input", "quantities", str(index), "changeFromQuantity"]
			if "changeFromQuantity" not in quantity:
				# Omitting it "returns an error" from 2026-04; its code is not documented.
				errors.append({"field": path, "message": "changeFromQuantity is required", "code": None})
				continue
			current = self.inventory.get((quantity["inventoryItemId"], quantity["locationId"]))
			if quantity["changeFromQuantity"] is not None and current != quantity["changeFromQuantity"]:
				message = "The specified compare quantity does not match the current quantity."
				errors.append({"field": path, "message": message, "code": "CHANGE_FROM_QUANTITY_STALE"})
		if not errors:  # all or nothing
			for quantity in quantities:
				self.inventory[(quantity["inventoryItemId"], quantity["locationId"])] = quantity["quantity"]
		self.mutation_calls += 1
		group = {"id": f"gid://shopify/InventoryAdjustmentGroup/{self.mutation_calls}"}
		result = (
			_inventory_errors(errors) if errors else {"inventoryAdjustmentGroup": group, "userErrors": []}
		)
		self.idempotency[key] = (payload, result)
		return result

	@root_field("mutation", "webhookSubscriptionCreate", 10)
	def _subscribe(self, root):
		topic, uri = root.args["topic"], root.args["webhookSubscription"].get("uri") or ""
		path = ["webhookSubscription", "uri"]
		if not uri.startswith(("https://", "http://")):
			return {
				"webhookSubscription": None,
				"userErrors": [{"field": path, "message": "Address is invalid"}],
			}
		if any(s["topic"] == topic and s["uri"] == uri for s in self.subscriptions):
			message = "Address for this topic has already been taken"
			return {"webhookSubscription": None, "userErrors": [{"field": path, "message": message}]}
		subscription = {
			"id": f"gid://shopify/WebhookSubscription/{len(self.subscriptions) + 1}",
			"topic": topic,
			"uri": uri,
			"format": root.args["webhookSubscription"].get("format") or "JSON",
		}
		self.subscriptions.append(subscription)
		return {"webhookSubscription": subscription, "userErrors": []}

	@root_field("query", "orders", 60)
	def _orders(self, root):
		since = re.search(r"updated_at:>'([^']+)'", root.args.get("query") or "")
		found = sorted(
			(o for o in self.orders if not since or o["updatedAt"] > since.group(1)),
			key=lambda o: o["updatedAt"],  # the sort keys asked for (UPDATED_AT, the default ID) agree here
			reverse=bool(root.args.get("reverse")),
		)
		start = int(base64.b64decode(root.args["after"]).decode()) if root.args.get("after") else 0
		page = found[start : start + int(root.args["first"])]
		end = start + len(page)
		info = {"hasNextPage": end < len(found), "endCursor": base64.b64encode(str(end).encode()).decode()}
		return connection(page, info)

	@root_field("query", "order", 12)
	def _order(self, root):
		gid = root.args["id"]
		orders = self.fulfillment_orders.get(gid)
		known = next((o for o in self.orders if o["id"] == gid), None)
		if orders is None and known is None and gid not in self.order_transactions:
			return None
		nodes = [{**order, "lineItems": connection(order["lineItems"])} for order in orders or []]
		return {
			"id": gid,
			"name": known["name"] if known else f"#{gid.rsplit('/', 1)[-1]}",
			"fulfillmentOrders": connection(nodes),
			"transactions": self.transactions_of(gid),
		}

	@root_field("mutation", "fulfillmentCreate", 10)
	def _fulfillment_create(self, root):
		fulfillment = root.args["fulfillment"]
		lines = {
			line["id"]: line
			for orders in self.fulfillment_orders.values()
			for order in orders
			for line in order["lineItems"]
		}
		requested = [
			(line, item["quantity"])
			for group in fulfillment.get("lineItemsByFulfillmentOrder") or []
			for item in group.get("fulfillmentOrderLineItems") or []
			for line in [lines.get(item["id"])]
		]
		if not requested or any(line is None or qty > line["remainingQuantity"] for line, qty in requested):
			message = "Invalid fulfillment order line item quantity requested."
			return {"fulfillment": None, "userErrors": [{"field": ["fulfillment"], "message": message}]}
		for line, qty in requested:
			line["remainingQuantity"] -= qty
		for orders in self.fulfillment_orders.values():
			for order in orders:
				left = sum(line["remainingQuantity"] for line in order["lineItems"])
				order["status"] = "CLOSED" if left == 0 else order["status"]
		record = {
			"id": f"gid://shopify/Fulfillment/{len(self.fulfillments) + 1}",
			"status": "SUCCESS",
			"trackingInfo": _tracking(fulfillment.get("trackingInfo")),
			"lines": [(line["lineItem"]["sku"], qty) for line, qty in requested],
			"notifyCustomer": fulfillment.get("notifyCustomer"),
		}
		self.fulfillments.append(record)
		return {"fulfillment": record, "userErrors": []}

	@root_field("mutation", "fulfillmentTrackingInfoUpdate", 10)
	def _tracking_update(self, root):
		record = next((f for f in self.fulfillments if f["id"] == root.args["fulfillmentId"]), None)
		if record is None:
			errors = [{"field": ["fulfillmentId"], "message": "Fulfillment does not exist."}]
			return {"fulfillment": None, "userErrors": errors}
		record["trackingInfo"] = _tracking(root.args["trackingInfoInput"])
		return {"fulfillment": record, "userErrors": []}


def connection(nodes: list, page_info: dict | None = None) -> dict:
	"""A connection as Shopify's objects hold it: nodes, edges and pageInfo (the document picks)."""
	info = {"hasNextPage": False, "hasPreviousPage": False, "startCursor": None, "endCursor": None}
	return {
		"nodes": nodes,
		"edges": [{"node": node} for node in nodes],
		"pageInfo": {**info, **(page_info or {})},
	}


def _inventory_errors(errors):
	return {"inventoryAdjustmentGroup": None, "userErrors": errors}


def _tracking(given: dict | None) -> list[dict]:
	"""FulfillmentTrackingInput -> the Fulfillment's TrackingInfo list."""
	if not given:
		return []
	numbers = given.get("numbers") or ([given["number"]] if given.get("number") else [])
	urls = given.get("urls") or ([given["url"]] if given.get("url") else [])
	return [
		{"company": given.get("company"), "number": number, "url": urls[i] if i < len(urls) else None}
		for i, number in enumerate(numbers)
	]


# A REST-shaped order (as webhooks carry it) as the Admin GraphQL API presents the same order.
def _money(amount, currency):
	if amount is None:
		return None
	money = {"amount": str(amount), "currencyCode": currency}
	return {"shopMoney": money, "presentmentMoney": money}


def _shop_amount(obj: dict, field: str):
	money = (obj.get(f"{field}_set") or {}).get("shop_money")
	return money["amount"] if money else obj.get(field)


def _utc(timestamp: str | None) -> str | None:
	"""GraphQL DateTimes are UTC, where REST payloads carry the shop's own offset."""
	if not timestamp:
		return timestamp
	moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00")).astimezone(timezone.utc)
	return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


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


def _customer(customer):
	if not customer:
		return None
	email, phone = customer.get("email"), customer.get("phone")
	return {
		"id": f"gid://shopify/Customer/{customer['id']}",
		"legacyResourceId": str(customer["id"]),
		"firstName": customer.get("first_name"),
		"lastName": customer.get("last_name"),
		"defaultEmailAddress": {"emailAddress": email} if email else None,
		"defaultPhoneNumber": {"phoneNumber": phone} if phone else None,
	}


def graphql_order(order: dict, updated_at: str) -> dict:
	"""How the Admin GraphQL API presents a REST-shaped order (the fields our poll asks for)."""
	currency = order["currency"]
	order_gid = f"gid://shopify/Order/{order['id']}"
	lines = [
		{
			"id": f"gid://shopify/LineItem/{line['id']}",
			"sku": line.get("sku"),
			"title": line.get("title"),
			"quantity": line.get("quantity"),
			"variant": {
				"id": f"gid://shopify/ProductVariant/{line['variant_id']}",
				"legacyResourceId": str(line["variant_id"]),
			}
			if line.get("variant_id")
			else None,
			"originalUnitPriceSet": _money(_shop_amount(line, "price"), currency),
			"taxLines": _taxes(line.get("tax_lines"), currency),
			"discountAllocations": _allocations(line.get("discount_allocations"), currency),
		}
		for line in order.get("line_items") or []
	]
	shipping = [
		{
			"id": f"gid://shopify/ShippingLine/{line.get('id') or order['id'] * 100 + index}",
			"title": line.get("title"),
			"originalPriceSet": _money(_shop_amount(line, "price"), currency),
			"taxLines": _taxes(line.get("tax_lines"), currency),
			"discountAllocations": _allocations(line.get("discount_allocations"), currency),
		}
		for index, line in enumerate(order.get("shipping_lines") or [])
	]
	return {
		"id": order_gid,
		"legacyResourceId": str(order["id"]),
		"name": order["name"],
		"currencyCode": currency,
		"processedAt": _utc(order.get("processed_at") or order.get("created_at")),
		"createdAt": _utc(order.get("created_at") or order.get("processed_at")),
		"updatedAt": updated_at,
		"taxesIncluded": bool(order.get("taxes_included")),
		"test": bool(order.get("test")),
		"cancelledAt": _utc(order.get("cancelled_at")),
		"cancelReason": (order.get("cancel_reason") or "").upper() or None,
		"email": order.get("email"),
		"totalPriceSet": _money(_shop_amount(order, "total_price"), currency),
		"totalTaxSet": _money(_shop_amount(order, "total_tax"), currency),
		"totalDiscountsSet": _money(_shop_amount(order, "total_discounts"), currency),
		"taxLines": _taxes(order.get("tax_lines"), currency),
		"customer": _customer(order.get("customer")),
		"billingAddress": _address(order.get("billing_address")),
		"shippingAddress": _address(order.get("shipping_address")),
		"lineItems": connection(lines),
		"shippingLines": connection(shipping),
	}
