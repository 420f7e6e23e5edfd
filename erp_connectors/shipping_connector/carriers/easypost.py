"""EasyPost (https://docs.easypost.com): shipments, rates, buy, refund, trackers, signed webhooks.

Auth is HTTP Basic with the API key as user and an empty password. Weights go
in ounces and sizes in inches. One EasyPost shipment is one parcel.
"""

import dataclasses
import unicodedata
import uuid
from decimal import Decimal

from erp_connectors.connectors.errors import ConnectorError, NeedsAttention, PermanentError, SignatureError
from erp_connectors.connectors.http import HttpClient
from erp_connectors.connectors.signatures import verify_hmac
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
	GRAMS_PER,
	Document,
	ParcelLabel,
	Rate,
	TrackingUpdate,
	VoidResult,
	label_from_parcels,
)

SIGNATURE_PREFIX = "hmac-sha256-hex="

VOID_STATES = {"submitted": "pending", "refunded": "voided"}
REFUSALS = {
	"rejected": "EasyPost rejected the refund (refund_status rejected), so the label is still valid and "
	"billed. A refund asked for right after the purchase can be rejected by mistake: try Void again later.",
	"not_applicable": "EasyPost answered refund_status not_applicable: this carrier bills on scan, so "
	"there is nothing to refund and asking again will not change that. The label is billed only if scanned.",
}

STATUS_MAP = {
	"unknown": model.UNKNOWN,
	"pre_transit": model.PRE_TRANSIT,
	"in_transit": model.IN_TRANSIT,
	"out_for_delivery": model.OUT_FOR_DELIVERY,
	"available_for_pickup": model.OUT_FOR_DELIVERY,
	"delivered": model.DELIVERED,
	"return_to_sender": model.RETURNED,
	"failure": model.EXCEPTION,
	"error": model.EXCEPTION,
	"cancelled": model.CANCELLED,
}


class EasyPostHttp(HttpClient):
	service = "easypost"

	def error_message(self, response):
		"""{"error": {"code", "message", "errors": [FieldError {field, message} | str | {field: message}]}}"""
		try:
			error = response.json()["error"]
			message = str(error.get("message") or error.get("code"))
		except (ValueError, KeyError, TypeError, AttributeError):
			return super().error_message(response)
		details = [_field_error(item) for item in error.get("errors") or []]
		return f"{message} ({'; '.join(details)})" if details else message


def _field_error(item) -> str:
	if isinstance(item, dict) and "message" in item:
		return f"{item.get('field')}: {item['message']}" if item.get("field") else str(item["message"])
	if isinstance(item, dict):
		return "; ".join(f"{key}: {value}" for key, value in item.items())
	return str(item)


