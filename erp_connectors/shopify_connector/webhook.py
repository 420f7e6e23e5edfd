"""Shopify webhooks: verify X-Shopify-Hmac-Sha256 and parse the delivery. Pure.

Shopify signs the body only: the topic, the webhook and event ids and the shop domain are unsigned
headers anyone holding one captured delivery can change. So what a delivery may do is decided by its
signed body: a topic whose payload does not have that topic's shape is refused (see `shape_problem`),
and each handler checks what it acts on (a cancellation needs `cancelled_at`, an uninstall is
confirmed by Shopify refusing our credentials, an order older than the one applied changes nothing).

Deliveries are deduplicated on X-Shopify-Event-Id, shared by every delivery of one event (Shopify's
retries and each subscription's delivery), falling back to X-Shopify-Webhook-Id.
"""

import json

import shopify_app

from erp_connectors.connectors.errors import SignatureError
from erp_connectors.connectors.signatures import verify_hmac
from erp_connectors.connectors.sources import InboundEvent, WebhookSource, body_text
from erp_connectors.shopify_connector import payments, payouts
from erp_connectors.shopify_connector.handlers import HANDLERS, RUNS_WHEN_DISABLED

# The resource each topic's payload is, as its admin_graphql_api_id names it.
RESOURCE = {
	"orders/create": "Order",
	"orders/updated": "Order",
	"orders/paid": "Order",
	"orders/cancelled": "Order",
	"refunds/create": "Refund",
	"fulfillments/create": "Fulfillment",
}
# Keys Shopify's payload for the topic always has (its published webhook schemas' `required`).
REQUIRED = {
	"orders/create": ("id", "line_items", "updated_at"),
	"orders/updated": ("id", "line_items", "updated_at"),
	"orders/paid": ("id", "line_items", "updated_at"),
	"orders/cancelled": ("id", "line_items", "updated_at"),
	"refunds/create": ("id", "order_id", "refund_line_items"),
	"fulfillments/create": ("id", "order_id", "line_items"),
	"app/uninstalled": ("id", "myshopify_domain", "shop_owner", "plan_name"),
	"customers/data_request": ("shop_id", "shop_domain", "customer", "orders_requested", "data_request"),
	"customers/redact": ("shop_id", "shop_domain", "customer", "orders_to_redact"),
	"shop/redact": ("shop_id", "shop_domain"),
}
# Keys that only other topics' payloads have: a shop, a privacy request, an order are told apart.
FOREIGN = {
	"app/uninstalled": ("line_items", "admin_graphql_api_id", "shop_id"),
	"shop/redact": ("customer", "line_items", "admin_graphql_api_id"),
	"customers/redact": ("data_request", "line_items"),
	"customers/data_request": ("orders_to_redact", "line_items"),
}


def shape_problem(topic: str, payload: dict, shop_domain: str) -> str | None:
	"""Why `payload` cannot be Shopify's `topic` payload for `shop_domain`; None when it can be.
	A topic we have no handler for is not judged here (it is stored and held as unhandled)."""
	if topic not in REQUIRED:
		return None
	missing = [key for key in REQUIRED[topic] if key not in payload]
	if missing:
		return f"a {topic} payload has {', '.join(missing)}"
	foreign = [key for key in FOREIGN.get(topic, ()) if key in payload]
	if foreign:
		return f"a {topic} payload has no {', '.join(foreign)}"
	resource = RESOURCE.get(topic)
	gid = str(payload.get("admin_graphql_api_id") or "")
	# Shopify always sends it; where a body lacks it, the required keys above tell the shapes apart.
	if resource and gid and not gid.startswith(f"gid://shopify/{resource}/"):
		return (
			f"a {topic} payload is a {resource}, not {gid.split('/')[3] if gid.count('/') >= 4 else 'this'}"
		)
	shop = payload.get("shop_domain") if "shop_domain" in REQUIRED[topic] else None
	if shop is not None and str(shop).lower() != shop_domain:
		return f"the payload is for {shop}, not {shop_domain}"
	return None


class ShopifyWebhookSource(WebhookSource):
	name = "Shopify"
	account_doctype = "Shopify Store"
	# Shopify keeps signing with the old secret for up to an hour after a rotation; a Dev Dashboard
	# app signs with its client secret.
	secret_fields = ("webhook_secret", "previous_webhook_secret", "client_secret")
	max_body_bytes = 2 * 1024 * 1024
	# Webhook topics, and the events our own handlers and jobs leave (payments apart from their
	# order, Shopify Payments payouts), which Shopify never sends and no subscription names.
	handlers = {**HANDLERS, **payments.HANDLERS, **payouts.HANDLERS}
	runs_when_disabled = RUNS_WHEN_DISABLED

	def account_name(self, headers, query):
		return (headers.get("x-shopify-shop-domain") or "").strip().lower() or None

	def verify(self, body, headers, query, secrets):
		if not secrets:
			raise SignatureError("the Shopify Store has no API secret key to check the signature with")
		if not verify_signature(body, headers, secrets):
			raise SignatureError("X-Shopify-Hmac-Sha256 does not match the body")

	def parse(self, body, headers):
		payload = json.loads(body)  # Python ints keep Shopify's 18-digit ids exact
		if not isinstance(payload, dict):
			raise ValueError("expected a JSON object")
		topic = headers.get("x-shopify-topic")
		# Event-Id is one merchant action, the same on every delivery of it; Webhook-Id one delivery.
		event_id = headers.get("x-shopify-event-id") or headers.get("x-shopify-webhook-id")
		if not topic or not event_id:
			raise ValueError("missing X-Shopify-Topic or X-Shopify-Event-Id")
		problem = shape_problem(topic, payload, self.account_name(headers, {}) or "")
		if problem:
			raise ValueError(f"the topic header does not fit the signed body: {problem}")
		return InboundEvent(
			event_id=event_id,
			topic=topic,
			payload=payload,
			occurred_at=headers.get("x-shopify-triggered-at"),
			payload_json=body_text(body),
		)


def verify_signature(body: bytes, headers, secrets: list[str]) -> bool:
	"""Shopify's own check (shopifyapp's verify_webhook_req, constant time, current and previous secret).
	shopifyapp takes the body as text and compares str digests, which raises for a body that is not
	UTF-8 or a header that is not ASCII; those deliveries are checked on the raw bytes instead. Every
	secret beyond the first two (if a store ever held more) is checked the same way."""
	try:
		text = body.decode("utf-8")
		header = headers.get("x-shopify-hmac-sha256") or ""
		header.encode("ascii")
	except (UnicodeDecodeError, UnicodeEncodeError):
		return verify_hmac(body, headers.get("x-shopify-hmac-sha256"), secrets, "base64")
	request = {"method": "POST", "headers": dict(headers), "url": "", "body": text}
	current, *older = secrets
	app = shopify_app.ShopifyApp("erp_connectors", current, older[0] if older else None)
	if app.verify_webhook_req(request).ok:
		return True
	return len(older) > 1 and verify_hmac(body, headers.get("x-shopify-hmac-sha256"), older[1:], "base64")
