"""Carrier webhooks through the shared intake. Pure: verification and parsing need no frappe.

One source, "Carrier", for every provider. The webhook URL registered with the
provider carries the Carrier Account: `...?account=<Carrier Account name>`
(Shippo's also carries `&token=<webhook secret>`). How to verify and parse
depends on that account's provider, so the intake must resolve the source per
account before verifying. Either:

- preferred: after finding the account, call
  `source = source.for_account(frappe.db.get_value(source.account_doctype, account,
  list(source.account_fields), as_dict=True))`, which returns a source bound to the
  account's provider; or
- build the binding with `CarrierWebhookSource(provider_of=lambda account: <provider>)`:
  `verify` then looks the provider up from `?account=` and `parse` recognises the
  provider from the body's shape.

An unbound source without `provider_of` fails closed: every delivery is rejected.
"""

import hashlib
import json
from collections.abc import Callable, Mapping

from erp_connectors.connectors.errors import NeedsAttention, SignatureError
from erp_connectors.connectors.sources import InboundEvent, WebhookSource
from erp_connectors.shipping_connector import sync
from erp_connectors.shipping_connector.carriers import PROVIDERS, carrier_class
from erp_connectors.shipping_connector.carriers.model import TrackingUpdate

TRACKING_TOPIC = "tracking/update"
OTHER_TOPIC = "carrier/other"  # authentic, stored, but not about tracking: nothing to do


def handle_tracking_update(ctx, payload):
	outcome = sync.apply_tracking_update(
		ctx.gateway, ctx.account, TrackingUpdate.from_dict(payload["update"])
	)
	return ("Shipment", outcome.shipment) if outcome.applied else None


def acknowledge(ctx, payload):
	return None


class CarrierWebhookSource(WebhookSource):
	name = "Carrier"
	account_doctype = "Carrier Account"
	secret_fields = ("webhook_secret",)
	account_fields = ("provider",)  # what for_account() needs from the account record
	max_body_bytes = 1024 * 1024
	handlers = {TRACKING_TOPIC: handle_tracking_update, OTHER_TOPIC: acknowledge}

	def __init__(self, provider: str | None = None, provider_of: Callable[[str], str | None] | None = None):
		self.provider = provider
		self.provider_of = provider_of

	def for_provider(self, provider: str) -> "CarrierWebhookSource":
		carrier_class(provider)  # unknown provider -> NeedsAttention naming the valid ones
		return CarrierWebhookSource(provider=provider)

	def for_account(self, values: Mapping) -> "CarrierWebhookSource":
		return self.for_provider((values or {}).get("provider") or "")

	def account_name(self, headers, query):
		return (query.get("account") or "").strip() or None

	def verify(self, body, headers, query, secrets):
		provider = self.provider
		if provider is None and self.provider_of is not None:
			provider = self.provider_of(self.account_name(headers, query) or "")
		if not provider:
			raise SignatureError(
				"the Carrier source is not bound to a provider; the intake must call for_account()"
			)
		try:
			cls = carrier_class(provider)
		except NeedsAttention as error:
			raise SignatureError(str(error)) from None
		if not cls.supports_webhooks:
			raise SignatureError(f"{provider} sends no webhooks; its tracking is polled")
		if not secrets:
			raise SignatureError("the Carrier Account has no Webhook Secret to check the delivery with")
		cls.verify_webhook(body, headers, query, secrets)

	def parse(self, body, headers):
		raw = json.loads(body)
		if not isinstance(raw, dict):
			raise ValueError("expected a JSON object")
		cls = carrier_class(self.provider) if self.provider else _recognise(raw)
		update = cls.parse_webhook(body, headers)
		if update is None:
			event_id = raw.get("id") or hashlib.sha256(body).hexdigest()
			return InboundEvent(
				event_id=f"{cls.provider}:{event_id}", topic=OTHER_TOPIC, payload={"raw": raw}
			)
		return InboundEvent(
			event_id=f"{cls.provider}:{update.event_id or hashlib.sha256(body).hexdigest()}",
			topic=TRACKING_TOPIC,
			payload={"update": update.to_dict(), "raw": raw},
		)


def _recognise(payload: dict):
	matches = [cls for cls in PROVIDERS.values() if cls.supports_webhooks and cls.recognises(payload)]
	if len(matches) != 1:
		raise ValueError("cannot tell which carrier sent this body; bind the source with for_account()")
	return matches[0]
