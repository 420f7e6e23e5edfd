"""Sendcloud API v3 (https://sendcloud.dev/api/v3): shipping options, announce, documents, cancel, tracking.

Auth: HTTP Basic with public key : secret key. Webhooks carry
`Sendcloud-Signature` = hex HMAC-SHA256(raw body, secret key).
Rates come from POST /shipping-options with `calculate_quotes` and the route as
flat filter keys; a quote's `lead_time` is in hours. The label of an announced
parcel is an authenticated API document, fetched with the same credentials.
A 409 is never retried: on announce it carries the shipment already announced
under our `external_reference_id` (the idempotency key), on cancel it is a refusal.
Field names and answers follow Sendcloud's v3 OpenAPI document (tests/data).
"""

import math
from decimal import Decimal

from erp_connectors.connectors.errors import NeedsAttention, PermanentError, SignatureError
from erp_connectors.connectors.http import HttpClient
from erp_connectors.connectors.signatures import verify_hmac
from erp_connectors.shipping_connector.carriers import model
from erp_connectors.shipping_connector.carriers.base import (
	Carrier,
	dig,
	load_webhook_json,
	money,
	require,
	same_origin,
	secrets_list,
)
from erp_connectors.shipping_connector.carriers.model import (
	Document,
	ParcelLabel,
	Rate,
	TrackingUpdate,
	VoidResult,
	label_from_parcels,
)

# Sendcloud's parent statuses (sendcloud.dev "Tracking statuses"), matched on their readable name,
# which is what webhooks send as status.message, and the parcel status codes of the v3 document
# (READY_TO_SEND, ANNOUNCING, ANNOUNCED, ANNOUNCEMENT_FAILED, CANCELLED), which tracking events
# carry as status_code. "accepted" is the document's own example event: "Parcel has been accepted
# by the carrier.", i.e. picked up.
STATUS_GROUPS = {
	model.PRE_TRANSIT: "ready_to_send ready_to_print being_announced announcing announced announced_not_collected "
	"no_label",
	model.IN_TRANSIT: "accepted en_route_to_sorting_center at_sorting_centre at_sorting_center being_sorted sorted "
	"at_customs parcel_en_route shipment_picked_up_by_driver delivery_delayed delivery_date_changed "
	"delivery_address_changed delivery_method_changed",
	model.OUT_FOR_DELIVERY: "out_for_delivery driver_en_route awaiting_customer_pickup",
	model.DELIVERED: "delivered shipment_collected_by_customer",
	model.EXCEPTION: "exception address_invalid announcement_failed delivery_attempt_failed unable_to_deliver "
	"error_collecting not_sorted",
	model.RETURNED: "returned_to_sender",
	model.CANCELLED: "cancelled cancelled_upstream cancellation_request cancellation_requested "
	"submitting_cancellation_request",
	model.UNKNOWN: "unknown_status",
}
STATUS_MAP = {name: status for status, names in STATUS_GROUPS.items() for name in names.split()}
MAX_PARCELS = 15  # parcels per synchronous announcement
MIME_TYPES = {"PDF": "application/pdf", "ZPL": "application/zpl"}
# customs-information.export_reason: gift, documents, commercial_goods, commercial_sample.
EXPORT_REASONS = {"gift": "gift", "documents": "documents", "sample": "commercial_sample"}
# Numeric ids of the commonest parcel statuses, used only when a webhook has no readable message.
STATUS_IDS = {1: "ready_to_send", 11: "delivered", 2000: "cancelled", 1337: "unknown_status"}


class SendcloudHttp(HttpClient):
	service = "sendcloud"

	def error_message(self, response):
		"""v3: {"errors": [{"status", "code", "detail", "source": {"pointer"}}]}, each detail verbatim;
		tracking answers {"detail": "..."}."""
		try:
			body = response.json()
		except ValueError:
			return super().error_message(response)
		if isinstance(body, dict) and isinstance(body.get("detail"), str):
			return body["detail"]
		errors = body.get("errors") if isinstance(body, dict) else None
		lines = [_error_line(error) for error in errors or [] if isinstance(error, dict)]
		return "; ".join(line for line in lines if line) or super().error_message(response)

	def raise_for_status(self, response):
		if response.status_code == 409:
			# A duplicate reference or a refused cancellation: the same call gives the same answer.
			raise PermanentError(self.error_message(response), status=409, details=_json_or_none(response))
		super().raise_for_status(response)


