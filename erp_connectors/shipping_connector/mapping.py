"""Pure mapping between ERPNext Shipment records and carrier values. No I/O.

ERPNext v15 field names: Shipment (awb_number, carrier, carrier_service,
service_provider, shipment_id, shipment_amount, tracking_url, tracking_status
[""/In Progress/Delivered/Returned/Lost], tracking_status_info, status
[Draft/Submitted/Booked/Cancelled/Completed], shipment_parcel[{length, width,
height (cm), weight (kg), count}], shipment_delivery_note[{delivery_note}]),
Address (address_line1, address_line2, city, state, pincode, email_id, phone).
"""

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal

from erp_connectors.connectors.errors import NeedsAttention
from erp_connectors.shipping_connector.carriers import model
from erp_connectors.shipping_connector.carriers.model import (
	Address,
	Customs,
	Label,
	Parcel,
	ParcelLabel,
	Shipment,
	TrackingUpdate,
)

ERP_TRACKING_STATUS = {
	model.PRE_TRANSIT: "In Progress",
	model.IN_TRANSIT: "In Progress",
	model.OUT_FOR_DELIVERY: "In Progress",
	model.EXCEPTION: "In Progress",
	model.DELIVERED: "Delivered",
	model.RETURNED: "Returned",
	model.CANCELLED: "",
}
STATUS_WORDS = {
	model.PRE_TRANSIT: "Pre-transit",
	model.IN_TRANSIT: "In transit",
	model.OUT_FOR_DELIVERY: "Out for delivery",
	model.DELIVERED: "Delivered",
	model.EXCEPTION: "Exception",
	model.RETURNED: "Returned",
	model.CANCELLED: "Cancelled",
	model.UNKNOWN: "Unknown",
}
INFO_LENGTH = 140  # tracking_status_info is a Data field
FINAL_ERP_STATUSES = ("Delivered", "Returned")
MOVING = (model.PRE_TRANSIT, model.IN_TRANSIT, model.OUT_FOR_DELIVERY, model.UNKNOWN)

# Each parcel row's own label and tracking (custom fields of Shipment Parcel, see custom_fields.py).
PARCEL_NUMBER = "carrier_tracking_number"
PARCEL_STATUS = "carrier_tracking_status"
PARCEL_INFO = "carrier_tracking_info"
PARCEL_URL = "carrier_tracking_url"
PARCEL_REF = "carrier_label_ref"
PARCEL_LABEL = "carrier_label"
VOIDED = "Voided"


def address_from_erp(
	address: Mapping, *, country_code: str, contact: Mapping | None = None, name: str | None = None
) -> Address:
	"""An ERPNext Address (+ optional Contact) as a carrier Address. `country_code` is the Country's ISO-2 code."""
	title = address.get("address_title") or address.get("name") or "address"
	for field in ("address_line1", "city"):
		if not address.get(field):
			raise NeedsAttention(f"Address {title} has no {field}. Fill it in, then try again.")
	if not country_code:
		raise NeedsAttention(
			f"Address {title}: its Country has no ISO code. Set the code on the Country record."
		)
	contact = contact or {}
	person = " ".join(filter(None, (contact.get("first_name"), contact.get("last_name"))))
	return Address(
		name=name or person or address.get("address_title") or "",
		company=contact.get("company_name") or None,
		street1=address["address_line1"],
		street2=address.get("address_line2") or None,
		city=address["city"],
		state=address.get("state") or None,
		postal_code=str(address.get("pincode") or "").strip(),
		country=country_code.upper(),
		phone=contact.get("mobile_no") or contact.get("phone") or address.get("phone") or None,
		email=contact.get("email_id") or address.get("email_id") or None,
	)


def parcels_from_erp(rows: list[Mapping], shipment_name: str) -> tuple[Parcel, ...]:
	"""One Parcel per physical parcel: a row counting 3 gives 3 (referring to the row only when it
	counts one, as a row holds one label)."""
	parcels = []
	for index, row in enumerate(rows, start=1):
		if not row.get("weight"):
			raise NeedsAttention(
				f"Shipment {shipment_name}, parcel row {index} has no weight (kg). Fill it in."
			)
		parcel = Parcel(
			weight=Decimal(str(row["weight"])),
			weight_unit="kg",
			length=_size(row.get("length")),
			width=_size(row.get("width")),
			height=_size(row.get("height")),
			dimension_unit="cm",
		)
		count = max(int(row.get("count") or 1), 1)
		if count == 1 and row.get("name"):
			parcel = replace(parcel, reference=row["name"])
		parcels.extend([parcel] * count)
	if not parcels:
		raise NeedsAttention(f"Shipment {shipment_name} has no parcels. Add a parcel row with its weight.")
	return tuple(parcels)


def shipment_from_erp(
	doc: Mapping, *, pickup: Address, delivery: Address, customs: Customs | None = None, currency=None
) -> Shipment:
	value = doc.get("value_of_goods")
	return Shipment(
		reference=doc["name"],
		from_address=pickup,
		to_address=delivery,
		parcels=parcels_from_erp(doc.get("shipment_parcel") or [], doc["name"]),
		value=Decimal(str(value)) if value else None,
		currency=currency,
		description=doc.get("description_of_content") or None,
		customs=customs,
	)


def delivery_notes(doc: Mapping) -> list[str]:
	return [
		row["delivery_note"] for row in doc.get("shipment_delivery_note") or [] if row.get("delivery_note")
	]


