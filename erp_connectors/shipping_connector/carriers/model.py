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
	reference: str | None = None  # the ERP parcel row it is, so its label lands on that row

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
class CustomsItem:
	"""One line of a customs declaration: `value` and `weight_kg` are the line's totals."""

	description: str
	quantity: int
	value: Decimal
	currency: str
	weight_kg: Decimal
	hs_code: str
	origin_country: str  # ISO 3166-1 alpha-2
	sku: str | None = None


CONTENTS_TYPES = ("merchandise", "gift", "documents", "sample", "return", "other")


@dataclass(frozen=True)
class Customs:
	"""The customs declaration a label leaving the shipper's customs union carries.
	`contents_type` is one of CONTENTS_TYPES; `incoterm` an Incoterms 2020 code (DAP, DDP, ...)."""

	items: tuple[CustomsItem, ...]
	contents_type: str = "merchandise"
	incoterm: str | None = None
	invoice_number: str | None = None
	signer: str | None = None
	non_delivery: str = "return"  # or "abandon"
	explanation: str | None = None

	@property
	def currency(self) -> str:
		return self.items[0].currency if self.items else ""

	@property
	def value(self) -> Decimal:
		return sum((item.value for item in self.items), Decimal(0))


# One customs territory each: within one, no declaration is needed (a simplification: the special
# territories inside the EU's customs union, such as the Canary Islands, are not told apart).
EU_CUSTOMS_UNION = frozenset(
	"AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MC MT NL PL PT RO SE SI SK".split()
)


def customs_territory(country: str) -> str:
	country = (country or "").upper()
	return "EU" if country in EU_CUSTOMS_UNION else country


def needs_customs(from_country: str, to_country: str) -> bool:
	return customs_territory(from_country) != customs_territory(to_country)


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
	customs: Customs | None = None
	cod_amount: Decimal | None = None  # cash to collect on delivery (Shiprocket), in `currency`

	def as_return(self) -> "Shipment":
		"""The same parcels going back: addresses swapped."""
		return replace(
			self, from_address=self.to_address, to_address=self.from_address, is_return=not self.is_return
		)

	@property
	def international(self) -> bool:
		return needs_customs(self.from_address.country, self.to_address.country)

	def quoted_customs(self) -> Customs | None:
		"""The declaration to quote with, when there is one (a quote may go without: the API's do)."""
		return self.customs if self.international else None

	def customs_for(self, provider: str) -> Customs | None:
		"""The declaration, when this route needs one; a purchase that needs one without it is held."""
		if not self.international:
			return None
		if self.customs is None or not self.customs.items:
			raise NeedsAttention(
				f"Shipment {self.reference} goes from {self.from_address.country} to {self.to_address.country}, "
				f"so {provider} needs a customs declaration: link the Delivery Notes being shipped (their lines "
				"are declared) and set the contents type."
			)
		return self.customs

	def fingerprint(self) -> str:
		"""What a quote was made for: the same addresses, parcels and declaration give the same text."""
		import hashlib
		import json

		data = dataclasses.asdict(self)
		for parcel in data["parcels"]:
			parcel.pop("reference", None)
		return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()

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
	# What buying each parcel needs, for providers that quote and buy one remote shipment per parcel
	# (EasyPost: {"shipment_id", "rate_id", "amount"}), or the provider's parcel ids (Shippo). JSON-safe.
	parts: tuple = ()

	def to_dict(self) -> dict:
		return {
			**dataclasses.asdict(self),
			"amount": str(self.amount),
			"parts": [dict(p) for p in self.parts],
		}

	@classmethod
	def from_dict(cls, data: Mapping) -> "Rate":
		known = {f.name for f in dataclasses.fields(cls)}
		values = {key: value for key, value in data.items() if key in known}
		values["amount"] = to_decimal(values.get("amount"), "Rate amount")
		values["parts"] = tuple(dict(part) for part in values.get("parts") or ())
		return cls(**values)


@dataclass(frozen=True)
class ParcelLabel:
	"""One parcel's label: its own tracking number, file and what voiding it alone needs."""

	tracking_number: str
	label_ref: str
	label_url: str | None = None
	label_bytes: bytes | None = field(default=None, repr=False)
	tracking_url: str | None = None


