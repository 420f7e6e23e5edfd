"""Shiprocket (https://apidocs.shiprocket.in), India's shipping aggregator (Blue Dart, Delhivery, ...).

Auth: POST /auth/login with the API user's email and password gives a token valid for 10 days; it is
kept in the account's token cache (Redis, shared by workers) and renewed when it expires or is refused.
Rates: GET /courier/serviceability for the pickup and delivery pincodes, weight, size and COD.
A label: a custom order (POST /orders/create/adhoc), an AWB from the chosen courier
(POST /courier/assign/awb), a pickup request and the label (POST /courier/generate/label). Shiprocket
documents no idempotency key, so the order is first looked up by our own order id (GET /orders?search=)
and never created twice: a purchase interrupted after any step resumes there.
One Shiprocket order per parcel (an order carries one package). Cancel: POST /orders/cancel.
Tracking: GET /courier/track/awb/{awb} and the tracking webhook, which carries the token set in
Shiprocket's panel as `x-api-key` (no signature).
Shapes follow the OpenAPI document generated from Shiprocket's Postman collection (tests/data).
"""

import math
import re
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from erp_connectors.connectors.errors import AuthError, NeedsAttention, PermanentError, SignatureError
from erp_connectors.connectors.http import HttpClient
from erp_connectors.connectors.redaction import secret
from erp_connectors.connectors.signatures import matches_any
from erp_connectors.shipping_connector.carriers import model
from erp_connectors.shipping_connector.carriers.base import (
	Carrier,
	dig,
	load_webhook_json,
	money,
	require,
	secrets_list,
	transit_days,
)
from erp_connectors.shipping_connector.carriers.model import (
	ParcelLabel,
	Rate,
	TrackingUpdate,
	VoidResult,
	label_from_parcels,
)

TOKEN_SECONDS = 9 * 24 * 3600  # the token lives 10 days; renewed a day early
TRACKING_PAGE = "https://shiprocket.co/tracking/{awb}"
# Shiprocket's status labels (sr-status-label / current_status), as its tracking examples spell them.
STATUS_GROUPS = {
	model.PRE_TRANSIT: "new awb_assigned label_generated pickup_scheduled pickup_generated pickup_queued "
	"manifest_generated out_for_pickup pickup_rescheduled",
	model.IN_TRANSIT: "picked_up shipped in_transit reached_at_destination_hub reached_at_destination "
	"delayed misrouted in_flight handover_to_courier",
	model.OUT_FOR_DELIVERY: "out_for_delivery",
	model.DELIVERED: "delivered",
	model.EXCEPTION: "undelivered pickup_exception pickup_error lost damaged destroyed rto_initiated "
	"rto_in_transit rto_ndr rto_ofd rto_acknowledged untraceable",
	model.RETURNED: "rto_delivered",
	model.CANCELLED: "canceled cancelled cancellation_requested",
}
STATUS_MAP = {name: status for status, names in STATUS_GROUPS.items() for name in names.split()}
COUNTRIES = {"IN": "India"}


class ShiprocketHttp(HttpClient):
	service = "shiprocket"

	def error_message(self, response):
		"""{"message", "errors": {field: [text]}, "status_code"}: the message and each field's words."""
		try:
			body = response.json()
		except ValueError:
			return super().error_message(response)
		if not isinstance(body, dict):
			return super().error_message(response)
		parts = [str(body.get("message") or "")]
		for field, texts in (
			(body.get("errors") or {}).items() if isinstance(body.get("errors"), dict) else ()
		):
			parts.append(f"{field}: {'; '.join(map(str, texts if isinstance(texts, list) else [texts]))}")
		return " ".join(part for part in parts if part) or super().error_message(response)


class _OwnCache:
	"""A token store for one client (tests); the Frappe side passes the account's shared one."""

	def __init__(self):
		self.token = None

	def get(self):
		return self.token

	def set(self, token, seconds):
		self.token = token

	def clear(self):
		self.token = None


