"""The one carrier interface. Pure: no frappe.

A provider subclasses `Carrier`, sets `provider` (the Carrier Account's
provider name, which is also its registry key), `default_base_url` and
`status_map`, and implements the six operations. Each instance speaks for one
Carrier Account: `settings` are the plain values read from that record.
Every HTTP call goes through the shared `HttpClient`, so each has a timeout and
fails with a typed error carrying the provider's own message.
"""

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar
from urllib.parse import urlsplit

import requests

from erp_connectors.connectors.errors import NeedsAttention, PermanentError, SignatureError
from erp_connectors.connectors.http import HttpClient
from erp_connectors.shipping_connector.carriers.model import (
	Address,
	Label,
	Parcel,
	Rate,
	Shipment,
	TrackingStatus,
	TrackingUpdate,
	VoidResult,
	normalise_status,
)

__all__ = [
	"Address",
	"Carrier",
	"Label",
	"Parcel",
	"Rate",
	"Shipment",
	"SignatureError",
	"TrackingStatus",
	"TrackingUpdate",
	"VoidResult",
]


class Carrier(ABC):
	provider: ClassVar[str] = ""
	default_base_url: ClassVar[str] = ""
	sandbox_base_url: ClassVar[str] = ""  # used in test mode by providers with a separate sandbox host
	# Where the provider's API lives, and where it keeps the label files it links to.
	hosts: ClassVar[tuple[str, ...]] = ()
	file_hosts: ClassVar[tuple[str, ...]] = ()
	supports_webhooks: ClassVar[bool] = True
	# Whether each parcel's label is voided on its own (separate remote shipments or labels), so
	# voiding a whole Shipment voids parcel by parcel.
	voids_per_parcel: ClassVar[bool] = False
	# The label formats the provider prints (the account's *Label Format* picks one).
	label_formats: ClassVar[tuple[str, ...]] = ("PDF",)
	status_map: ClassVar[Mapping[str, str]] = {}
	http_class: ClassVar[type[HttpClient]] = HttpClient

	def __init__(self, account: str, settings: Mapping[str, Any], **http_options):
		"""`http_options` go to HttpClient: timeout, max_retries, sleep, log_call, budget, session,
		policy (the host policy for `hosts`)."""
		self.account = account
		self.settings = settings
		self.http_options = http_options
		self.http = self.http_class(self.base_url, secrets=self.secret_values(), **http_options)
		self.authenticate(self.http.session)

	@property
	def base_url(self) -> str:
		sandbox = self.sandbox_base_url if self.settings.get("test_mode") else ""
		return (self.settings.get("base_url") or sandbox or self.default_base_url).rstrip("/")

	def setting(self, key: str) -> str:
		"""A setting the provider cannot work without; missing means the account form is incomplete."""
		value = self.settings.get(key)
		if value in (None, ""):
			raise NeedsAttention(
				f"Carrier Account {self.account} ({self.provider}) has no {key}. Fill it in."
			)
		return value

	@property
	def label_format(self) -> str:
		"""PDF or ZPL (thermal printers), as the account asks; a provider without ZPL is refused."""
		wanted = str(self.settings.get("label_format") or "PDF").upper()
		if wanted not in self.label_formats:
			raise NeedsAttention(
				f"{self.provider} prints labels as {' or '.join(self.label_formats)}, not {wanted}. "
				f"Change the Label Format of Carrier Account {self.account}."
			)
		return wanted

	def secret_values(self) -> tuple[str, ...]:
		return tuple(str(self.settings.get(key) or "") for key in ("api_key", "api_secret", "password"))

	@abstractmethod
	def authenticate(self, session: requests.Session) -> None:
		"""Put credentials on the session (headers or auth)."""

	# the six operations
	@abstractmethod
	def rates(self, shipment: Shipment) -> list[Rate]: ...

	@abstractmethod
	def buy_label(self, shipment: Shipment, rate: Rate, idempotency_key: str) -> Label: ...

	@abstractmethod
	def void_label(self, label_ref: str) -> VoidResult: ...

	def void_parcel(self, label_ref: str, parcel_ref: str, parcels_left: int) -> VoidResult:
		"""Void one parcel's label and leave the shipment's others. `label_ref` is the shipment's,
		`parcel_ref` the parcel's, `parcels_left` how many of its parcels are still live.
		Providers whose parcels are separate remote shipments void just that one."""
		if parcel_ref == label_ref or parcels_left <= 1:
			return self.void_label(parcel_ref)
		return VoidResult(
			label_ref=parcel_ref,
			state="refused",
			message=f"{self.provider} voids a whole shipment, not one of its parcels: void the Shipment's label "
			"(all its parcels) and buy again for the parcels that still go.",
		)

	@abstractmethod
	def track(self, tracking_number: str, carrier: str | None = None) -> TrackingUpdate: ...

	@classmethod
	@abstractmethod
	def verify_webhook(
		cls, body: bytes, headers: Mapping[str, str], query: Mapping[str, str], secret: str | Sequence[str]
	) -> None:
		"""Raise SignatureError unless the delivery is authentic. Header names are lower-case."""

	@classmethod
	@abstractmethod
	def parse_webhook(cls, body: bytes, headers: Mapping[str, str]) -> TrackingUpdate | None:
		"""A tracking update, or None for a delivery that is authentic but not about tracking."""

	@classmethod
	def recognises(cls, payload: Any) -> bool:
		"""Whether a parsed webhook body has this provider's shape (used when the provider is unknown)."""
		return False

	@classmethod
	def normalise(cls, raw_status) -> str:
		return normalise_status(cls.status_map, raw_status)

	# helpers for subclasses
	def call(self, method: str, path: str, **kwargs) -> Any:
		"""Send and decode JSON, keeping every number exact (Decimal, never float)."""
		return decode_json(self.http.request(method, path, **kwargs), self.provider)

	def fetch_label_bytes(self, label) -> bytes:
		"""A label file (a Label or a ParcelLabel): its bytes when the purchase carried them, else
		downloaded. Labels hosted elsewhere (EasyPost, Shippo) are fetched WITHOUT our credentials."""
		if label.label_bytes is not None:
			return label.label_bytes
		if not label.label_url:
			raise PermanentError(f"{self.provider} gave neither a label file nor a label URL")
		return self.fetch_file(label.label_url, getattr(label, "label_format", None))

	def fetch_file(self, url: str, file_format: str | None = None) -> bytes:
		"""A file the provider links to (a label, a commercial invoice), capped in size; `file_format`
		(PDF, ZPL) for providers that serve one document in several."""
		if same_origin(url, self.base_url):
			return self.http.request("GET", url).content  # the API itself: no redirect is followed
		options = {k: v for k, v in self.http_options.items() if k not in ("session", "budget", "policy")}
		policy = self.http.policy
		anonymous = HttpClient("", policy=policy.widened(*self.file_hosts) if policy else None, **options)
		anonymous.service = f"{self.provider} label download"
		return anonymous.download(url)


