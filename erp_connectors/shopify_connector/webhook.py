"""Shopify webhooks: verify X-Shopify-Hmac-Sha256 and parse the delivery. Pure."""

import json

from erp_connectors.connectors.errors import SignatureError
from erp_connectors.connectors.signatures import verify_hmac
from erp_connectors.connectors.sources import InboundEvent, WebhookSource
from erp_connectors.shopify_connector import payments, payouts
from erp_connectors.shopify_connector.handlers import HANDLERS


class ShopifyWebhookSource(WebhookSource):
	name = "Shopify"
	account_doctype = "Shopify Store"
	# Shopify keeps signing with the old secret for up to an hour after a rotation.
	secret_fields = ("webhook_secret", "previous_webhook_secret")
	max_body_bytes = 2 * 1024 * 1024
	# Webhook topics, and the events our own handlers and jobs leave (payments apart from their
	# order, Shopify Payments payouts), which Shopify never sends and no subscription names.
	handlers = {**HANDLERS, **payments.HANDLERS, **payouts.HANDLERS}

	def account_name(self, headers, query):
		return (headers.get("x-shopify-shop-domain") or "").strip().lower() or None

	def verify(self, body, headers, query, secrets):
		if not secrets:
			raise SignatureError("the Shopify Store has no API secret key to check the signature with")
		if not verify_hmac(body, headers.get("x-shopify-hmac-sha256"), secrets, "base64"):
			raise SignatureError("X-Shopify-Hmac-Sha256 does not match the body")

	def parse(self, body, headers):
		payload = json.loads(body)  # Python ints keep Shopify's 18-digit ids exact
		if not isinstance(payload, dict):
			raise ValueError("expected a JSON object")
		topic = headers.get("x-shopify-topic")
		# Webhook-Id is unique per delivery and repeated on Shopify's retries of it.
		event_id = headers.get("x-shopify-webhook-id") or headers.get("x-shopify-event-id")
		if not topic or not event_id:
			raise ValueError("missing X-Shopify-Topic or X-Shopify-Webhook-Id")
		return InboundEvent(
			event_id=event_id, topic=topic, payload=payload, occurred_at=headers.get("x-shopify-triggered-at")
		)
