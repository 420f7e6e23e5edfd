"""Webhooks as Shopify sends them: the JSON body and headers signed with the app's secret
(X-Shopify-Hmac-Sha256 is the base64 HMAC-SHA256 of the raw body). Used by the fake Shopify,
the bench tests and the intake benchmark.

`webhook()` only sends a payload that Shopify's webhook schema for the topic allows
(contracts.shopify_webhooks); `signed_headers()` signs whatever bytes it is given, so tests can
also send what Shopify never would (a malformed or oversized body)."""

import json
import uuid

from erp_connectors.connectors.signatures import hmac_sha256
from erp_connectors.shopify_connector.api_versions import PINNED
from erp_connectors.testing.contracts import ContractViolation
from erp_connectors.testing.contracts.shopify_webhooks import payload_problems


def signed_headers(
	body: bytes,
	secret: str,
	shop: str,
	topic: str = "orders/create",
	webhook_id: str | None = None,
	api_version: str = PINNED,
	event_id: str | None = None,
) -> dict:
	"""Headers of one delivery. Shopify sends a retry of a delivery with the same webhook id and event
	id, so without an `event_id` it is derived from the webhook id: the same webhook id, the same event."""
	webhook_id = webhook_id or str(uuid.uuid4())
	return {
		"Content-Type": "application/json",
		"X-Shopify-Topic": topic,
		"X-Shopify-Hmac-Sha256": hmac_sha256(secret, body, "base64"),
		"X-Shopify-Shop-Domain": shop,
		"X-Shopify-API-Version": api_version,
		"X-Shopify-Webhook-Id": webhook_id,
		"X-Shopify-Event-Id": event_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"shopify-event:{webhook_id}")),
		"X-Shopify-Triggered-At": "2026-11-22T10:00:00.000000Z",
	}


def webhook(
	payload: dict,
	secret: str,
	shop: str,
	topic: str,
	webhook_id: str | None = None,
	api_version: str = PINNED,
	event_id: str | None = None,
) -> tuple[bytes, dict]:
	problems = payload_problems(topic, payload, api_version)
	if problems:
		raise ContractViolation(f"Shopify sends no such {topic} webhook: " + "; ".join(problems[:10]))
	body = json.dumps(payload).encode()
	return body, signed_headers(body, secret, shop, topic, webhook_id, api_version, event_id)