def decode_json(response: requests.Response, provider: str) -> Any:
	try:
		return response.json(parse_float=Decimal)
	except ValueError:
		raise PermanentError(
			f"{provider} answered HTTP {response.status_code} with a body that is not JSON: {response.text[:200]!r}"
		) from None


def same_origin(url: str, base_url: str) -> bool:
	a, b = urlsplit(url), urlsplit(base_url)
	return (a.scheme, a.netloc) == (b.scheme, b.netloc)


def dig(data: Any, *path, default=None) -> Any:
	"""data[a][b][c] without KeyError/IndexError/TypeError: missing parts give `default`."""
	for key in path:
		try:
			data = data[key]
		except (KeyError, IndexError, TypeError):
			return default
		if data is None:
			return default
	return data


def require(value: Any, provider: str, what: str, body: Any) -> Any:
	"""A field the response must have; its absence is the provider's fault, reported with the body."""
	if value in (None, ""):
		raise PermanentError(f"{provider} answered without {what}: {str(body)[:300]}")
	return value


def money(value: Any, provider: str, what: str = "an amount") -> Decimal:
	try:
		return value if isinstance(value, Decimal) else Decimal(str(value))
	except (InvalidOperation, ValueError, TypeError):
		raise PermanentError(f"{provider} sent {what} that is not a number: {value!r}") from None


def secrets_list(secret: str | Sequence[str] | None) -> list[str]:
	if not secret:
		return []
	if isinstance(secret, str | bytes):
		return [secret]
	return [s for s in secret if s]


def load_webhook_json(body: bytes) -> dict:
	"""Parse a webhook body keeping ids and amounts exact; ValueError when it is not a JSON object."""
	payload = json.loads(body, parse_float=Decimal)
	if not isinstance(payload, dict):
		raise ValueError("expected a JSON object")
	return payload


def transit_days(value: Any) -> int | None:
	try:
		return int(value) if value not in (None, "") else None
	except (TypeError, ValueError):
		return None


def plain_number(value: Decimal, places: str = "0.01") -> float:
	"""A measurement (never money) rounded for a JSON body."""
	return float(value.quantize(Decimal(places)))
