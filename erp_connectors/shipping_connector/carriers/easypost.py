"""EasyPost (https://docs.easypost.com): shipments, rates, buy, refund, trackers, signed webhooks.

Auth is HTTP Basic with the API key as user and an empty password. Weights go
in ounces and sizes in inches. One EasyPost shipment is one parcel.
"""

import dataclasses
import unicodedata
import uuid

from erp_connectors.connectors.errors import ConnectorError, PermanentError, SignatureError
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
from erp_connectors.shipping_connector.carriers.model import Label, Rate, TrackingUpdate, VoidResult

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
	provider = "EasyPost"
	default_base_url = "https://api.easypost.com/v2"
	hosts = ("api.easypost.com",)
	file_hosts = ("*.amazonaws.com", "*.easypost.com")
	status_map = STATUS_MAP
	http_class = EasyPostHttp

	def authenticate(self, session):
		session.auth = (self.setting("api_key"), "")

	def rates(self, shipment):
		body = self.call("POST", "/shipments", json={"shipment": self._shipment_body(shipment)})
		rates = [self._rate(item) for item in body.get("rates") or []]
		if not rates:
			# Carriers' own refusals ("Shipment cannot weigh less than 16oz") arrive as messages.
			messages = [str(dig(m, "message")) for m in body.get("messages") or [] if dig(m, "message")]
			if messages:
				raise PermanentError("; ".join(messages), status=200)
		return rates

	def buy_label(self, shipment, rate, idempotency_key):
		shipment_id = require(
			rate.provider_shipment_id, self.provider, "the EasyPost shipment id of the rate", rate
		)
		try:
			body = self.call("POST", f"/shipments/{shipment_id}/buy", json={"rate": {"id": rate.rate_id}})
		except PermanentError as refusal:
			# A retried job whose first attempt bought the label: the EasyPost shipment is the
			# idempotency unit, so return the postage already bought with this rate.
			body = self._already_bought(shipment_id, rate)
			if body is None:
				raise refusal from None
		return self._label(body, rate)

	def _already_bought(self, shipment_id, rate):
		try:
			body = self.call("GET", f"/shipments/{shipment_id}")
		except ConnectorError:
			return None
		# A refunded (voided) label is never handed back as if it were new.
		live = body.get("postage_label") and not body.get("refund_status")
		bought = live and dig(body, "selected_rate", "id") == rate.rate_id
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
	def _shipment_body(self, shipment):
		parcel = shipment.single_parcel(self.provider)
		body = {
			"to_address": _address(shipment.to_address),
			"from_address": _address(shipment.from_address),
			"parcel": {"weight": plain_number(parcel.weight_in("oz"), "0.1")},
			"reference": shipment.reference,
			"is_return": shipment.is_return,
			"options": {"label_format": "PDF"},
		}
		sides = parcel.dimensions_in("in")
		if sides:
			body["parcel"].update(zip(("length", "width", "height"), map(plain_number, sides), strict=True))
		return body

	def _rate(self, item):
		return Rate(
			provider=self.provider,
			account=self.account,
			rate_id=str(require(item.get("id"), self.provider, "a rate id", item)),
			carrier=str(item.get("carrier") or ""),
			service=str(item.get("service") or ""),
			amount=money(item.get("rate"), self.provider, "a rate"),
			currency=str(item.get("currency") or ""),
			transit_days=transit_days(item.get("delivery_days") or item.get("est_delivery_days")),
			provider_shipment_id=item.get("shipment_id"),
		)

	def _label(self, body, rate):
		postage = body.get("postage_label") or {}
		selected = body.get("selected_rate") or {}
		url = postage.get("label_pdf_url") or require(
			postage.get("label_url"), self.provider, "a label URL", body
		)
		file_type = "PDF" if postage.get("label_pdf_url") else postage.get("label_file_type") or "PDF"
		return Label(
			provider=self.provider,
			tracking_number=str(require(body.get("tracking_code"), self.provider, "a tracking code", body)),
			carrier=str(selected.get("carrier") or rate.carrier),
			service=str(selected.get("service") or rate.service),
			label_ref=str(body.get("id")),
			price=money(selected.get("rate") or rate.amount, self.provider, "a label price"),
			currency=selected.get("currency") or rate.currency,
			tracking_url=dig(body, "tracker", "public_url"),
			label_url=url,
			label_format=str(file_type).split("/")[-1].upper(),
			provider_shipment_id=str(body.get("id")),
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
