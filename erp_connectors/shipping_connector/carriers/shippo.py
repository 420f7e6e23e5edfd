"""Shippo (https://docs.goshippo.com): shipments with rates, transactions (labels), refunds, tracks.

Auth: "Authorization: ShippoToken <token>". Shippo does not sign webhooks by
default; the webhook URL carries a secret `?token=` that we compare in
constant time with the account's webhook secret.
"""

import dataclasses
import hashlib

from erp_connectors.connectors.errors import NeedsAttention, PermanentError, SignatureError
from erp_connectors.connectors.http import HttpClient
from erp_connectors.connectors.signatures import matches_any
from erp_connectors.shipping_connector.carriers import model
from erp_connectors.shipping_connector.carriers.base import (
	Carrier,
	dig,
	load_webhook_json,
	money,
	plain_number,
	require,
	secrets_list,
	transit_days,
)
from erp_connectors.shipping_connector.carriers.model import (
	Document,
	ParcelLabel,
	Rate,
	TrackingUpdate,
	VoidResult,
	label_from_parcels,
)

STATUS_MAP = {
	"pre_transit": model.PRE_TRANSIT,
	"transit": model.IN_TRANSIT,
	"delivered": model.DELIVERED,
	"returned": model.RETURNED,
	"failure": model.EXCEPTION,
	"unknown": model.UNKNOWN,
}
TRACKING_EVENTS = ("track_updated",)
SIDES = ("length", "width", "height")


class ShippoHttp(HttpClient):
	service = "shippo"

	def error_message(self, response):
		"""Shippo answers {"detail": "..."} or field-keyed lists, e.g. {"address_to": {"zip": ["..."]}}."""
		try:
			body = response.json()
		except ValueError:
			return super().error_message(response)
		if isinstance(body, dict) and isinstance(body.get("detail"), str):
			return body["detail"]
		lines = list(_flatten(body))
		return "; ".join(lines) if lines else super().error_message(response)


def _flatten(value, prefix=""):
	if isinstance(value, dict):
		for key, inner in value.items():
			name = prefix if key in ("__all__", "non_field_errors") else f"{prefix}.{key}".strip(".")
			yield from _flatten(inner, name)
	elif isinstance(value, list):
		for inner in value:
			yield from _flatten(inner, prefix)
	elif value not in (None, ""):
		yield f"{prefix}: {value}" if prefix else str(value)


