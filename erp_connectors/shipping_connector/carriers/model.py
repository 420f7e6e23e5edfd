"""Plain values every carrier speaks: addresses, parcels, shipments, rates, labels, tracking.

No I/O and no frappe. Money is Decimal; weights and sizes carry their unit so
each provider converts to what it wants (EasyPost: oz and inches, DHL: g and mm).
"""

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from erp_connectors.connectors.errors import NeedsAttention

PRE_TRANSIT = "pre_transit"
IN_TRANSIT = "in_transit"
OUT_FOR_DELIVERY = "out_for_delivery"
DELIVERED = "delivered"
EXCEPTION = "exception"
RETURNED = "returned"
CANCELLED = "cancelled"
UNKNOWN = "unknown"
STATUSES = (PRE_TRANSIT, IN_TRANSIT, OUT_FOR_DELIVERY, DELIVERED, EXCEPTION, RETURNED, CANCELLED, UNKNOWN)

GRAMS_PER = {"g": Decimal(1), "kg": Decimal(1000), "lb": Decimal("453.59237"), "oz": Decimal("28.349523125")}
MM_PER = {"mm": Decimal(1), "cm": Decimal(10), "m": Decimal(1000), "in": Decimal("25.4")}


def status_key(raw) -> str:
	"""'Pre-Transit', 'PRE_TRANSIT' and 'pre transit' all become 'pre_transit'."""
	return re.sub(r"[^a-z0-9]+", "_", str(raw or "").lower()).strip("_")


def normalise_status(table: Mapping[str, str], raw) -> str:
	"""Look a provider's raw status up in its table; anything unlisted is 'unknown'."""
	return table.get(status_key(raw), UNKNOWN)


def to_decimal(value, what: str) -> Decimal:
	try:
		return value if isinstance(value, Decimal) else Decimal(str(value))
	except (InvalidOperation, ValueError, TypeError):
		raise NeedsAttention(f"{what} must be a number, got {value!r}") from None


def _convert(value: Decimal, units: dict, from_unit: str, to_unit: str) -> Decimal:
	for unit in (from_unit, to_unit):
		if unit not in units:
			raise NeedsAttention(f"Unknown unit {unit!r}; use one of {', '.join(units)}")
	return value * units[from_unit] / units[to_unit]


@dataclass(frozen=True)
class Address:
	name: str
	street1: str
	city: str
	postal_code: str
	country: str  # ISO 3166-1 alpha-2, e.g. "DE"
	company: str | None = None
	street2: str | None = None
	house_number: str | None = None
	state: str | None = None
	phone: str | None = None
	email: str | None = None


@dataclass(frozen=True)
class Parcel:
	weight: Decimal
	weight_unit: str = "kg"
	length: Decimal | None = None
	width: Decimal | None = None
	height: Decimal | None = None
	dimension_unit: str = "cm"

	def weight_in(self, unit: str) -> Decimal:
		return _convert(to_decimal(self.weight, "Parcel weight"), GRAMS_PER, self.weight_unit, unit)

	def dimensions_in(self, unit: str) -> tuple[Decimal, Decimal, Decimal] | None:
		"""(length, width, height) in `unit`, or None when any side is missing."""
		sides = (self.length, self.width, self.height)
		if any(side in (None, "", 0) for side in sides):
			return None
		return tuple(
			_convert(to_decimal(side, "Parcel size"), MM_PER, self.dimension_unit, unit) for side in sides
		)


@dataclass(frozen=True)
class Shipment:
	"""What to send. `reference` is the ERP Shipment name; it keys idempotency."""

	reference: str
	from_address: Address
	to_address: Address
	parcels: tuple[Parcel, ...]
	is_return: bool = False
	value: Decimal | None = None
	currency: str | None = None
	description: str | None = None

	def as_return(self) -> "Shipment":
		"""The same parcels going back: addresses swapped."""
		return replace(
			self, from_address=self.to_address, to_address=self.from_address, is_return=not self.is_return
		)

	def single_parcel(self, provider: str) -> Parcel:
		if len(self.parcels) != 1:
			raise NeedsAttention(
				f"Shipment {self.reference} has {len(self.parcels)} parcels; a {provider} label covers exactly "
				"one. Split the Shipment into one Shipment per parcel."
			)
		return self.parcels[0]


@dataclass(frozen=True)
class Rate:
	provider: str
	account: str
	rate_id: str
	carrier: str
	service: str
	amount: Decimal
	currency: str
	transit_days: int | None = None
	service_code: str | None = None  # what buying needs when the rate id alone is not enough
	provider_shipment_id: str | None = None

	def to_dict(self) -> dict:
		return {**dataclasses.asdict(self), "amount": str(self.amount)}

	@classmethod
	def from_dict(cls, data: Mapping) -> "Rate":
		known = {f.name for f in dataclasses.fields(cls)}
		values = {key: value for key, value in data.items() if key in known}
		values["amount"] = to_decimal(values.get("amount"), "Rate amount")
		return cls(**values)


@dataclass(frozen=True)
class Label:
	provider: str
	tracking_number: str
	carrier: str
	service: str
	label_ref: str  # what void_label() needs
	price: Decimal | None
	currency: str | None
	tracking_url: str | None = None
	label_bytes: bytes | None = field(default=None, repr=False)
	label_url: str | None = None
	label_format: str = "PDF"
	provider_shipment_id: str | None = None

	@property
	def file_name(self) -> str:
		return f"label-{self.tracking_number}.{self.label_format.lower()}"


@dataclass(frozen=True)
class VoidResult:
	label_ref: str
	# "voided" (done), "pending" (accepted; the provider confirms later, e.g. an EasyPost refund
	# submitted) or "refused" (the label is still valid and billed; `message` says why)
	state: str
	message: str | None = None


@dataclass(frozen=True)
class TrackingUpdate:
	"""A tracking status, from a webhook or a poll. `status` is one of STATUSES."""

	provider: str
	tracking_number: str
	status: str
	carrier: str | None = None
	carrier_status: str | None = None  # the provider's own status word, kept for people to read
	message: str | None = None
	occurred_at: str | None = None
	tracking_url: str | None = None
	estimated_delivery: str | None = None
	event_id: str | None = None

	def to_dict(self) -> dict:
		"""JSON-safe: every value a string or None."""
		return {
			k: v if v is None or isinstance(v, str) else str(v) for k, v in dataclasses.asdict(self).items()
		}

	@classmethod
	def from_dict(cls, data: Mapping) -> "TrackingUpdate":
		known = {f.name for f in dataclasses.fields(cls)}
		return cls(**{key: value for key, value in data.items() if key in known})


TrackingStatus = TrackingUpdate
