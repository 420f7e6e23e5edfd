"""DHL Parcel DE Shipping API v2 (orders, base64 labels, delete) plus tracking by polling.

Auth: header `dhl-api-key` AND HTTP Basic with the business customer user and password.

Rates: DHL Parcel DE has no rate API. `rates()` returns the account's own flat rate
table, setting `flat_rates`: a list (or JSON text) of
  {"product": "V01PAK", "service": "DHL Paket", "amount": "4.99", "currency": "EUR",
   "transit_days": 2, "max_weight_kg": "31.5", "billing_number": "33333333330102"}
(`billing_number` per row is optional; the account's `billing_number` is the default).

Tracking: the separate "Shipment Tracking - Unified" API, GET /track/shipments?trackingNumber=
with header DHL-API-Key (setting `tracking_base_url`, default https://api-eu.dhl.com; setting
`tracking_api_key`, default the account's API key). DHL sends no webhooks, so tracking is polled.
"""

import base64
import binascii
import json
import re
from decimal import Decimal

from erp_connectors.connectors.errors import NeedsAttention, PermanentError
from erp_connectors.connectors.http import HttpClient
from erp_connectors.shipping_connector.carriers import model
from erp_connectors.shipping_connector.carriers.base import (
	Carrier,
	decode_json,
	dig,
	money,
	require,
	transit_days,
)
from erp_connectors.shipping_connector.carriers.model import Label, Rate, TrackingUpdate, VoidResult

PROFILE = "STANDARD_GRUPPENPROFIL"
STATUS_MAP = {
	"pre_transit": model.PRE_TRANSIT,
	"transit": model.IN_TRANSIT,
	"delivered": model.DELIVERED,
	"failure": model.EXCEPTION,
	"unknown": model.UNKNOWN,
}
# The lengths of DHL's Shipper and ContactAddress schemas (OpenAPI 2.1.12). Names and the extra address
# line are cut to fit; the others are refused when too long, as a cut one would be a wrong address.
MAX_LENGTHS = {
	"name1": 50,
	"name2": 50,
	"name3": 50,
	"additionalAddressInformation1": 60,
	"addressStreet": 50,
	"addressHouse": 10,
	"postalCode": 10,
	"city": 40,
	"email": 80,
	"phone": 20,
}
CUT_TO_FIT = ("name1", "name2", "name3", "additionalAddressInformation1")
POSTAL_CODE = re.compile(r"[0-9A-Za-z]+([ -]?[0-9A-Za-z]+)*")
# DHL wants ISO 3166-1 alpha-3; the ERP gives alpha-2.
ISO3 = dict(
	pair.split(":")
	for pair in (
		"AT:AUT BE:BEL BG:BGR CH:CHE CY:CYP CZ:CZE DE:DEU DK:DNK EE:EST ES:ESP FI:FIN FR:FRA GB:GBR GR:GRC "
		"HR:HRV HU:HUN IE:IRL IS:ISL IT:ITA LI:LIE LT:LTU LU:LUX LV:LVA MC:MCO MT:MLT NL:NLD NO:NOR PL:POL "
		"PT:PRT RO:ROU RS:SRB SE:SWE SI:SVN SK:SVK TR:TUR UA:UKR US:USA CA:CAN AU:AUS JP:JPN CN:CHN"
	).split()
)


class DhlHttp(HttpClient):
	service = "dhl_parcel_de"

	def error_message(self, response):
		"""application/problem+json: {status{title,statusCode,detail}, items[].validationMessages[]}."""
		try:
			body = response.json()
		except ValueError:
			return super().error_message(response)
		return problem_text(body) or super().error_message(response)


def problem_text(body) -> str:
	if not isinstance(body, dict):
		return ""
	status = body.get("status") if isinstance(body.get("status"), dict) else body
	parts = [str(status.get("detail") or status.get("title") or "")] if isinstance(status, dict) else []
	for item in body.get("items") or []:
		for message in dig(item, "validationMessages") or []:
			text = message.get("validationMessage") if isinstance(message, dict) else message
			where = message.get("property") if isinstance(message, dict) else None
			parts.append(f"{where}: {text}" if where else str(text))
		if not dig(item, "validationMessages") and dig(item, "sstatus", "statusCode") not in (None, 200):
			parts.append(str(dig(item, "sstatus", "detail") or dig(item, "sstatus", "title")))
	return "; ".join(part for part in parts if part)


class DhlTrackingHttp(DhlHttp):
	service = "dhl_tracking"