class EasyPostCarrier(Carrier):
	"""One EasyPost shipment per parcel: a Shipment of several parcels is quoted parcel by parcel and
	offered the services every parcel has, at their summed price; buying buys each parcel's own
	EasyPost shipment (each its own tracking code and label; voiding one refunds just that one)."""

	provider = "EasyPost"
	default_base_url = "https://api.easypost.com/v2"
	hosts = ("api.easypost.com",)
	file_hosts = ("*.amazonaws.com", "*.easypost.com")
	label_formats = ("PDF", "ZPL")
	voids_per_parcel = True
	status_map = STATUS_MAP
	http_class = EasyPostHttp

	def authenticate(self, session):
		session.auth = (self.setting("api_key"), "")

	def rates(self, shipment):
		declarations = self._declarations(shipment, shipment.quoted_customs())
		quoted = []  # per parcel: {(carrier, service): rate item}
		for index, parcel in enumerate(shipment.parcels):
			body = self.call(
				"POST",
				"/shipments",
				json={"shipment": self._shipment_body(shipment, parcel, declarations[index], index)},
			)
			items = body.get("rates") or []
			if not items:
				# Carriers' own refusals ("Shipment cannot weigh less than 16oz") arrive as messages.
				messages = [str(dig(m, "message")) for m in body.get("messages") or [] if dig(m, "message")]
				if messages:
					raise PermanentError("; ".join(messages), status=200)
			quoted.append({(str(i.get("carrier") or ""), str(i.get("service") or "")): i for i in items})
		# A service counts only when every parcel has it.
		common = [key for key in quoted[0] if all(key in parcel for parcel in quoted[1:])] if quoted else []
		return [self._rate([parcel[key] for parcel in quoted]) for key in common]

	def buy_label(self, shipment, rate, idempotency_key):
		parts = rate.parts or (
			{"shipment_id": rate.provider_shipment_id, "rate_id": rate.rate_id, "amount": str(rate.amount)},
		)
		if len(parts) != len(shipment.parcels):
			raise NeedsAttention(
				f"The rate covers {len(parts)} parcel(s) but Shipment {shipment.reference} has "
				f"{len(shipment.parcels)}. Get rates again."
			)
		shipment.customs_for(self.provider)  # abroad, never buy without the declaration
		bodies = [self._buy(part) for part in parts]
		return self._label(bodies, rate)

	def _buy(self, part):
		shipment_id = require(
			part.get("shipment_id"), self.provider, "the EasyPost shipment id of the rate", part
		)
		try:
			return self.call(
				"POST", f"/shipments/{shipment_id}/buy", json={"rate": {"id": part.get("rate_id")}}
			)
		except PermanentError as refusal:
			# A retried job whose first attempt bought the label: the EasyPost shipment is the
			# idempotency unit, so return the postage already bought with this rate.
			body = self._already_bought(shipment_id, part.get("rate_id"))
			if body is None:
				raise refusal from None
			return body

	def _already_bought(self, shipment_id, rate_id):
		try:
			body = self.call("GET", f"/shipments/{shipment_id}")
		except ConnectorError:
			return None
		# A refunded (voided) label is never handed back as if it were new.
		live = body.get("postage_label") and not body.get("refund_status")
		bought = live and dig(body, "selected_rate", "id") == rate_id
		return body if bought else None

	def void_label(self, label_ref):
		"""refund_status (docs.easypost.com, "Shipping Refund"): submitted (the usual first answer;
		the carrier confirms later), refunded, rejected (may be retried later) or not_applicable
		(bill-on-scan carriers: never changes). Only the first two give the label up."""
		body = self.call("POST", f"/shipments/{label_ref}/refund")
		status = body.get("refund_status")
		if status in VOID_STATES:
			return VoidResult(label_ref=label_ref, state=VOID_STATES[status], message=status)
		return VoidResult(
			label_ref=label_ref,
			state="refused",
			message=REFUSALS.get(status, f"EasyPost answered the refund with refund_status {status!r}."),
		)

	def void_parcel(self, label_ref, parcel_ref, parcels_left):
		return self.void_label(parcel_ref)  # each parcel is its own EasyPost shipment

	def track(self, tracking_number, carrier=None):
		tracker = {"tracking_code": tracking_number}
		if carrier:
			tracker["carrier"] = carrier
		return self._tracking_update(self.call("POST", "/trackers", json={"tracker": tracker}))

	@classmethod
	def verify_webhook(cls, body, headers, query, secret):
		provided = headers.get("x-hmac-signature") or ""
		if not provided.startswith(SIGNATURE_PREFIX):
			raise SignatureError("X-Hmac-Signature is missing or not hmac-sha256-hex")
		# easypost-python normalises the secret with NFKD before signing.
		keys = [unicodedata.normalize("NFKD", s) for s in secrets_list(secret)]
		if not keys or not verify_hmac(body, provided[len(SIGNATURE_PREFIX) :], keys, "hex"):
			raise SignatureError("X-Hmac-Signature does not match the body")

	@classmethod
	def recognises(cls, payload):
		return payload.get("object") == "Event" and "description" in payload

	@classmethod
	def parse_webhook(cls, body, headers):
		payload = load_webhook_json(body)
		if not cls.recognises(payload):
			raise ValueError("not an EasyPost Event")
		result = payload.get("result")
		if not str(payload.get("description", "")).startswith("tracker.") or not isinstance(result, dict):
			return None
		update = cls._tracking_update(result)
		event_id = str(payload.get("id") or uuid.uuid5(uuid.NAMESPACE_URL, body.decode(errors="replace")))
		return dataclasses.replace(update, event_id=event_id)

	# mapping
	def _declarations(self, shipment, customs):
		if customs is None:
			return [None] * len(shipment.parcels)
		return list(model.customs_by_parcel(customs, shipment.parcels, shipment.reference))

	def _shipment_body(self, shipment, parcel, customs=None, index=0):
		many = len(shipment.parcels) > 1
		body = {
			"to_address": _address(shipment.to_address),
			"from_address": _address(shipment.from_address),
			"parcel": {"weight": plain_number(parcel.weight_in("oz"), "0.1")},
			"reference": f"{shipment.reference}/{index + 1}" if many else shipment.reference,
			"is_return": shipment.is_return,
			"options": {"label_format": self.label_format},
		}
		sides = parcel.dimensions_in("in")
		if sides:
			body["parcel"].update(zip(("length", "width", "height"), map(plain_number, sides), strict=True))
		if customs is not None:
			body["customs_info"] = _customs_info(customs, shipment, index)
			if customs.invoice_number:
				body["options"]["invoice_number"] = customs.invoice_number
		return body

	def _rate(self, items):
		first = items[0]
		parts = tuple(
			{
				"shipment_id": item.get("shipment_id"),
				"rate_id": str(require(item.get("id"), self.provider, "a rate id", item)),
				"amount": str(money(item.get("rate"), self.provider, "a rate")),
			}
			for item in items
		)
		days = [transit_days(i.get("delivery_days") or i.get("est_delivery_days")) for i in items]
		return Rate(
			provider=self.provider,
			account=self.account,
			rate_id=parts[0]["rate_id"],
			carrier=str(first.get("carrier") or ""),
			service=str(first.get("service") or ""),
			amount=sum((money(part["amount"], self.provider) for part in parts), Decimal(0)),
			currency=str(first.get("currency") or ""),
			transit_days=max(days) if None not in days else None,
			provider_shipment_id=first.get("shipment_id"),
			parts=parts,
		)

	def _label(self, bodies, rate):
		parcels = tuple(self._parcel_label(body) for body in bodies)
		selected = [body.get("selected_rate") or {} for body in bodies]
		confirmed = [selected_rate.get("rate") for selected_rate in selected]
		if any(value in (None, "") for value in confirmed):
			raise PermanentError(
				f"EasyPost bought the label without confirming its price: {str(bodies[0])[:300]}"
			)
		documents = tuple(
			Document(
				kind="commercial_invoice", url=form["form_url"], tracking_number=body.get("tracking_code")
			)
			for body in bodies
			for form in body.get("forms") or []
			if isinstance(form, dict)
			and form.get("form_type") == "commercial_invoice"
			and form.get("form_url")
		)
		return label_from_parcels(
			self.provider,
			parcels,
			carrier=str(selected[0].get("carrier") or rate.carrier),
			service=str(selected[0].get("service") or rate.service),
			label_ref=parcels[0].label_ref,
			price=sum((money(value, self.provider, "a label price") for value in confirmed), Decimal(0)),
			currency=selected[0].get("currency") or rate.currency,
			label_format=_file_format(bodies[0].get("postage_label") or {}, self.label_format),
			documents=documents,
			provider_shipment_id=parcels[0].label_ref,
		)

	def _parcel_label(self, body):
		postage = body.get("postage_label") or {}
		if self.label_format == "ZPL":
			url = require(postage.get("label_zpl_url"), self.provider, "a ZPL label URL", body)
		else:
			url = postage.get("label_pdf_url") or require(
				postage.get("label_url"), self.provider, "a label URL", body
			)
		return ParcelLabel(
			tracking_number=str(require(body.get("tracking_code"), self.provider, "a tracking code", body)),
			label_ref=str(require(body.get("id"), self.provider, "a shipment id", body)),
			label_url=url,
			tracking_url=dig(body, "tracker", "public_url"),
		)

	@classmethod
	def _tracking_update(cls, tracker):
		details = tracker.get("tracking_details") or []
		latest = details[-1] if details else {}
		return TrackingUpdate(
			provider=cls.provider,
			tracking_number=str(
				require(tracker.get("tracking_code"), cls.provider, "a tracking code", tracker)
			),
			status=cls.normalise(tracker.get("status")),
			carrier=tracker.get("carrier"),
			carrier_status=tracker.get("status"),
			message=latest.get("message") or tracker.get("status_detail"),
			occurred_at=latest.get("datetime") or tracker.get("updated_at"),
			tracking_url=tracker.get("public_url"),
			estimated_delivery=tracker.get("est_delivery_date"),
		)


