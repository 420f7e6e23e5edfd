"""Stripe webhooks through the shared intake. Pure: verification and parsing need no frappe.

The endpoint registered with Stripe is `.../receive?account=<Stripe Account name>`.
A delivery is authentic when its `Stripe-Signature` header
(`t=<unix time>,v1=<hex>[,v1=<hex>...]`) holds the hex HMAC-SHA256 of
`"<t>.<raw body>"` under the endpoint's signing secret, and `t` is within the
tolerance (300 s, as Stripe's own libraries) of our clock, so a captured delivery
cannot be replayed later. The intake binds the source to the account's mode
(`for_account({"mode": ...})`) so a test-mode event sent to a live account, or
the reverse, is refused at the door as well.
"""

import json
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone

from erp_connectors.connectors.errors import NeedsAttention, SignatureError
from erp_connectors.connectors.signatures import hmac_sha256, matches
from erp_connectors.connectors.sources import InboundEvent, WebhookSource, body_text
from erp_connectors.stripe_connector.handlers import HANDLERS
from erp_connectors.stripe_connector.livemode import check_livemode

SIGNATURE_HEADER = "stripe-signature"
DEFAULT_TOLERANCE = 300


def parse_signature_header(header: str | None) -> tuple[int, list[str]]:
	if not header:
		raise SignatureError("Stripe-Signature header is missing")
	timestamp, signatures = None, []
	for item in header.split(","):
		key, _, value = item.strip().partition("=")
		if key == "t":
			try:
				timestamp = int(value)
			except ValueError:
				raise SignatureError("Stripe-Signature has a timestamp that is not a number") from None
		elif key == "v1" and value:
			signatures.append(value)
	if timestamp is None:
		raise SignatureError("Stripe-Signature has no timestamp (t=)")
	if not signatures:
		raise SignatureError("Stripe-Signature has no v1 signature")
	return timestamp, signatures


def verify_stripe_signature(
	body: bytes, header: str | None, secrets: list[str], *, now: float, tolerance: int = DEFAULT_TOLERANCE
) -> int:
	"""Return the signed timestamp, or raise SignatureError saying why not.

	Every (secret, signature) pair is compared in constant time, and all of them
	are compared, so timing tells nothing about which one matched.
	"""
	timestamp, signatures = parse_signature_header(header)
	secrets = [secret for secret in secrets if secret]
	if not secrets:
		raise SignatureError("No webhook signing secret is set on this Stripe Account")
	signed = str(timestamp).encode() + b"." + body
	matched = False
	for secret in secrets:
		expected = hmac_sha256(secret, signed, "hex")
		for provided in signatures:
			matched |= matches(expected, provided)
	if not matched:
		raise SignatureError("No v1 signature in Stripe-Signature matches the body and signing secret")
	if tolerance and abs(now - timestamp) > tolerance:
		raise SignatureError(
			f"Stripe-Signature timestamp is {int(abs(now - timestamp))} s from now, beyond the "
			f"{tolerance} s tolerance (a replayed or delayed delivery)"
		)
	return timestamp


class StripeWebhookSource(WebhookSource):
	name = "Stripe"
	account_doctype = "Stripe Account"
	secret_fields = ("webhook_secret",)
	account_fields = ("mode",)
	max_body_bytes = 1024 * 1024
	signature_rejected_status = 400
	handlers = HANDLERS

	def __init__(
		self,
		mode: str | None = None,
		clock: Callable[[], float] = time.time,
		tolerance: int = DEFAULT_TOLERANCE,
	):
		self.mode = mode
		self.clock = clock
		self.tolerance = tolerance

	def for_account(self, values: Mapping) -> "StripeWebhookSource":
		return StripeWebhookSource(
			mode=(values or {}).get("mode"), clock=self.clock, tolerance=self.tolerance
		)

	def account_name(self, headers, query):
		return (query.get("account") or "").strip() or None

	def verify(self, body, headers, query, secrets):
		verify_stripe_signature(
			body, headers.get(SIGNATURE_HEADER), secrets, now=self.clock(), tolerance=self.tolerance
		)
		if self.mode:
			try:
				event = json.loads(body)
			except ValueError:
				return  # authentic but malformed: parse() reports it
			if isinstance(event, dict):
				try:
					check_livemode(event, self.mode)
				except NeedsAttention as error:
					raise SignatureError(str(error)) from None

	def parse(self, body, headers):
		event = json.loads(body)
		if not isinstance(event, dict) or event.get("object") != "event":
			raise ValueError("expected a Stripe event object")
		if not event.get("id") or not event.get("type"):
			raise ValueError("a Stripe event needs an id and a type")
		created = event.get("created")
		occurred_at = None
		if isinstance(created, int):
			occurred_at = datetime.fromtimestamp(created, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
		return InboundEvent(
			event_id=str(event["id"]),
			topic=str(event["type"]),
			payload=event,
			occurred_at=occurred_at,
			payload_json=body_text(body),
		)
