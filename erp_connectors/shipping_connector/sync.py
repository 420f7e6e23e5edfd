"""Shipping flows: rates across accounts, idempotent label purchase, void, tracking. Pure (via the gateway).

Links (Connector Link, account = the Carrier Account):
- "label" / "return_label", keyed by the Shipment name (then "<name>#2", "#3" after each void):
  the idempotency guard, so a double click or a retried job gives one label;
- "voided_label", same keys: that label slot was voided and a new one may be bought;
- "tracking" / "return_tracking", keyed by tracking number (one per parcel): where a tracking
  update belongs.
The Frappe layer must hold a row lock on the Shipment (SELECT ... FOR UPDATE, before any read of it)
around buy_label so two simultaneous clicks serialise; the second then finds the first one's link.
buy_label records the purchase and downloads nothing: the caller commits the record first, then
fetches the label files (a failed download leaves a purchase that a retry completes).

Each parcel row of the Shipment (a parcel in `Shipment.parcels` whose `reference` is the row's name)
gets its own tracking number, status and label; the Shipment's own fields sum them up (delivered
when every live parcel is delivered).
"""

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from erp_connectors.connectors.errors import AuthError, ConnectorError, NeedsAttention, PermanentError
from erp_connectors.connectors.gateway import AccountRef, ERPGateway
from erp_connectors.shipping_connector import mapping
from erp_connectors.shipping_connector.carriers.base import Carrier
from erp_connectors.shipping_connector.carriers.model import (
	DELIVERED,
	Label,
	Rate,
	Shipment,
	TrackingUpdate,
	VoidResult,
)

LABEL, RETURN_LABEL = "label", "return_label"
TRACKING, RETURN_TRACKING = "tracking", "return_tracking"
VOIDED_LABEL = "voided_label"
PARCEL_ROWS = "Shipment Parcel"


@dataclass(frozen=True)
class AccountError:
	account: str
	provider: str
	message: str
	kind: str  # "transient" | "auth" | "permanent" | "needs_attention" | "error"
	retryable: bool


@dataclass(frozen=True)
class RateQuote:
	rates: list[Rate]
	errors: list[AccountError]

	def to_dict(self) -> dict:
		return {"rates": [rate.to_dict() for rate in self.rates], "errors": [vars(e) for e in self.errors]}


@dataclass(frozen=True)
class LabelPurchase:
	shipment: str
	created: bool  # False: this Shipment already had this label; nothing was bought
	label: Label | None
	values: dict  # Shipment fields now set
	delivery_notes: list[str] = field(default_factory=list)
	# (parcel row name or None, ParcelLabel) for every parcel bought, in the Shipment's order
	parcels: list = field(default_factory=list)


@dataclass(frozen=True)
class VoidOutcome:
	shipment: str
	result: VoidResult
	values: dict
	voided: list[str] = field(default_factory=list)  # tracking numbers given up
	kept: list[str] = field(default_factory=list)  # tracking numbers still live


@dataclass(frozen=True)
class TrackingOutcome:
	shipment: str | None
	applied: bool
	update: TrackingUpdate
	values: dict = field(default_factory=dict)
	reason: str | None = None
	delivery_notes: list[str] = field(default_factory=list)
	parcel: str | None = None  # the parcel row the update moved

	@property
	def delivered(self) -> bool:
		return self.applied and self.update.status == DELIVERED


def get_rates(shipment: Shipment, carriers: Sequence[Carrier], max_workers: int = 8) -> RateQuote:
	"""Rates from every account, cheapest first; one account failing is reported, not fatal."""
	rates, errors = [], []
	with ThreadPoolExecutor(max_workers=max(1, min(max_workers, len(carriers)))) as pool:
		futures = [(carrier, pool.submit(carrier.rates, shipment)) for carrier in carriers]
		for carrier, future in futures:
			try:
				rates.extend(future.result())
			except Exception as error:
				errors.append(_account_error(carrier, error))
	rates.sort(key=lambda r: (r.amount, r.transit_days if r.transit_days is not None else 10**6, r.service))
	return RateQuote(rates=rates, errors=errors)