class DhlParcelDeCarrier(Carrier):
	provider = "DHL Parcel DE"
	default_base_url = "https://api-eu.dhl.com/parcel/de/shipping/v2"
	sandbox_base_url = "https://api-sandbox.dhl.com/parcel/de/shipping/v2"
	default_tracking_url = "https://api-eu.dhl.com"
	hosts = ("api-eu.dhl.com", "api-sandbox.dhl.com")
	supports_webhooks = False
	status_map = STATUS_MAP
	http_class = DhlHttp

	def __init__(self, account, settings, **http_options):
		super().__init__(account, settings, **http_options)
		tracking_base = (settings.get("tracking_base_url") or self.default_tracking_url).rstrip("/")
		self.tracking_http = DhlTrackingHttp(tracking_base, secrets=self.secret_values(), **http_options)
		self.tracking_http.session.headers["DHL-API-Key"] = settings.get("tracking_api_key") or self.setting(
			"api_key"
		)

	def authenticate(self, session):
		session.headers["dhl-api-key"] = self.setting("api_key")
		session.auth = (self.setting("username"), self.setting("password"))

	def rates(self, shipment):
		rows = self._flat_rates()
		weight = sum((parcel.weight_in("kg") for parcel in shipment.parcels), Decimal(0))
		rates = []
		for row in rows:
			# An empty Max Weight is stored as 0 by the form: no limit, not "nothing fits".
			limit = row.get("max_weight_kg")
			if limit not in (None, "") and money(limit, self.provider, "max_weight_kg") > 0:
				if weight > money(limit, self.provider, "max_weight_kg"):
					continue
			product = str(
				require(row.get("product"), self.provider, "a product code in a flat rate row", row)
			)
			rates.append(
				Rate(
					provider=self.provider,
					account=self.account,
					rate_id=product,
					carrier="DHL",
					service=str(row.get("service") or product),
					amount=money(row.get("amount"), self.provider, "a flat rate amount"),
					currency=str(row.get("currency") or "EUR"),
					transit_days=transit_days(row.get("transit_days")),
					service_code=product,
				)
			)
		return rates

	def buy_label(self, shipment, rate, idempotency_key):
		parcel = shipment.single_parcel(self.provider)
		order = {
			"product": rate.service_code or rate.rate_id,
			"billingNumber": self._billing_number(rate),
			"refNo": _reference(idempotency_key),
			"shipper": _shipper(shipment.from_address),
			"consignee": _consignee(shipment.to_address),
			"details": {"weight": {"uom": "g", "value": int(parcel.weight_in("g").to_integral_value())}},
		}
		sides = parcel.dimensions_in("mm")
		if sides:
			order["details"]["dim"] = {
				"uom": "mm",
				**{
					k: int(v.to_integral_value())
					for k, v in zip(("length", "width", "height"), sides, strict=True)
				},
			}
		body = self.call(
			"POST", "/orders", params={"docFormat": "PDF"}, json={"profile": PROFILE, "shipments": [order]}
		)
		item = dig(body, "items", 0) or {}
		if not item.get("shipmentNo"):
			raise PermanentError(problem_text(body) or f"DHL created no shipment: {str(body)[:300]}")
		return Label(
			provider=self.provider,
			tracking_number=str(item["shipmentNo"]),
			carrier="DHL",
			service=rate.service,
			label_ref=str(item["shipmentNo"]),
			price=rate.amount,
			currency=rate.currency,
			tracking_url=f"https://www.dhl.de/de/privatkunden/dhl-sendungsverfolgung.html?piececode={item['shipmentNo']}",
			label_bytes=_decode_label(item, body),
			label_url=dig(item, "label", "url"),
			label_format=str(dig(item, "label", "fileFormat") or "PDF"),
			provider_shipment_id=str(item["shipmentNo"]),
		)

	def void_label(self, label_ref):
		body = self.call("DELETE", "/orders", params={"profile": PROFILE, "shipment": label_ref})
		if dig(body, "items", 0, "sstatus", "statusCode") not in (None, 200):
			raise PermanentError(problem_text(body), status=200)
		return VoidResult(label_ref=label_ref, state="voided", message=dig(body, "status", "title"))

	def track(self, tracking_number, carrier=None):
		response = self.tracking_http.request(
			"GET", "/track/shipments", params={"trackingNumber": tracking_number}
		)
		body = decode_json(response, self.provider)
		shipment = require(dig(body, "shipments", 0), self.provider, "a tracked shipment", body)
		status = shipment.get("status") or {}
		return TrackingUpdate(
			provider=self.provider,
			tracking_number=str(shipment.get("id") or tracking_number),
			status=self.normalise(status.get("statusCode")),
			carrier="DHL",
			carrier_status=status.get("statusCode"),
			message=status.get("description") or status.get("status"),
			occurred_at=status.get("timestamp"),
			tracking_url=shipment.get("serviceUrl"),
			estimated_delivery=shipment.get("estimatedTimeOfDelivery"),
		)

	@classmethod
	def verify_webhook(cls, body, headers, query, secret):
		raise PermanentError("DHL Parcel DE sends no webhooks; its tracking is polled.")

	@classmethod
	def parse_webhook(cls, body, headers):
		raise PermanentError("DHL Parcel DE sends no webhooks; its tracking is polled.")

	# mapping
	def _flat_rates(self) -> list[dict]:
		rows = self.settings.get("flat_rates")
		if isinstance(rows, str):
			try:
				rows = json.loads(rows)
			except ValueError:
				raise NeedsAttention(
					f"Carrier Account {self.account}: flat_rates is not valid JSON."
				) from None
		if not rows:
			raise NeedsAttention(
				f"DHL Parcel DE has no rate API. Add at least one flat rate (product, amount, currency) "
				f"to Carrier Account {self.account}."
			)
		return list(rows)

	def _billing_number(self, rate):
		for row in self._flat_rates():
			if row.get("product") == (rate.service_code or rate.rate_id) and row.get("billing_number"):
				return str(row["billing_number"])
		return str(self.setting("billing_number"))