class ShiprocketCarrier(Carrier):
	provider = "Shiprocket"
	default_base_url = "https://apiv2.shiprocket.in/v1/external"
	hosts = ("apiv2.shiprocket.in",)
	# Labels are on S3 (kr-shipmultichannel.s3.ap-southeast-1.amazonaws.com in Shiprocket's examples).
	file_hosts = ("*.amazonaws.com", "*.shiprocket.in", "*.shiprocket.co")
	label_formats = ("PDF",)
	voids_per_parcel = True  # one Shiprocket order per parcel
	status_map = STATUS_MAP
	http_class = ShiprocketHttp

	def authenticate(self, session):
		"""Nothing is sent until a call needs it: the token comes from the cache or a login then."""
		self.tokens = self.settings.get("token_cache") or _OwnCache()
		self.setting("username")
		self.setting("password")

	def secret_values(self):
		return (*super().secret_values(), *(str(t) for t in [getattr(self, "_token", None)] if t))

	# the token
	def call(self, method, path, **kwargs):
		self._bearer()
		try:
			return super().call(method, path, **kwargs)
		except AuthError:
			# Expired or revoked before its 10 days: log in again, once.
			self.tokens.clear()
			self._bearer()
			return super().call(method, path, **kwargs)

	def _bearer(self):
		token = self.tokens.get()
		if not token:
			body = super().call(
				"POST",
				"/auth/login",
				json={"email": self.setting("username"), "password": self.setting("password")},
				headers={"Authorization": None},
			)
			token = secret(str(require(body.get("token"), self.provider, "a token", "(login answer)")))
			self.tokens.set(token, TOKEN_SECONDS)
		self._token = token
		self.http.secrets = tuple(dict.fromkeys((*self.http.secrets, str(token))))
		self.http.session.headers["Authorization"] = f"Bearer {token}"

	# the operations
	def rates(self, shipment):
		self._domestic(shipment)
		per_parcel = []
		for parcel in shipment.parcels:
			body = self.call("GET", "/courier/serviceability", params=self._serviceability(shipment, parcel))
			couriers = dig(body, "data", "available_courier_companies") or []
			per_parcel.append(
				{str(c.get("courier_company_id")): c for c in couriers if c.get("courier_company_id")}
			)
		common = [key for key in per_parcel[0] if all(key in p for p in per_parcel[1:])] if per_parcel else []
		return [self._rate([parcel[key] for parcel in per_parcel]) for key in common]

	def buy_label(self, shipment, rate, idempotency_key):
		self._domestic(shipment)
		if len(rate.parts) != len(shipment.parcels):
			raise NeedsAttention(
				f"The rate covers {len(rate.parts)} parcel(s) but Shipment {shipment.reference} has "
				f"{len(shipment.parcels)}. Get rates again."
			)
		parcels = tuple(
			self._buy_parcel(shipment, index, parcel, rate) for index, parcel in enumerate(shipment.parcels)
		)
		return label_from_parcels(
			self.provider,
			tuple(label for label, _ in parcels),
			carrier=parcels[0][1] or rate.carrier,
			service=rate.service,
			label_ref=parcels[0][0].label_ref,
			price=rate.amount,  # the AWB answer holds no amount: the serviceability quote's, kept on the server
			currency=rate.currency,
			label_format="PDF",
			provider_shipment_id=parcels[0][0].label_ref,
		)

	def _buy_parcel(self, shipment, index, parcel, rate):
		"""Order, AWB, pickup and label of one parcel; each step skipped when already done."""
		order_id = _order_id(shipment, index)
		order = self._find_order(order_id)
		if order is None:
			created = self.call(
				"POST", "/orders/create/adhoc", json=self._order(shipment, index, parcel, order_id)
			)
			order = {
				"id": require(created.get("order_id"), self.provider, "an order id", created),
				"shipment_id": require(created.get("shipment_id"), self.provider, "a shipment id", created),
				"awb": created.get("awb_code") or "",
				"courier": created.get("courier_name") or "",
			}
		courier = order["courier"]
		if not order["awb"]:
			courier_id = int(rate.parts[index]["courier_id"])
			answer = self.call(
				"POST",
				"/courier/assign/awb",
				json={"shipment_id": int(order["shipment_id"]), "courier_id": courier_id},
			)
			data = dig(answer, "response", "data") or {}
			if answer.get("awb_assign_status") != 1 or not data.get("awb_code"):
				raise PermanentError(f"Shiprocket assigned no AWB: {str(answer)[:300]}", status=200)
			order["awb"], courier = str(data["awb_code"]), data.get("courier_name") or courier
			self.call("POST", "/courier/generate/pickup", json={"shipment_id": [int(order["shipment_id"])]})
		labelled = self.call(
			"POST", "/courier/generate/label", json={"shipment_id": [int(order["shipment_id"])]}
		)
		url = labelled.get("label_url")
		if labelled.get("label_created") != 1 or not url:
			raise PermanentError(
				f"Shiprocket made no label: {labelled.get('response') or labelled}", status=200
			)
		label = ParcelLabel(
			tracking_number=str(order["awb"]),
			label_ref=str(order["id"]),
			label_url=url,
			tracking_url=TRACKING_PAGE.format(awb=order["awb"]),
		)
		return label, courier

	def _find_order(self, order_id):
		"""Our order by our own id (Shiprocket's `channel_order_id`), unless it was cancelled."""
		body = self.call("GET", "/orders", params={"search": order_id, "per_page": 50})
		for order in body.get("data") or []:
			if order.get("channel_order_id") == order_id and str(order.get("status")).upper() != "CANCELED":
				shipment = (order.get("shipments") or [{}])[0]
				return {
					"id": order["id"],
					"shipment_id": shipment.get("id"),
					"awb": shipment.get("awb") or "",
					"courier": shipment.get("courier") or "",
				}
		return None

	def void_label(self, label_ref):
		"""Cancel the order (204): the AWB goes with it and Shiprocket refunds its wallet."""
		self._bearer()
		response = self.http.request("POST", "/orders/cancel", json={"ids": [int(label_ref)]})
		if response.status_code != 204 and response.content:
			body = response.json()
			raise PermanentError(str(body.get("message") or body), status=response.status_code)
		return VoidResult(label_ref=label_ref, state="voided", message="cancelled")

	def void_parcel(self, label_ref, parcel_ref, parcels_left):
		return self.void_label(parcel_ref)

	def track(self, tracking_number, carrier=None):
		body = self.call("GET", f"/courier/track/awb/{tracking_number}")
		data = body.get("tracking_data") or {}
		if not data.get("track_status") and data.get("error"):
			return TrackingUpdate(
				self.provider, tracking_number, model.PRE_TRANSIT, message=str(data["error"])
			)
		track = (data.get("shipment_track") or [{}])[0]
		activities = data.get("shipment_track_activities") or []
		latest = activities[0] if activities else {}
		raw = track.get("current_status") or latest.get("sr-status-label")
		return TrackingUpdate(
			provider=self.provider,
			tracking_number=str(track.get("awb_code") or tracking_number),
			status=self.normalise(raw),
			carrier=track.get("courier_name") or carrier,
			carrier_status=raw,
			message=latest.get("activity") or raw,
			occurred_at=latest.get("date"),
			tracking_url=data.get("track_url"),
			estimated_delivery=data.get("etd"),
		)

	@classmethod
	def verify_webhook(cls, body, headers, query, secret):
		"""Shiprocket signs nothing: the webhook carries the token set in its panel as `x-api-key`."""
		if not matches_any(secrets_list(secret), headers.get("x-api-key")):
			raise SignatureError("x-api-key does not match the account's webhook secret")

	@classmethod
	def recognises(cls, payload):
		return "awb" in payload and "current_status" in payload

	@classmethod
	def parse_webhook(cls, body, headers):
		payload = load_webhook_json(body)
		if not cls.recognises(payload):
			raise ValueError("not a Shiprocket tracking webhook: expected {awb, current_status}")
		scans = [scan for scan in payload.get("scans") or [] if isinstance(scan, dict)]
		latest = max(scans, key=lambda scan: str(scan.get("date") or "")) if scans else {}
		raw = payload.get("current_status")
		return TrackingUpdate(
			provider=cls.provider,
			tracking_number=str(require(payload.get("awb"), cls.provider, "an AWB", payload)),
			status=cls.normalise(raw),
			carrier=payload.get("courier_name"),
			carrier_status=str(raw),
			message=latest.get("activity") or raw,
			occurred_at=latest.get("date") or payload.get("current_timestamp"),
			estimated_delivery=payload.get("etd"),
			event_id=f"{payload.get('awb')}:{payload.get('current_status_id')}:{payload.get('current_timestamp')}",
		)

	# mapping
	def _domestic(self, shipment):
		if shipment.from_address.country != "IN" or shipment.to_address.country != "IN":
			raise NeedsAttention(
				"This Shiprocket account ships within India; international parcels go through Shiprocket X, "
				"which this connector does not book. Use another carrier for "
				f"{shipment.from_address.country} to {shipment.to_address.country}."
			)

	def _serviceability(self, shipment, parcel):
		sides = parcel.dimensions_in("cm")
		params = {
			"pickup_postcode": _pincode(shipment.from_address),
			"delivery_postcode": _pincode(shipment.to_address),
			"weight": str(parcel.weight_in("kg").quantize(Decimal("0.001"))),
			"cod": 1 if shipment.cod_amount else 0,
		}
		if sides:
			params.update(zip(("length", "breadth", "height"), (_whole(side) for side in sides), strict=True))
		value = _share(shipment, shipment.cod_amount or shipment.value)
		if value:
			params["declared_value"] = value
		return params

	def _rate(self, couriers):
		first = couriers[0]
		parts = tuple(
			{
				"courier_id": str(c["courier_company_id"]),
				"amount": str(money(c.get("rate"), self.provider, "a rate")),
			}
			for c in couriers
		)
		days = [transit_days(c.get("estimated_delivery_days")) for c in couriers]
		return Rate(
			provider=self.provider,
			account=self.account,
			rate_id=parts[0]["courier_id"],
			carrier=str(first.get("courier_name") or ""),
			service=str(first.get("courier_name") or ""),
			amount=sum((Decimal(part["amount"]) for part in parts), Decimal(0)),
			currency="INR",
			transit_days=max(days) if None not in days else None,
			service_code=parts[0]["courier_id"],
			parts=parts,
		)

	def _order(self, shipment, index, parcel, order_id):
		to = shipment.to_address
		first, _, last = (to.name or to.company or "").partition(" ")
		sides = parcel.dimensions_in("cm")
		if not sides:
			raise NeedsAttention(
				f"Shiprocket needs each parcel's length, breadth and height: parcel {index + 1} of Shipment "
				f"{shipment.reference} has none. Fill them in on the Shipment's parcel rows."
			)
		value = _share(shipment, shipment.cod_amount or shipment.value) or 1
		return {
			"order_id": order_id,
			"order_date": datetime.now().strftime("%Y-%m-%d %H:%M"),
			"pickup_location": self.setting("pickup_location"),
			"billing_customer_name": first or to.company,
			"billing_last_name": last,
			"billing_address": " ".join(filter(None, (to.house_number, to.street1))),
			"billing_address_2": to.street2 or "",
			"billing_city": to.city[:30],
			"billing_pincode": _pincode(to),
			"billing_state": _required(to.state, "state", to),
			"billing_country": COUNTRIES.get(to.country, to.country),
			"billing_email": _required(to.email, "email", to),
			"billing_phone": _phone(to),
			"shipping_is_billing": True,
			"order_items": [
				{
					"name": (shipment.description or f"Shipment {shipment.reference}")[:100],
					"sku": shipment.reference,
					"units": "1",
					"selling_price": str(value),
				}
			],
			"payment_method": "COD" if shipment.cod_amount else "Prepaid",
			"sub_total": value,
			"length": float(sides[0].quantize(Decimal("0.1"))),
			"breadth": float(sides[1].quantize(Decimal("0.1"))),
			"height": float(sides[2].quantize(Decimal("0.1"))),
			"weight": float(parcel.weight_in("kg").quantize(Decimal("0.001"))),
		}