def _json_or_none(response):
	try:
		return response.json(parse_float=Decimal)
	except ValueError:
		return None


def _error_line(error) -> str:
	detail = str(error.get("detail") or error.get("title") or error.get("code") or "")
	pointer = dig(error, "source", "pointer")
	return f"{pointer}: {detail}" if pointer else detail


class SendcloudCarrier(Carrier):
	provider = "Sendcloud"
	default_base_url = "https://panel.sendcloud.sc/api/v3"
	hosts = ("panel.sendcloud.sc",)
	file_hosts = ("*.sendcloud.sc", "*.amazonaws.com")
	label_formats = ("PDF", "ZPL")
	status_map = STATUS_MAP
	http_class = SendcloudHttp

	def authenticate(self, session):
		session.auth = (self.setting("api_key"), self.setting("api_secret"))

	def rates(self, shipment):
		body = self.call("POST", "/shipping-options", json=self._options_body(shipment))
		rates = []
		for option in body.get("data") or []:
			quote = (option.get("quotes") or [None])[0]
			total = dig(quote, "price", "total")
			if not total or total.get("value") is None:
				continue  # an option without a price for this parcel (no contract) cannot be bought
			lead_hours = dig(quote, "lead_time")
			rates.append(
				Rate(
					provider=self.provider,
					account=self.account,
					rate_id=str(require(option.get("code"), self.provider, "a shipping option code", option)),
					carrier=str(dig(option, "carrier", "name") or dig(option, "carrier", "code") or ""),
					service=str(option.get("name") or option.get("code")),
					amount=money(total.get("value"), self.provider, "a quote"),
					currency=str(total.get("currency") or ""),
					transit_days=_days(lead_hours),
					service_code=option.get("code"),
				)
			)
		return rates

	def buy_label(self, shipment, rate, idempotency_key):
		"""One announced shipment with a parcel per Shipment parcel (Sendcloud takes 15 at once), each its
		own tracking number and label document; abroad, each parcel declares its items."""
		if len(shipment.parcels) > MAX_PARCELS:
			raise NeedsAttention(
				f"Sendcloud announces at most {MAX_PARCELS} parcels at once; Shipment {shipment.reference} "
				f"has {len(shipment.parcels)}. Split it."
			)
		try:
			body = self.call(
				"POST", "/shipments/announce", json=self._announce_body(shipment, rate, idempotency_key)
			)
		except PermanentError as error:
			if error.status != 409 or not isinstance(error.details, dict):
				raise
			# Our reference was used before: by an attempt whose answer we lost. Sendcloud returns
			# the shipment it announced then, which is the label to record (and already paid for).
			body = error.details
		return self._label(body, rate)

	def _label(self, body, rate):
		data = body.get("data") or {}
		announced = [parcel for parcel in data.get("parcels") or [] if isinstance(parcel, dict)]
		require(announced, self.provider, "an announced parcel", body)
		errors = dig(data, "errors") or [e for parcel in announced for e in parcel.get("errors") or []]
		if errors:
			raise PermanentError("; ".join(_error_line(e) for e in errors if isinstance(e, dict)), status=200)
		parcels, documents = [], []
		for parcel in announced:
			links = {doc.get("type"): doc.get("link") for doc in parcel.get("documents") or []}
			parcels.append(
				ParcelLabel(
					tracking_number=str(
						require(parcel.get("tracking_number"), self.provider, "a tracking number", body)
					),
					label_ref=str(parcel.get("id") or data.get("id")),
					label_url=require(links.get("label"), self.provider, "a label document", body),
					tracking_url=parcel.get("tracking_url"),
				)
			)
			if links.get("commercial-invoice"):
				documents.append(Document(kind="commercial_invoice", url=links["commercial-invoice"]))
		shipment_id = str(require(data.get("id"), self.provider, "a shipment id", body))
		return label_from_parcels(
			self.provider,
			tuple(parcels),
			carrier=rate.carrier,  # the shipment the v3 API answers names no carrier
			service=rate.service,
			label_ref=shipment_id,
			price=rate.amount,  # Sendcloud's answer has no price: the quote's, kept on the server
			currency=rate.currency,
			label_format=self.label_format,
			documents=tuple(documents),
			provider_shipment_id=shipment_id,
		)

	def void_label(self, label_ref):
		try:
			body = self.call("POST", f"/shipments/{label_ref}/cancel")
		except PermanentError as error:
			if error.status != 409:
				raise
			return VoidResult(
				label_ref=label_ref,
				state="refused",
				message=f"Sendcloud refused to cancel shipment {label_ref}: {error.remote_message} "
				"(Sendcloud refuses a shipment already cancelled or being cancelled, a delivered one, "
				"and one announced more than 42 days ago.)",
			)
		# 200 {status: cancelled}; 202 {status: queued}: cancelled later unless the parcel moves first.
		status = str(dig(body, "data", "status") or "")
		return VoidResult(
			label_ref=label_ref,
			state="voided" if status == "cancelled" else "pending",
			message=dig(body, "data", "message") or status,
		)

	def track(self, tracking_number, carrier=None):
		"""The parcel-tracking object: tracking_numbers[] and events[]; the latest event is the status."""
		body = self.call("GET", f"/parcels/tracking/{tracking_number}")
		numbers = [n for n in body.get("tracking_numbers") or [] if isinstance(n, dict)]
		ours = next((n for n in numbers if n.get("tracking_number") == tracking_number), None)
		ours = ours or (numbers[0] if numbers else {})
		events = [e for e in body.get("events") or [] if isinstance(e, dict)]
		# Chronological, says the reference; sorted anyway, and of equal times the later listed wins.
		latest = sorted(events, key=lambda e: str(e.get("event_at") or ""))[-1] if events else {}
		raw = latest.get("status_code")
		return TrackingUpdate(
			provider=self.provider,
			tracking_number=str(ours.get("tracking_number") or tracking_number),
			status=self.normalise(raw),
			carrier=ours.get("carrier_code") or carrier,
			carrier_status=str(raw) if raw else None,
			message=latest.get("status_description"),
			occurred_at=latest.get("event_at") or body.get("updated_at"),
			tracking_url=ours.get("tracking_url"),
			estimated_delivery=dig(body, "details", "expected_delivery_date"),
		)

	@classmethod
	def verify_webhook(cls, body, headers, query, secret):
		keys = secrets_list(secret)
		if not keys or not verify_hmac(body, headers.get("sendcloud-signature"), keys, "hex"):
			raise SignatureError("Sendcloud-Signature does not match the body")

	@classmethod
	def recognises(cls, payload):
		return "action" in payload and "timestamp" in payload

	@classmethod
	def parse_webhook(cls, body, headers):
		payload = load_webhook_json(body)
		if not cls.recognises(payload):
			raise ValueError("not a Sendcloud webhook: expected {action, timestamp}")
		if payload["action"] != "parcel_status_changed" or not isinstance(payload.get("parcel"), dict):
			return None
		parcel = payload["parcel"]
		status_id, message = dig(parcel, "status", "id"), dig(parcel, "status", "message")
		status = cls.normalise(message)
		if status == model.UNKNOWN and status_id in STATUS_IDS:
			status = cls.normalise(STATUS_IDS[status_id])
		return TrackingUpdate(
			provider=cls.provider,
			tracking_number=str(
				require(parcel.get("tracking_number"), cls.provider, "a tracking number", parcel)
			),
			status=status,
			carrier=dig(parcel, "carrier", "code"),
			carrier_status=str(message or status_id),
			message=message,
			occurred_at=str(payload.get("carrier_status_change_timestamp") or payload["timestamp"]),
			tracking_url=parcel.get("tracking_url"),
			event_id=f"{parcel.get('id')}:{status_id}:{payload['timestamp']}",
		)

	def fetch_file(self, url, file_format=None):
		"""Sendcloud's documents are API resources, fetched with our credentials in the format asked
		(its `Accept` header); a link anywhere else is refused."""
		if not same_origin(url, self.base_url):
			raise PermanentError(
				f"Sendcloud document link {url} is not on {self.base_url}; refusing to send credentials"
			)
		accept = MIME_TYPES.get(str(file_format or "PDF").upper(), "application/pdf")
		return self.http.request("GET", url, headers={"Accept": accept}).content

	# mapping
	def _parcels(self, shipment, declarations=None):
		parcels = []
		for index, parcel in enumerate(shipment.parcels):
			item = {"weight": {"value": str(parcel.weight_in("kg").quantize(Decimal("0.001"))), "unit": "kg"}}
			sides = parcel.dimensions_in("cm")
			if sides:
				item["dimensions"] = {
					**{
						k: str(v.quantize(Decimal("0.1")))
						for k, v in zip(("length", "width", "height"), sides, strict=True)
					},
					"unit": "cm",
				}
			if declarations and declarations[index] is not None:
				item["parcel_items"] = [_parcel_item(line) for line in declarations[index].items]
			parcels.append(item)
		return parcels

	def _options_body(self, shipment):
		"""The spec's shipping-option-filter: the route as flat keys (an address object would be ignored)."""
		route = {
			"from_country_code": shipment.from_address.country,
			"from_postal_code": shipment.from_address.postal_code,
			"to_country_code": shipment.to_address.country,
			"to_postal_code": shipment.to_address.postal_code,
		}
		return {
			**{key: value for key, value in route.items() if value},
			"parcels": self._parcels(shipment),
			"calculate_quotes": True,
		}

	def _announce_body(self, shipment, rate, idempotency_key):
		customs = shipment.customs_for(self.provider)
		declarations = (
			model.customs_by_parcel(customs, shipment.parcels, shipment.reference) if customs else None
		)
		zpl = self.label_format == "ZPL"
		body = {
			"from_address": _address(shipment.from_address),
			"to_address": _address(shipment.to_address),
			"ship_with": {
				"type": "shipping_option_code",
				"properties": {"shipping_option_code": rate.service_code or rate.rate_id},
			},
			"parcels": self._parcels(shipment, declarations),
			"order_number": shipment.reference,
			"external_reference_id": idempotency_key,
			# ZPL's resolution is the carrier's; 203 dpi is what most use (the document's own note).
			"label_details": {"mime_type": MIME_TYPES["ZPL" if zpl else "PDF"], "dpi": 203 if zpl else 72},
		}
		if customs is not None:
			body["customs_information"] = _customs_information(customs)
		return body