def label_values(label: Label) -> dict:
	"""Shipment fields after buying its outbound label."""
	return {
		"service_provider": label.provider,
		"carrier": label.carrier,
		"carrier_service": label.service,
		"awb_number": label.tracking_number,
		"shipment_id": label.label_ref,
		"shipment_amount": label.price,
		"tracking_url": label.tracking_url or "",
		"tracking_status": "In Progress",
		"tracking_status_info": STATUS_WORDS[model.PRE_TRANSIT],
		"status": "Booked",
	}


def voided_label_values() -> dict:
	return {
		"service_provider": "",
		"carrier": "",
		"carrier_service": "",
		"awb_number": "",
		"shipment_id": "",
		"shipment_amount": 0,
		"tracking_url": "",
		"tracking_status": "",
		"tracking_status_info": "",
		"status": "Submitted",
	}


def tracking_info(update: TrackingUpdate) -> str:
	text = STATUS_WORDS.get(update.status, update.status)
	if update.message and update.message.lower() != text.lower():
		text = f"{text}: {update.message}"
	return text[:INFO_LENGTH]


def tracking_values(update: TrackingUpdate, current: Mapping) -> dict | None:
	"""Shipment fields for a tracking update, or None when it must not apply (a stale, out-of-order update)."""
	if current.get("tracking_status") in FINAL_ERP_STATUSES and update.status in MOVING:
		return None
	values = {"tracking_status_info": tracking_info(update)}
	if update.status in ERP_TRACKING_STATUS:
		values["tracking_status"] = ERP_TRACKING_STATUS[update.status]
	if update.tracking_url:
		values["tracking_url"] = update.tracking_url
	if update.status == model.DELIVERED:
		values["status"] = "Completed"
	return values


def parcel_label_values(parcel: ParcelLabel) -> dict:
	"""A parcel row's fields once its label is bought."""
	return {
		PARCEL_NUMBER: parcel.tracking_number,
		PARCEL_REF: parcel.label_ref,
		PARCEL_URL: parcel.tracking_url or "",
		PARCEL_STATUS: "In Progress",
		PARCEL_INFO: STATUS_WORDS[model.PRE_TRANSIT],
	}


def voided_parcel_values() -> dict:
	return {PARCEL_STATUS: VOIDED, PARCEL_INFO: "Label voided"}


def live_parcels(doc: Mapping) -> list[Mapping]:
	"""The parcel rows with a label that is not voided."""
	return [
		row
		for row in doc.get("shipment_parcel") or []
		if row.get(PARCEL_NUMBER) and row.get(PARCEL_STATUS) != VOIDED
	]


def parcel_row(doc: Mapping, tracking_number: str) -> Mapping | None:
	return next(
		(row for row in doc.get("shipment_parcel") or [] if row.get(PARCEL_NUMBER) == tracking_number), None
	)


def parcel_ref(row: Mapping | None, doc: Mapping) -> str:
	"""What voiding this parcel alone needs (a label bought before parcels had their own: the Shipment's)."""
	return (row or {}).get(PARCEL_REF) or doc.get("shipment_id")


def parcel_number(row: Mapping | None, doc: Mapping) -> str:
	return (row or {}).get(PARCEL_NUMBER) or doc.get("awb_number")


def rows_after(doc: Mapping, changes: list) -> list[dict]:
	"""The Shipment's parcel rows with `changes` [(row, new values)] applied."""
	changed = {id(row): values for row, values in changes if row is not None}
	return [{**row, **changed.get(id(row), {})} for row in doc.get("shipment_parcel") or []]


def parcel_tracking_values(update: TrackingUpdate, row: Mapping) -> dict | None:
	"""A parcel row's fields for a tracking update, or None for a stale one (moving after final)."""
	if row.get(PARCEL_STATUS) in FINAL_ERP_STATUSES and update.status in MOVING:
		return None
	values = {PARCEL_INFO: tracking_info(update)}
	if update.status in ERP_TRACKING_STATUS:
		values[PARCEL_STATUS] = ERP_TRACKING_STATUS[update.status] or "In Progress"
	if update.tracking_url:
		values[PARCEL_URL] = update.tracking_url
	return values


def summary_values(rows: list[Mapping], doc: Mapping, update: TrackingUpdate | None = None) -> dict:
	"""The Shipment's tracking fields from its live parcels: delivered when every one is."""
	live = [row for row in rows if row.get(PARCEL_NUMBER) and row.get(PARCEL_STATUS) != VOIDED]
	if not live:
		return {}
	statuses = [row.get(PARCEL_STATUS) or "In Progress" for row in live]
	if all(status == "Delivered" for status in statuses):
		overall = "Delivered"
	elif all(status in FINAL_ERP_STATUSES for status in statuses):
		overall = "Returned"
	elif "Lost" in statuses:
		overall = "Lost"
	else:
		overall = "In Progress"
	if len(live) == 1:
		info = live[0].get(PARCEL_INFO) or ""
	else:
		delivered = statuses.count("Delivered")
		info = f"{delivered} of {len(live)} parcels delivered"
		if update is not None and update.status != model.DELIVERED:
			info = f"{info}; {update.tracking_number}: {tracking_info(update)}"
	values = {"tracking_status": overall, "tracking_status_info": info[:INFO_LENGTH]}
	url = live[0].get(PARCEL_URL)
	if url:
		values["tracking_url"] = url
	if overall == "Delivered":
		values["status"] = "Completed"
	elif doc.get("status") == "Completed":
		values["status"] = "Booked"
	return values


def _size(value) -> Decimal | None:
	return Decimal(str(value)) if value not in (None, "", 0) else None