@dataclass(frozen=True)
class Document:
	"""A paper that goes with the labels, such as the commercial invoice."""

	kind: str  # "commercial_invoice"
	url: str | None = None
	content: bytes | None = field(default=None, repr=False)
	file_format: str = "PDF"
	tracking_number: str | None = None  # the parcel it goes with, when it goes with one


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
	parcels: tuple[ParcelLabel, ...] = ()  # one per parcel, in the Shipment's order
	documents: tuple[Document, ...] = ()

	@property
	def file_name(self) -> str:
		return f"label-{self.tracking_number}.{self.label_format.lower()}"

	@property
	def parcel_labels(self) -> tuple[ParcelLabel, ...]:
		"""Every parcel's label; a single-parcel provider's label is its only parcel."""
		if self.parcels:
			return self.parcels
		single = ParcelLabel(
			tracking_number=self.tracking_number,
			label_ref=self.label_ref,
			label_url=self.label_url,
			label_bytes=self.label_bytes,
			tracking_url=self.tracking_url,
		)
		return (single,)


def label_from_parcels(
	provider: str,
	parcels: tuple[ParcelLabel, ...],
	*,
	carrier: str,
	service: str,
	label_ref: str,
	price: Decimal | None,
	currency: str | None,
	label_format: str = "PDF",
	documents: tuple[Document, ...] = (),
	provider_shipment_id: str | None = None,
) -> Label:
	"""A purchase of several parcels; the first parcel's number is the Shipment's AWB."""
	first = parcels[0]
	return Label(
		provider=provider,
		tracking_number=first.tracking_number,
		carrier=carrier,
		service=service,
		label_ref=label_ref,
		price=price,
		currency=currency,
		tracking_url=first.tracking_url,
		label_bytes=first.label_bytes,
		label_url=first.label_url,
		label_format=label_format,
		provider_shipment_id=provider_shipment_id,
		parcels=parcels,
		documents=documents,
	)


LABEL_FORMATS = ("PDF", "ZPL")


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


def customs_by_parcel(
	customs: Customs, parcels: tuple[Parcel, ...], reference: str = ""
) -> tuple[Customs, ...]:
	"""The declaration split over parcels that travel as separate remote shipments (EasyPost).
	ERPNext keeps no packing list, so lines fill the parcels in order, by weight: a line that does not
	fit the parcel's weight moves on (its quantity split when it must), the last parcel takes the rest.
	Every unit is declared once in all, and the shares add up to the whole declaration's value."""
	if len(parcels) <= 1:
		return (customs,)
	capacities = [parcel.weight_in("kg") for parcel in parcels]
	# [item, units left, value left, weight left]
	queue = [[item, item.quantity, item.value, item.weight_kg] for item in customs.items]
	split: list[list[CustomsItem]] = [[] for _ in parcels]
	for index, capacity in enumerate(capacities):
		last = index == len(parcels) - 1
		while queue:
			item, left, value_left, weight_left = queue[0]
			unit = item.weight_kg / item.quantity if item.quantity else item.weight_kg
			fits = left if last or unit <= 0 else min(left, int(capacity / unit))
			if fits <= 0:
				if split[index]:
					break
				fits = 1  # a parcel declares at least one unit of what it holds
			if fits >= left:
				share = replace(item, quantity=left, value=value_left, weight_kg=weight_left)
				queue.pop(0)
			else:
				part = Decimal(fits) / Decimal(item.quantity)
				value, weight = (item.value * part).quantize(Decimal("0.01")), (item.weight_kg * part)
				share = replace(item, quantity=fits, value=value, weight_kg=weight.quantize(Decimal("0.001")))
				queue[0] = [item, left - fits, value_left - share.value, weight_left - share.weight_kg]
			split[index].append(share)
			capacity -= unit * share.quantity
	if any(not items for items in split):
		raise NeedsAttention(
			f"Shipment {reference} has {len(parcels)} parcels but its Delivery Notes declare only "
			f"{sum(item.quantity for item in customs.items)} unit(s), and each parcel of an international "
			"label must declare what it holds. Ship fewer parcels or link the Delivery Notes of all of them."
		)
	return tuple(replace(customs, items=tuple(items)) for items in split)