def _order_id(shipment, index) -> str:
	"""Our own order id: the Shipment's name, and the parcel's number when there are several."""
	suffix = f"-{index + 1}" if len(shipment.parcels) > 1 else ""
	prefix = "R-" if shipment.is_return else ""
	return f"{prefix}{shipment.reference}{suffix}"[:50]


def _share(shipment, amount) -> int | None:
	"""A parcel's whole-rupee part of an amount (the document types sub_total and declared value as integers)."""
	if not amount:
		return None
	part = Decimal(amount) / len(shipment.parcels)
	return int(part.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _whole(value: Decimal) -> int:
	return max(1, math.ceil(value))


def _pincode(address) -> int:
	code = re.sub(r"\s", "", address.postal_code or "")
	if not re.fullmatch(r"[1-9][0-9]{5}", code):
		raise NeedsAttention(
			f"Shiprocket needs a 6-digit Indian pincode; {address.name or address.city}'s is {address.postal_code!r}."
		)
	return int(code)


def _phone(address) -> int:
	digits = re.sub(r"\D", "", address.phone or "")
	if len(digits) > 10 and digits.startswith("91"):
		digits = digits[-10:]
	if len(digits) != 10:
		raise NeedsAttention(
			f"Shiprocket needs the recipient's 10-digit mobile number; {address.name or address.city}'s is "
			f"{address.phone!r}. Set it on the delivery Contact or Address."
		)
	return int(digits)


def _required(value, field, address):
	if not value:
		raise NeedsAttention(
			f"Shiprocket needs the recipient's {field}; {address.name or address.city} has none. Set it on the "
			"delivery Contact or Address."
		)
	return value