def buy_label(gateway: ERPGateway, account: AccountRef, carrier: Carrier, shipment: Shipment, rate: Rate):
	"""Buy the Shipment's label (or return label when `shipment.is_return`) at most once, and record it:
	links, the Shipment's fields, each parcel row's tracking number. Files are fetched by the caller."""
	kind = RETURN_LABEL if shipment.is_return else LABEL
	name = shipment.reference
	key, bought = label_slot(gateway, account, kind, name)
	doc = gateway.get("Shipment", name)
	if bought:
		return LabelPurchase(name, created=False, label=None, values=label_fields(doc), delivery_notes=[])
	if doc.get("docstatus") != 1:
		raise NeedsAttention(f"Submit Shipment {name} before buying a label.")
	if kind == LABEL and doc.get("awb_number"):
		raise NeedsAttention(
			f"Shipment {name} already has label {doc['awb_number']} from {doc.get('service_provider')}. "
			"Void that label before buying another."
		)
	if (rate.provider, rate.account) != (carrier.provider, carrier.account):
		raise NeedsAttention(
			f"The chosen rate is from {rate.provider} account {rate.account}, not {carrier.account}. Get rates again."
		)
	label = carrier.buy_label(shipment, rate, idempotency_key=f"{kind}:{key}")
	parcels = label.parcel_labels
	if len(parcels) != len(shipment.parcels):
		raise PermanentError(
			f"{carrier.provider} answered with {len(parcels)} label(s) for the {len(shipment.parcels)} parcels "
			f"of Shipment {name}: {', '.join(p.tracking_number for p in parcels)}. Nothing was recorded; "
			f"check the shipment at {carrier.provider} before buying again."
		)
	gateway.add_link(account, kind, key, "Shipment", name)
	tracking_kind = RETURN_TRACKING if shipment.is_return else TRACKING
	for parcel in parcels:
		gateway.add_link(account, tracking_kind, parcel.tracking_number, "Shipment", name)
	rows = [(wanted.reference, got) for wanted, got in zip(shipment.parcels, parcels, strict=True)]
	notes = mapping.delivery_notes(doc)
	if kind == RETURN_LABEL:
		numbers = ", ".join(parcel.tracking_number for parcel in parcels)
		gateway.comment(
			"Shipment",
			name,
			f"Return label {numbers} bought: {label.carrier} {label.service}, {label.price} {label.currency}.",
		)
		return LabelPurchase(name, True, label, values={}, delivery_notes=notes, parcels=rows)
	values = mapping.label_values(label)
	gateway.set_value("Shipment", name, values)
	for row, parcel in rows:
		if row:
			gateway.set_value(PARCEL_ROWS, row, mapping.parcel_label_values(parcel))
	for note in notes:
		gateway.set_value("Delivery Note", note, {"lr_no": label.tracking_number})
	return LabelPurchase(name, True, label, values=values, delivery_notes=notes, parcels=rows)


def void_label(
	gateway: ERPGateway, account: AccountRef, carrier: Carrier, shipment_name: str, parcel: str | None = None
) -> VoidOutcome:
	"""Void the Shipment's label: every live parcel, or only the parcel row `parcel` (the others stay).
	The Shipment gives its label up once no parcel is live."""
	key, bought = label_slot(gateway, account, LABEL, shipment_name)
	if not bought:
		raise NeedsAttention(
			f"Shipment {shipment_name} has no live label from Carrier Account {account.name}."
		)
	doc = gateway.get("Shipment", shipment_name)
	if not doc.get("shipment_id"):
		raise NeedsAttention(f"Shipment {shipment_name} has no Shipment ID to void the label with.")
	live = mapping.live_parcels(doc)
	if parcel is not None:
		targets = [row for row in live if row.get("name") == parcel]
		if not targets:
			raise NeedsAttention(f"Parcel {parcel} of Shipment {shipment_name} has no live label to void.")
		results = [
			(row, carrier.void_parcel(doc["shipment_id"], mapping.parcel_ref(row, doc), len(live)))
			for row in targets
		]
	elif len(live) > 1 and carrier.voids_per_parcel:
		results = [
			(row, carrier.void_parcel(doc["shipment_id"], mapping.parcel_ref(row, doc), len(live)))
			for row in live
		]
	else:
		result = carrier.void_label(doc["shipment_id"])
		results = [(row, result) for row in live] or [(None, result)]
	given_up = [(row, result) for row, result in results if result.state != "refused"]
	refused = [(row, result) for row, result in results if result.state == "refused"]
	for row, _result in given_up:
		if row is not None and row.get("name"):
			gateway.set_value(PARCEL_ROWS, row["name"], mapping.voided_parcel_values())
	voided = [mapping.parcel_number(row, doc) for row, _ in given_up]
	still_live = [row for row in live if row not in [r for r, _ in given_up]]
	kept = [mapping.parcel_number(row, doc) for row in still_live]
	if not still_live and given_up:
		gateway.add_link(account, VOIDED_LABEL, key, "Shipment", shipment_name)
		values = mapping.voided_label_values()
		gateway.set_value("Shipment", shipment_name, values)
		for note in mapping.delivery_notes(doc):
			gateway.set_value("Delivery Note", note, {"lr_no": ""})
	elif given_up:
		changes = [(row, mapping.voided_parcel_values()) for row, _ in given_up]
		values = mapping.summary_values(mapping.rows_after(doc, changes), doc)
		values["awb_number"] = kept[0]
		gateway.set_value("Shipment", shipment_name, values)
	else:
		values = {}
	state = given_up[0][1].state if given_up else "refused"
	done = "voided" if state == "voided" else f"void requested; {carrier.provider} confirms it later"
	if given_up:
		gateway.comment("Shipment", shipment_name, f"Label {', '.join(voided)} {done}.")
	if refused:
		numbers = ", ".join(mapping.parcel_number(row, doc) for row, _ in refused) or doc.get("awb_number")
		message = refused[0][1].message
		if given_up:
			message = f"{', '.join(voided)} {done}; {message}"
		# The label is still live (and billed): it stays linked, so nobody buys a second one over it.
		raise PermanentError(
			f"Label {numbers} was not voided and stays on Shipment {shipment_name}. {message}"
		)
	return VoidOutcome(shipment_name, given_up[0][1], values, voided=voided, kept=kept)