def _reference(key: str) -> str:
	# refNo must be 8 to 35 characters.
	return key[-35:].ljust(8, "0")


def _decode_label(item, body) -> bytes | None:
	encoded = dig(item, "label", "b64")
	if not encoded:
		if dig(item, "label", "url"):
			return None
		raise PermanentError(f"DHL answered without a label: {str(body)[:300]}")
	try:
		return base64.b64decode(encoded)
	except (binascii.Error, ValueError):
		raise PermanentError("DHL sent a label that is not valid base64") from None


def _iso3(address) -> str:
	country = ISO3.get((address.country or "").upper())
	if not country:
		raise NeedsAttention(
			f"DHL Parcel DE needs an ISO-3 country code for {address.country!r}; add it to ISO3 in "
			"erp_connectors/shipping_connector/carriers/dhl_parcel_de.py or correct the address's country."
		)
	return country


def _shipper(address):
	"""DHL's Shipper schema: no phone and no additional address line, so a second street line is
	printed as name3."""
	fields = {
		"name1": address.company or address.name,
		"name2": address.name if address.company else None,
		"name3": address.street2,
		"addressStreet": address.street1,
		"addressHouse": address.house_number,
		"postalCode": address.postal_code,
		"city": address.city,
		"country": _iso3(address),
		"email": address.email,
	}
	return _fitted(fields, "sender")


def _consignee(address):
	"""DHL's ContactAddress schema (the doorstep branch of Consignee)."""
	fields = {
		"name1": address.company or address.name,
		"name2": address.name if address.company else None,
		"addressStreet": address.street1,
		"addressHouse": address.house_number,
		"additionalAddressInformation1": address.street2,
		"postalCode": address.postal_code,
		"city": address.city,
		"country": _iso3(address),
		"email": address.email,
		"phone": _phone(address.phone),
	}
	return _fitted(fields, "recipient")


def _fitted(fields: dict, side: str) -> dict:
	"""Free text cut to DHL's lengths; a field that would be wrong once cut is refused instead."""
	fitted = {}
	for key, value in fields.items():
		if value in (None, ""):
			continue
		value = str(value).strip()
		if key in CUT_TO_FIT:
			value = value[: MAX_LENGTHS[key]]
		elif key in MAX_LENGTHS and len(value) > MAX_LENGTHS[key]:
			raise NeedsAttention(
				f"DHL Parcel DE takes at most {MAX_LENGTHS[key]} characters for the {side}'s {key}; "
				f"{value!r} has {len(value)}. Shorten it on the Address (cutting it would send a wrong address)."
			)
		fitted[key] = value
	code = fitted.get("postalCode")
	if code is not None and (len(code) < 3 or not POSTAL_CODE.fullmatch(code)):
		raise NeedsAttention(
			f"DHL Parcel DE takes a postal code of 3 to 10 letters and digits (a space or hyphen between "
			f"them allowed); the {side}'s postal code is {fitted['postalCode']!r}. Correct it on the Address."
		)
	return fitted


def _phone(phone: str | None) -> str | None:
	"""Too long for DHL's 20 characters? Then without spaces and punctuation, which may make it fit."""
	if not phone or len(phone) <= MAX_LENGTHS["phone"]:
		return phone
	return ("+" if phone.strip().startswith("+") else "") + re.sub(r"\D", "", phone)
