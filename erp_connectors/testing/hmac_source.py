"""A minimal webhook source used to test the shared intake and processing.

It signs like most services do (hex HMAC-SHA256 of the raw body in a header)
and its handler does whatever the payload's "behaviour" asks, so tests can
drive every path: success, transient failure, rate limit, held, dead, crash.
"""

import json

from erp_connectors.connectors.errors import (
	NeedsAttention,
	PermanentError,
	RateLimitedError,
	SignatureError,
	TransientError,
)
from erp_connectors.connectors.signatures import hmac_sha256, verify_hmac
from erp_connectors.connectors.sources import InboundEvent, WebhookSource

SIGNATURE_HEADER = "x-test-signature"


def sign(body: bytes, secret: str) -> dict:
	return {"X-Test-Signature": hmac_sha256(secret, body, "hex"), "Content-Type": "application/json"}


def behave(context, payload):
	behaviour = str(payload.get("behaviour", "ok"))
	if behaviour == "ok":
		return context.extra["on_ok"](context, payload)
	if behaviour == "transient":
		raise TransientError("HTTP 503 from the remote")
	if behaviour.startswith("rate_limited:"):
		raise RateLimitedError("Throttled", retry_after=float(behaviour.split(":", 1)[1]), status=429)
	if behaviour == "needs_attention":
		raise NeedsAttention("No Item for SKU 'SKU-404'. Link it, then retry.")
	if behaviour == "permanent":
		raise PermanentError("rejected", remote_message="Invalid postal code '0000'", status=422)
	if behaviour == "crash_after_write":
		context.extra["on_ok"](context, payload)
		raise RuntimeError("crashed after writing")
	raise RuntimeError(f"unexpected behaviour {behaviour!r}")


class HmacTestSource(WebhookSource):
	name = "Test Source"
	max_body_bytes = 64 * 1024
	handlers = {"test/event": behave}

	def __init__(self, account_doctype: str, secret_field: str):
		self.account_doctype = account_doctype
		self.secret_fields = (secret_field,)

	def account_name(self, headers, query):
		return query.get("account")

	def verify(self, body, headers, query, secrets):
		if not verify_hmac(body, headers.get(SIGNATURE_HEADER), secrets, "hex"):
			raise SignatureError("X-Test-Signature does not match the body")

	def parse(self, body, headers):
		payload = json.loads(body)
		if not isinstance(payload, dict) or "id" not in payload:
			raise ValueError("expected a JSON object with an id")
		return InboundEvent(
			event_id=str(payload["id"]), topic=payload.get("topic", "test/event"), payload=payload
		)