class ShippoCarrier(Carrier):
	provider = "Shippo"
	default_base_url = "https://api.goshippo.com"
	hosts = ("api.goshippo.com",)
	file_hosts = ("*.amazonaws.com", "*.goshippo.com")
	label_formats = ("PDF", "ZPL")
	voids_per_parcel = True
	status_map = STATUS_MAP
	http_class = ShippoHttp

	def authenticate(self, session):
		session.headers["Authorization"] = f"ShippoToken {self.setting('api_key')}"

	def rates(self, shipment):
		body = self.call("POST", "/shipments/", json=self._shipment_body(shipment))
		parcels = tuple(
			{"parcel": p.get("object_id")} for p in body.get("parcels") or [] if isinstance(p, dict)
		)
		rates = [self._rate(item, body.get("object_id"), parcels) for item in body.get("rates") or []]
		if not rates and body.get("messages"):
			raise PermanentError(_messages(body), status=200)
		return rates

	def buy_label(self, shipment, rate, idempotency_key):
		"""A multi-piece shipment is bought with its one rate (the amount covers every parcel); Shippo
		then makes a transaction, a label and a tracking number, per parcel, listed by that rate."""
		zpl = self.label_format == "ZPL"
		shipment.customs_for(self.provider)  # abroad, never buy without the declaration
		body = self.call(
			"POST",
			"/transactions",
			json={
				"rate": rate.rate_id,
				"label_file_type": "ZPLII" if zpl else "PDF",
				"async": False,
				"metadata": idempotency_key,
			},
		)
		if body.get("status") != "SUCCESS":
			# Carrier refusals come back as HTTP 201 with status ERROR and the carrier's own words.
			raise PermanentError(_messages(body) or f"Shippo transaction {body.get('status')}", status=201)
		transactions = [body]
		if len(shipment.parcels) > 1:
			transactions = self._transactions_of(rate, body)
		parcels = tuple(self._parcel_label(t) for t in transactions)
		invoices = {t.get("commercial_invoice_url"): t.get("tracking_number") for t in transactions}
		documents = tuple(
			Document(kind="commercial_invoice", url=url, tracking_number=number)
			for url, number in invoices.items()
			if url
		)
		return label_from_parcels(
			self.provider,
			parcels,
			carrier=rate.carrier,
			service=rate.service,
			label_ref=parcels[0].label_ref,
			price=rate.amount,  # the transaction holds no amount: the rate's, as Shippo quoted it
			currency=rate.currency,
			label_format="ZPL" if zpl else "PDF",
			documents=documents,
			provider_shipment_id=rate.provider_shipment_id,
		)

	def _transactions_of(self, rate, first):
		listed = self.call("GET", "/transactions", params={"rate": rate.rate_id, "results": 100})
		found = [t for t in listed.get("results") or [] if t.get("status") == "SUCCESS"] or [first]
		order = [part.get("parcel") for part in rate.parts]
		return sorted(
			found, key=lambda t: order.index(t.get("parcel")) if t.get("parcel") in order else len(order)
		)

	def _parcel_label(self, transaction):
		return ParcelLabel(
			tracking_number=str(
				require(transaction.get("tracking_number"), self.provider, "a tracking number", transaction)
			),
			label_ref=str(
				require(transaction.get("object_id"), self.provider, "a transaction id", transaction)
			),
			label_url=require(transaction.get("label_url"), self.provider, "a label URL", transaction),
			tracking_url=transaction.get("tracking_url_provider"),
		)

	def void_label(self, label_ref):
		body = self.call("POST", "/refunds", json={"transaction": label_ref, "async": False})
		if body.get("status") == "ERROR":
			raise PermanentError(_messages(body) or "Shippo refused the refund", status=201)
		state = "voided" if body.get("status") == "SUCCESS" else "pending"
		return VoidResult(label_ref=label_ref, state=state, message=body.get("status"))

	def void_parcel(self, label_ref, parcel_ref, parcels_left):
		return self.void_label(parcel_ref)  # a refund is per transaction, i.e. per parcel

	def track(self, tracking_number, carrier=None):
		carrier_token = (carrier or self.settings.get("default_carrier") or "").lower()
		require(carrier_token, self.provider, "a carrier token to track with (e.g. usps)", tracking_number)
		return self._tracking_update(self.call("GET", f"/tracks/{carrier_token}/{tracking_number}"))

	@classmethod
	def verify_webhook(cls, body, headers, query, secret):
		if not matches_any(secrets_list(secret), query.get("token")):
			raise SignatureError("the ?token= in the webhook URL does not match the account's webhook secret")

	@classmethod
	def recognises(cls, payload):
		return "event" in payload and isinstance(payload.get("data"), dict)

	@classmethod
	def parse_webhook(cls, body, headers):
		payload = load_webhook_json(body)
		if not cls.recognises(payload):
			raise ValueError("not a Shippo webhook: expected {event, data}")
		if payload["event"] not in TRACKING_EVENTS:
			return None
		update = cls._tracking_update(payload["data"])
		# Shippo sends no delivery id; a status object's id is unique per tracking status.
		status_id = dig(payload, "data", "tracking_status", "object_id")
		event_id = status_id or hashlib.sha256(body).hexdigest()
		return dataclasses.replace(update, event_id=str(event_id))

	# mapping
	def _shipment_body(self, shipment):
		body = {
			"address_from": _address(shipment.from_address),
			"address_to": _address(shipment.to_address),
			"parcels": [
				_parcel(shipment, number, parcel) for number, parcel in enumerate(shipment.parcels, 1)
			],
			"async": False,
			"metadata": shipment.reference,
			"extra": {"is_return": True} if shipment.is_return else {},
		}
		customs = shipment.quoted_customs()
		if customs is not None:
			body["customs_declaration"] = _customs_declaration(customs, shipment)
		return body

	def _rate(self, item, shipment_id, parcels=()):
		return Rate(
			provider=self.provider,
			account=self.account,
			rate_id=str(require(item.get("object_id"), self.provider, "a rate id", item)),
			carrier=str(item.get("provider") or ""),
			service=str(dig(item, "servicelevel", "name") or ""),
			amount=money(item.get("amount"), self.provider, "a rate amount"),
			currency=str(item.get("currency") or ""),
			transit_days=transit_days(item.get("estimated_days")),
			service_code=dig(item, "servicelevel", "token"),
			provider_shipment_id=shipment_id,
			parts=parcels,
		)

	@classmethod
	def _tracking_update(cls, track):
		status = track.get("tracking_status") or {}
		raw = status.get("status") or "UNKNOWN"
		normalised = cls.normalise(raw)
		if normalised == model.IN_TRANSIT and dig(status, "substatus", "code") == "out_for_delivery":
			normalised = model.OUT_FOR_DELIVERY
		return TrackingUpdate(
			provider=cls.provider,
			tracking_number=str(
				require(track.get("tracking_number"), cls.provider, "a tracking number", track)
			),
			status=normalised,
			carrier=track.get("carrier"),
			carrier_status=raw,
			message=status.get("status_details"),
			occurred_at=status.get("status_date"),
			estimated_delivery=track.get("eta"),
		)


