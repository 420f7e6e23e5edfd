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

from erp_connectors.connectors.errors import ConnectorError, NeedsAttention, PermanentError
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
from erp_connectors.shipping_connector.carriers.model import (
	Document,
	ParcelLabel,
	Rate,
	TrackingUpdate,
	VoidResult,
	label_from_parcels,
)

PROFILE = "STANDARD_GRUPPENPROFIL"
MAX_SHIPMENTS = 30  # shipments per POST /orders
TRACKING_PAGE = "https://www.dhl.de/de/privatkunden/dhl-sendungsverfolgung.html?piececode={number}"
# DHL Parcel DE's products (developer.dhl.com, Parcel DE Shipping): for Germany, and for abroad.
NATIONAL_PRODUCTS = ("V01PAK", "V01PRIO", "V06PAK", "V62WP", "V62KP")
INTERNATIONAL_PRODUCTS = ("V53WPAK", "V54EPAK", "V66WPI")
# The schema's exportType for our contents types.
EXPORT_TYPES = {
	"merchandise": "COMMERCIAL_GOODS",
	"gift": "PRESENT",
	"documents": "DOCUMENT",
	"sample": "COMMERCIAL_SAMPLE",
	"return": "RETURN_OF_GOODS",
	"other": "OTHER",
}
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
		"PT:PRT RO:ROU RS:SRB SE:SWE SI:SVN SK:SVK TR:TUR UA:UKR US:USA CA:CAN AU:AUS JP:JPN CN:CHN "
		"IN:IND VN:VNM TW:TWN KR:KOR TH:THA ID:IDN BD:BGD PK:PAK MX:MEX BR:BRA HK:HKG SG:SGP MY:MYS "
		"NZ:NZL ZA:ZAF AE:ARE IL:ISR GB:GBR"
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
	label_formats = ("PDF", "ZPL")
	voids_per_parcel = True
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
		"""The account's flat rates for the route (national products inside Germany, international ones
		abroad) that take every parcel's weight; each parcel is its own DHL shipment, so it costs as many."""
		rows = self._flat_rates()
		heaviest = max((parcel.weight_in("kg") for parcel in shipment.parcels), default=Decimal(0))
		domestic = shipment.from_address.country == "DE" and shipment.to_address.country == "DE"
		rates = []
		for row in rows:
			product = str(
				require(row.get("product"), self.provider, "a product code in a flat rate row", row)
			)
			if (product in INTERNATIONAL_PRODUCTS and domestic) or (
				product in NATIONAL_PRODUCTS and not domestic
			):
				continue
			# An empty Max Weight is stored as 0 by the form: no limit, not "nothing fits".
			limit = row.get("max_weight_kg")
			if limit not in (None, "") and money(limit, self.provider, "max_weight_kg") > 0:
				if heaviest > money(limit, self.provider, "max_weight_kg"):
					continue
			amount = money(row.get("amount"), self.provider, "a flat rate amount")
			rates.append(
				Rate(
					provider=self.provider,
					account=self.account,
					rate_id=product,
					carrier="DHL",
					service=str(row.get("service") or product),
					amount=amount * len(shipment.parcels),
					currency=str(row.get("currency") or "EUR"),
					transit_days=transit_days(row.get("transit_days")),
					service_code=product,
				)
			)
		return rates

	def buy_label(self, shipment, rate, idempotency_key):
		"""One DHL shipment per parcel, all in one order (DHL takes up to 30): each its own shipment
		number and label, and its part of the customs declaration (CN23) abroad. DHL sells what it
		can of an order: when it refuses a parcel, the others just created are deleted again."""
		if len(shipment.parcels) > MAX_SHIPMENTS:
			raise NeedsAttention(
				f"DHL Parcel DE takes at most {MAX_SHIPMENTS} parcels in one order; Shipment "
				f"{shipment.reference} has {len(shipment.parcels)}. Split it."
			)
		customs = shipment.customs_for(self.provider)
		declarations = (
			model.customs_by_parcel(customs, shipment.parcels, shipment.reference)
			if customs
			else [None] * len(shipment.parcels)
		)
		orders = [
			self._order(shipment, rate, idempotency_key, index, parcel, declarations[index])
			for index, parcel in enumerate(shipment.parcels)
		]
		doc_format = "ZPL2" if self.label_format == "ZPL" else "PDF"
		body = self.call(
			"POST",
			"/orders",
			params={"docFormat": doc_format},
			json={"profile": PROFILE, "shipments": orders},
		)
		items = body.get("items") or []
		created = [str(item["shipmentNo"]) for item in items if item.get("shipmentNo") and _ok(item)]
		if len(created) != len(orders):
			self._delete(created)
			raise PermanentError(problem_text(body) or f"DHL created no shipment: {str(body)[:300]}")
		parcels = tuple(
			ParcelLabel(
				tracking_number=str(item["shipmentNo"]),
				label_ref=str(item["shipmentNo"]),
				label_bytes=_document_bytes(item.get("label"), body, "a label"),
				label_url=dig(item, "label", "url"),
				tracking_url=TRACKING_PAGE.format(number=item["shipmentNo"]),
			)
			for item in items
		)
		documents = tuple(
			Document(
				kind="commercial_invoice",
				content=_document_bytes(item["customsDoc"], body, "a customs document"),
				url=dig(item, "customsDoc", "url"),
				file_format=str(dig(item, "customsDoc", "fileFormat") or "PDF"),
				tracking_number=str(item.get("shipmentNo")),
			)
			for item in items
			if isinstance(item.get("customsDoc"), dict)
		)
		return label_from_parcels(
			self.provider,
			parcels,
			carrier="DHL",
			service=rate.service,
			label_ref=parcels[0].label_ref,
			price=rate.amount,  # DHL confirms no price: the account's own flat rate, kept on the server
			currency=rate.currency,
			label_format="ZPL"
			if doc_format == "ZPL2"
			else str(dig(items[0], "label", "fileFormat") or "PDF"),
			documents=documents,
			provider_shipment_id=parcels[0].label_ref,
		)

	def _order(self, shipment, rate, idempotency_key, index, parcel, customs):
		order = {
			"product": rate.service_code or rate.rate_id,
			"billingNumber": self._billing_number(rate),
			"refNo": _reference(
				idempotency_key if len(shipment.parcels) == 1 else f"{idempotency_key}/{index + 1}"
			),
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
		if customs is not None:
			order["customs"] = _customs(customs, order["product"])
		return order

	def _delete(self, numbers):
		for number in numbers:
			try:
				self.void_label(number)
			except ConnectorError:
				pass  # reported with the refusal below; the call log shows which stayed

	def void_label(self, label_ref):
		body = self.call("DELETE", "/orders", params={"profile": PROFILE, "shipment": label_ref})
		if dig(body, "items", 0, "sstatus", "statusCode") not in (None, 200):
			raise PermanentError(problem_text(body), status=200)
		return VoidResult(label_ref=label_ref, state="voided", message=dig(body, "status", "title"))

	def void_parcel(self, label_ref, parcel_ref, parcels_left):
		return self.void_label(parcel_ref)  # each parcel is its own DHL shipment

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


def _ok(item) -> bool:
	return dig(item, "sstatus", "statusCode") in (None, 200)


def _document_bytes(document, body, what) -> bytes | None:
	"""A Document of DHL's answer: base64 (`b64`), ZPL text (`zpl2`), or only a `url` to fetch."""
	document = document if isinstance(document, dict) else {}
	if document.get("zpl2"):
		return str(document["zpl2"]).encode()
	encoded = document.get("b64")
	if not encoded:
		if document.get("url"):
			return None
		raise PermanentError(f"DHL answered without {what}: {str(body)[:300]}")
	try:
		return base64.b64decode(encoded)
	except (binascii.Error, ValueError):
		raise PermanentError(f"DHL sent {what} that is not valid base64") from None


def _customs(customs, product: str) -> dict:
	"""DHL's CustomsDetails: the export document (CN23) of one parcel."""
	export_type = EXPORT_TYPES.get(customs.contents_type, "OTHER")
	details = {
		"invoiceNo": (customs.invoice_number or "")[:35],
		"exportType": export_type,
		# What was charged to the recipient for postage; the ERP Shipment bills none.
		"postalCharges": {"currency": customs.currency, "value": 0},
		"items": [
			{
				"itemDescription": item.description[:256],
				"countryOfOrigin": _iso3_code(item.origin_country),
				"hsCode": item.hs_code[:11],
				"packagedQuantity": item.quantity,
				"itemValue": {"currency": item.currency, "value": float(item.value)},
				"itemWeight": {"uom": "g", "value": max(1, int((item.weight_kg * 1000).to_integral_value()))},
			}
			for item in customs.items
		],
	}
	if export_type == "OTHER":
		details["exportDescription"] = (customs.explanation or "Other goods")[:80]
	if product == "V54EPAK" and customs.incoterm in ("DAP", "DDP"):
		details["shippingConditions"] = customs.incoterm  # the schema: exclusively for Europaket
	return details


def _iso3(address) -> str:
	return _iso3_code(address.country)


def _iso3_code(country: str) -> str:
	code = ISO3.get((country or "").upper())
	if not code:
		raise NeedsAttention(
			f"DHL Parcel DE needs an ISO-3 country code for {country!r}; add it to ISO3 in "
			"erp_connectors/shipping_connector/carriers/dhl_parcel_de.py or correct the country."
		)
	return code


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