def apply_tracking_update(
	gateway: ERPGateway, account: AccountRef, update: TrackingUpdate
) -> TrackingOutcome:
	"""Move the parcel (and so the Shipment) the update belongs to. Twice has the same effect as once."""
	link = gateway.find_link(account, TRACKING, update.tracking_number)
	if link is None:
		return_link = gateway.find_link(account, RETURN_TRACKING, update.tracking_number)
		if return_link is None:
			reason = (
				f"No Shipment has tracking number {update.tracking_number} on Carrier Account {account.name}."
			)
			return TrackingOutcome(None, applied=False, update=update, reason=reason)
		gateway.comment(
			"Shipment", return_link[1], f"Return {update.tracking_number}: {mapping.tracking_info(update)}"
		)
		return TrackingOutcome(return_link[1], applied=True, update=update)
	name = link[1]
	doc = gateway.get("Shipment", name)
	row = mapping.parcel_row(doc, update.tracking_number)
	if row is None:
		if doc.get("awb_number") != update.tracking_number or mapping.live_parcels(doc):
			reason = (
				f"Tracking number {update.tracking_number} is no longer Shipment {name}'s label (voided)."
			)
			return TrackingOutcome(name, applied=False, update=update, reason=reason)
		return _apply_to_shipment(gateway, name, doc, update)  # a label bought before parcels had their own
	if row.get(mapping.PARCEL_STATUS) == mapping.VOIDED:
		reason = f"Tracking number {update.tracking_number} was voided on Shipment {name}."
		return TrackingOutcome(name, applied=False, update=update, reason=reason)
	row_values = mapping.parcel_tracking_values(update, row)
	if row_values is None:
		reason = (
			f"Out-of-order update ({update.status}) after the parcel was {row.get(mapping.PARCEL_STATUS)}."
		)
		return TrackingOutcome(name, applied=False, update=update, reason=reason, parcel=row.get("name"))
	gateway.set_value(PARCEL_ROWS, row["name"], row_values)
	values = mapping.summary_values(mapping.rows_after(doc, [(row, row_values)]), doc, update)
	gateway.set_value("Shipment", name, values)
	notes = mapping.delivery_notes(doc)
	return TrackingOutcome(name, True, update, values, delivery_notes=notes, parcel=row["name"])


def _apply_to_shipment(gateway, name, doc, update) -> TrackingOutcome:
	values = mapping.tracking_values(update, doc)
	if values is None:
		reason = f"Out-of-order update ({update.status}) after the Shipment was {doc.get('tracking_status')}."
		return TrackingOutcome(name, applied=False, update=update, reason=reason)
	gateway.set_value("Shipment", name, values)
	return TrackingOutcome(name, True, update, values, delivery_notes=mapping.delivery_notes(doc))


def refresh_tracking(
	gateway: ERPGateway, account: AccountRef, carrier: Carrier, shipment_name: str
) -> list[TrackingOutcome]:
	"""Poll the carrier for every live parcel of a Shipment (the Track button and the scheduled poll)."""
	doc = gateway.get("Shipment", shipment_name)
	if not doc.get("awb_number"):
		raise NeedsAttention(f"Shipment {shipment_name} has no AWB/tracking number to track.")
	numbers = [mapping.parcel_number(row, doc) for row in mapping.live_parcels(doc)] or [doc["awb_number"]]
	outcomes = []
	for number in dict.fromkeys(numbers):
		update = carrier.track(number, doc.get("carrier") or None)
		outcomes.append(apply_tracking_update(gateway, account, update))
	return outcomes


def label_slot(gateway, account, kind, name) -> tuple[str, bool]:
	"""(key, bought): the live label slot and whether a label was already bought in it."""
	generation = 1
	while True:
		key = name if generation == 1 else f"{name}#{generation}"
		if not gateway.find_link(account, kind, key):
			return key, False
		if not gateway.find_link(account, VOIDED_LABEL, key):
			return key, True
		generation += 1


def label_fields(doc) -> dict:
	return {name: doc.get(name) for name in mapping.voided_label_values()}


def _account_error(carrier: Carrier, error: Exception) -> AccountError:
	kinds = ((NeedsAttention, "needs_attention"), (AuthError, "auth"), (PermanentError, "permanent"))
	kind = next((name for cls, name in kinds if isinstance(error, cls)), None)
	if kind is None:
		kind = "transient" if getattr(error, "retryable", False) else "error"
	message = (
		error.remote_message if isinstance(error, ConnectorError) else f"{type(error).__name__}: {error}"
	)
	return AccountError(
		carrier.account, carrier.provider, message, kind, bool(getattr(error, "retryable", False))
	)