def _file_format(postage, wanted) -> str:
	"""The format of the file we fetch: ZPL when asked, else the PDF if there is one, else the label's own."""
	if wanted == "ZPL":
		return "ZPL"
	if postage.get("label_pdf_url"):
		return "PDF"
	return str(postage.get("label_file_type") or "PDF").split("/")[-1].upper()


CONTENTS_TYPES = {"return": "returned_goods"}  # EasyPost's words; the others are the same


def _customs_info(customs, shipment, index):
	"""EasyPost's CustomsInfo, as its recorded traffic sends it (eel_pfc, customs_certify, ...)."""
	parcels = len(shipment.parcels)
	explanation = customs.explanation or ""
	if parcels > 1:
		explanation = f"{explanation} Parcel {index + 1} of {parcels}.".strip()
	return {
		# "NOEEI 30.37(a)": no electronic export information needed under USD 2,500 per line (US exports).
		"eel_pfc": "NOEEI 30.37(a)",
		"customs_certify": True,
		"customs_signer": customs.signer or shipment.from_address.name,
		"contents_type": CONTENTS_TYPES.get(customs.contents_type, customs.contents_type),
		"contents_explanation": explanation,
		"restriction_type": "none",
		"non_delivery_option": customs.non_delivery,
		"customs_items": [
			{
				"description": item.description[:255],
				"quantity": item.quantity,
				"weight": plain_number(item.weight_kg * GRAMS_PER["kg"] / GRAMS_PER["oz"], "0.1"),
				"value": plain_number(item.value),
				"currency": item.currency,
				"hs_tariff_number": item.hs_code,
				"origin_country": item.origin_country,
				**({"code": item.sku} if item.sku else {}),
			}
			for item in customs.items
		],
	}


def _address(address):
	return {
		"name": address.name,
		"company": address.company,
		"street1": " ".join(filter(None, (address.street1, address.house_number))),
		"street2": address.street2,
		"city": address.city,
		"state": address.state,
		"zip": address.postal_code,
		"country": address.country,
		"phone": address.phone,
		"email": address.email,
	}
