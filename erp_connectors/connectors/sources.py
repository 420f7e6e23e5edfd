"""What a connector tells the shared webhook intake and event processor.

Each connector module defines one `WebhookSource` (pure: verification and
parsing need no frappe) and a topic → handler map. The Frappe intake
(`intake.py`) and the processor (`processing.py`) use only this interface, so
webhooks, retries, reconciliation polls and backfills all reach the same
handlers.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from erp_connectors.connectors.gateway import AccountRef, ERPGateway


@dataclass(frozen=True)
class InboundEvent:
	"""A verified webhook, ready to store. `event_id` is the remote's unique delivery/event id."""

	event_id: str
	topic: str
	payload: Any
	occurred_at: str | None = None
	# The payload's JSON as the remote sent it, when the payload is the whole body: stored as is
	# instead of dumped again (0.1 ms for an order, inside the remote's delivery timeout).
	payload_json: str | None = None


def body_text(body: bytes) -> str | None:
	"""The body as text that json.loads reads back to what json.loads(body) gave; None when it is
	not UTF-8 (json.loads also reads UTF-16 and UTF-32, which are dumped again instead)."""
	try:
		return body.decode("utf-8-sig")  # json.loads skips a UTF-8 byte-order mark; so must the text
	except UnicodeDecodeError:
		return None


@dataclass
class SyncContext:
	"""Everything a handler may touch. `settings` are plain values read from the account record."""

	account: AccountRef
	settings: Mapping[str, Any]
	gateway: ERPGateway
	client: Any = None
	extra: dict = field(default_factory=dict)


Handler = Callable[[SyncContext, Any], Any]


class WebhookSource:
	"""Subclass per connector. Class attributes describe the account doctype."""

	name: str = ""  # the Connector Event "source", e.g. "Shopify"
	account_doctype: str = ""  # e.g. "Shopify Store"
	secret_fields: tuple[str, ...] = ()  # Password fields on the account holding signing secrets
	max_body_bytes: int = 2 * 1024 * 1024
	# What a delivery with a bad signature is answered with. Stripe's own libraries answer 400.
	signature_rejected_status: int = 401
	handlers: Mapping[str, Handler] = {}
	# Topics handled even while the account is disabled (privacy requests a provider must be answered on).
	runs_when_disabled: tuple[str, ...] = ()

	# Account fields the source needs before it can verify (e.g. a carrier account's provider).
	account_fields: tuple[str, ...] = ()

	def for_account(self, values: Mapping[str, Any]) -> "WebhookSource":
		"""The source to use for one account, given its `account_fields` values."""
		return self

	def account_name(self, headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
		"""Which account record this delivery is for, from headers or the URL."""
		raise NotImplementedError

	def verify(self, body: bytes, headers: Mapping[str, str], query: Mapping[str, str], secrets: list[str]):
		"""Raise SignatureError unless the delivery is authentic. Compare in constant time."""
		raise NotImplementedError

	def parse(self, body: bytes, headers: Mapping[str, str]) -> InboundEvent:
		"""Raise ValueError for a body that is not the JSON this source sends."""
		raise NotImplementedError

	def handler_for(self, topic: str) -> Handler | None:
		return self.handlers.get(topic)