def _parcel(shipment, number, parcel) -> dict:
	"""Shippo's ParcelCreateRequest: weight AND length, width, height with their units (its only other
	form names a carrier's parcel template, which a Shipment's parcel is not)."""
	sides = parcel.dimensions_in("cm")
	if sides is None:
		missing = [side for side in SIDES if getattr(parcel, side) in (None, "", 0)]
		named = " and ".join(filter(None, (", ".join(missing[:-1]), missing[-1])))
		raise NeedsAttention(
			f"Shippo needs every parcel's length, width and height to quote it: parcel {number} of Shipment "
			f"{shipment.reference} has no {named}. Fill them in on the Shipment's parcel rows."
		)
	return {
		"weight": str(plain_number(parcel.weight_in("kg"), "0.001")),
		"mass_unit": "kg",
		**{side: str(plain_number(size)) for side, size in zip(SIDES, sides, strict=True)},
		"distance_unit": "cm",
	}


# CustomsDeclarationContentsTypeEnum and the incoterms Shippo takes (CustomsDeclarationIncotermEnum).
CONTENTS_TYPES = {"return": "RETURN_MERCHANDISE"}
INCOTERMS = ("DDP", "DDU", "FCA", "DAP")


def _customs_declaration(customs, shipment) -> dict:
	"""A CustomsDeclarationCreateRequest, inline in the shipment (the SDK's union allows it)."""
	declaration = {
		"certify": True,
		"certify_signer": customs.signer or shipment.from_address.name,
		"contents_type": CONTENTS_TYPES.get(customs.contents_type, customs.contents_type.upper()),
		"non_delivery_option": customs.non_delivery.upper(),
		"invoice": customs.invoice_number or shipment.reference,
		"commercial_invoice": True,
		"items": [
			{
				"description": item.description[:255],
				"quantity": item.quantity,
				"net_weight": str(plain_number(item.weight_kg, "0.001")),
				"mass_unit": "kg",
				"value_amount": str(item.value),
				"value_currency": item.currency,
				"origin_country": item.origin_country,
				"hs_code": item.hs_code[:6],
				"tariff_number": item.hs_code,
				**({"sku_code": item.sku} if item.sku else {}),
			}
			for item in customs.items
		],
	}
	if customs.incoterm in INCOTERMS:
		declaration["incoterm"] = customs.incoterm
	if shipment.from_address.country == "US":
		declaration["eel_pfc"] = "NOEEI_30_37_a"  # no EEI under USD 2,500 a line
	if customs.contents_type == "other":
		declaration["contents_explanation"] = customs.explanation or "Other goods"
	return declaration


def _messages(body) -> str:
	return "; ".join(str(dig(m, "text")) for m in body.get("messages") or [] if dig(m, "text"))


def _address(address):
	return {
		"name": address.name,
		"company": address.company or "",
		"street1": address.street1,
		"street_no": address.house_number or "",
		"street2": address.street2 or "",
		"city": address.city,
		"state": address.state or "",
		"zip": address.postal_code,
		"country": address.country,
		"phone": address.phone or "",
		"email": address.email or "",
	}