def _customs_information(customs) -> dict:
	"""The shipment's customs-information: the invoice number and why the goods are exported."""
	information = {
		"invoice_number": (customs.invoice_number or "")[:40],
		"export_reason": EXPORT_REASONS.get(customs.contents_type, "commercial_goods"),
	}
	if customs.contents_type in ("return", "other"):
		information["general_notes"] = (
			"Returned goods" if customs.contents_type == "return" else "Other goods"
		)
	return information


def _parcel_item(line) -> dict:
	"""A parcel-items entry: hs_code and origin_country are required abroad (the document says so)."""
	return {
		"description": line.description[:255],
		"quantity": line.quantity,
		"weight": {"value": float(line.weight_kg.quantize(Decimal("0.001"))), "unit": "kg"},  # a number here
		"price": {"value": str(line.value), "currency": line.currency},  # a decimal string
		"hs_code": line.hs_code[:12],
		"origin_country": line.origin_country,
		**({"sku": line.sku} if line.sku else {}),
	}


def _days(lead_hours) -> int | None:
	if isinstance(lead_hours, bool) or not isinstance(lead_hours, int | Decimal):
		return None
	return math.ceil(Decimal(lead_hours) / 24)


def _address(address):
	fields = {
		"name": address.name,
		"company_name": address.company,
		"address_line_1": address.street1,
		"house_number": address.house_number,
		"address_line_2": address.street2,
		"postal_code": address.postal_code,
		"city": address.city,
		"country_code": address.country,
		"state_province_code": address.state,
		"phone_number": address.phone,
		"email": address.email,
	}
	return {key: value for key, value in fields.items() if value not in (None, "")}
