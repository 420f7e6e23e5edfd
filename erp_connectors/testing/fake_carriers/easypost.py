"""Fake EasyPost v2 on 127.0.0.1, seeded from EasyPost's own docs responses (tests/data/easypost_*).

Held to EasyPost's recorded real traffic: the cassettes of its official Python library
(tests/data/easypost_python_cassettes, see testing/contracts/recorded.py). Every request must
fit the envelope recorded for its endpoint, every response the recorded shape and status, and
refund_status one of the values EasyPost documents (docs.easypost.com, "Shipping Refund").

Enforces Basic auth (API key as user, empty password), validates addresses and
parcels with EasyPost's error shape {"error": {"code", "message", "errors"}},
refuses to buy postage twice, serves label files without auth (as S3 does)
and signs webhook Events like EasyPost: X-Hmac-Signature: hmac-sha256-hex=<hex>.
Test tracking codes behave like EasyPost's test mode: EZ1000000001 pre_transit ... EZ7000000007 unknown.
"""

import time
import unicodedata

from erp_connectors.connectors.signatures import hmac_sha256
from erp_connectors.testing.contracts.problems import Problem
from erp_connectors.testing.contracts.recorded import RecordedTrafficContract
from erp_connectors.testing.fake_carriers._shared import (
	FIXTURES_DIR,
	PDF_BYTES,
	PNG_BYTES,
	WebhookDelivery,
	basic_credentials,
	compact,
	digits,
	fresh,
	hex_id,
	load_fixture,
	zpl_label,
)
from erp_connectors.testing.fake_server import FakeService, Response, route

TEST_TRACKING_CODES = {
	"EZ1000000001": "pre_transit",
	"EZ2000000002": "in_transit",
	"EZ3000000003": "out_for_delivery",
	"EZ4000000004": "delivered",
	"EZ5000000005": "return_to_sender",
	"EZ6000000006": "failure",
	"EZ7000000007": "unknown",
}
ERROR_CODES = {401: "APIKEY.INACTIVE", 404: "NOT_FOUND", 429: "RATE_LIMITED", 500: "INTERNAL_SERVER_ERROR"}
# docs.easypost.com/docs/shipments/shipping-refund: "refund_status attribute of the Shipment will be
# populated with one of the possible values: submitted, refunded, rejected, not_applicable".
REFUND_STATUSES = (None, "submitted", "refunded", "rejected", "not_applicable")
REFUND_SOURCE = "docs.easypost.com/docs/shipments/shipping-refund"


def easypost_error(status: int, message: str, errors=None, code=None) -> Response:
	error = {"code": code or ERROR_CODES.get(status, "SERVICE.UNAVAILABLE"), "message": message}
	return Response(status, {"error": {**error, "errors": errors or []}})


def easypost_refusal(status: int, problems: list[Problem]) -> Response:
	errors = [{"field": p.dotted, "message": p.text, "suggestion": None} for p in problems]
	return easypost_error(status, "One or more parameters were invalid.", errors, "PARAMETER.INVALID")


CONTRACT = RecordedTrafficContract(
	"EasyPost",
	sorted((FIXTURES_DIR / "easypost_python_cassettes").glob("*.yaml")),
	easypost_refusal,
	documented_values={"refund_status": (REFUND_STATUSES, REFUND_SOURCE)},
	label_files="/files/",
)


class FakeEasyPost(FakeService):
	contract = CONTRACT

	def __init__(self, api_key: str = "EZTK_test_key", fixtures_dir=None):
		super().__init__()
		self.contract.load()
		self.api_key = api_key
		self.created = load_fixture("easypost_docs_response_shipments-create.json", fixtures_dir)
		self.bought = load_fixture("easypost_docs_response_shipments-buy.json", fixtures_dir)
		self.tracker = load_fixture("easypost_docs_response_trackers-create.json", fixtures_dir)
		for detail in self.tracker["tracking_details"]:
			detail.pop("est_delivery_date", None)  # in the docs example, in no recorded real answer
		self.event = load_fixture("easypost_fixture_event-body.json", fixtures_dir)
		self.shipments: dict[str, dict] = {}
		self.purchases = 0
		self.rate_messages: list[dict] | None = None  # set to make carriers refuse to rate
		self.refund_answer = "submitted"  # the refund_status the next refund gets
		self.purchase_delay = 0.0  # seconds each purchase takes

	@property
	def files_url(self) -> str:
		"""Label files live on another origin (S3 in real life), here the same server by another name."""
		return self.url.replace("127.0.0.1", "localhost")

	def authenticate(self, request):
		if request.path.startswith("/files/"):
			return None
		if basic_credentials(request) != (self.api_key, ""):
			return self.error_response(401, "The API key provided is not valid.")
		return None

	def error_response(self, status, message, errors=None, code=None):
		return easypost_error(status, message, errors, code)

	@route("POST", r"/v2/shipments")
	def create_shipment(self, request):
		data = (request.json() or {}).get("shipment") or {}
		missing = [
			{"field": f"{side}.{name}", "message": "Required and missing.", "suggestion": None}
			for side in ("to_address", "from_address")
			for name in ("street1", "city", "zip", "country")
			if not (data.get(side) or {}).get(name)
		]
		if not (data.get("parcel") or {}).get("weight"):
			missing.append({"field": "parcel.weight", "message": "Required and missing.", "suggestion": None})
		if missing:
			message = "Unable to create shipment, one or more parameters were invalid."
			return self.error_response(422, message, missing, "SHIPMENT.INVALID_PARAMS")
		shipment = fresh(self.created)
		shipment["id"] = shipment["id"] if not self.shipments else hex_id("shp_")
		for side in ("to_address", "from_address"):
			shipment[side] = {**shipment[side], **{k: v for k, v in data[side].items() if v is not None}}
		shipment["parcel"] = {**shipment["parcel"], **data["parcel"]}
		shipment["reference"] = data.get("reference")
		shipment["is_return"] = bool(data.get("is_return"))
		shipment["options"] = {**shipment["options"], **(data.get("options") or {})}
		shipment["customs_info"] = self._customs_info(data.get("customs_info"))
		for rate in shipment["rates"]:
			rate["id"] = rate["id"] if len(self.shipments) == 0 else hex_id("rate_")
			rate["shipment_id"] = shipment["id"]
		if self.rate_messages is not None:
			shipment["rates"], shipment["messages"] = [], self.rate_messages
		self.shipments[shipment["id"]] = shipment
		return Response(201, shipment)

	@route("GET", r"/v2/shipments/(?P<shipment_id>\w+)")
	def get_shipment(self, request):
		shipment = self.shipments.get(request.params["shipment_id"])
		if shipment is None:
			return self.error_response(404, "The requested resource could not be found.")
		return Response(200, shipment)

	@route("POST", r"/v2/shipments/(?P<shipment_id>\w+)/buy")
	def buy(self, request):
		shipment = self.shipments.get(request.params["shipment_id"])
		if shipment is None:
			return self.error_response(404, "The requested resource could not be found.")
		if shipment.get("postage_label"):
			return self.error_response(
				422, "Postage already exists for this shipment.", code="SHIPMENT.POSTAGE.EXISTS"
			)
		rate_id = ((request.json() or {}).get("rate") or {}).get("id")
		rate = next((r for r in shipment["rates"] if r["id"] == rate_id), None)
		if rate is None:
			return self.error_response(
				422, "Invalid rate: it does not belong to this shipment.", code="SHIPMENT.RATE.INVALID"
			)
		refusal = self._customs_refusal(shipment)
		if refusal is not None:
			return refusal
		if self.purchase_delay:
			time.sleep(self.purchase_delay)  # a slow carrier: racing buyers overlap here
		bought = fresh(self.bought)
		tracking = bought["tracking_code"] if self.purchases == 0 else digits(22)
		self.purchases += 1
		label = {
			**bought["postage_label"],
			"label_url": f"{self.files_url}/files/postage_label/{shipment['id']}.png",
		}
		if shipment["options"].get("label_format") == "PDF":
			label["label_pdf_url"] = f"{self.files_url}/files/postage_label/{shipment['id']}.pdf"
		if shipment["options"].get("label_format") == "ZPL":
			zpl = f"{self.files_url}/files/postage_label/{shipment['id']}.zpl"
			label.update(label_zpl_url=zpl, label_file_type="application/zpl")
		tracker = {**bought["tracker"], "tracking_code": tracking, "shipment_id": shipment["id"]}
		shipment.update(postage_label=label, selected_rate=rate, tracking_code=tracking, tracker=tracker)
		shipment.update(fees=bought["fees"], status="unknown")
		if shipment["customs_info"]:
			# The Form object of docs.easypost.com ("Forms"): the carrier's commercial invoice.
			form = {"object": "Form", "id": hex_id("form_"), "form_type": "commercial_invoice"}
			form["form_url"] = f"{self.files_url}/files/forms/{shipment['id']}.pdf"
			shipment["forms"] = [form]
		return Response(200, shipment)

	def _customs_refusal(self, shipment):
		"""EasyPost refuses an international label without a complete customs declaration."""
		countries = {shipment[side].get("country") for side in ("from_address", "to_address")}
		if len(countries) == 1:
			return None
		customs = shipment.get("customs_info")
		items = (customs or {}).get("customs_items") or []
		missing = [
			{
				"field": f"customs_info.customs_items.{n}.{key}",
				"message": "Required and missing.",
				"suggestion": None,
			}
			for n, item in enumerate(items)
			for key in ("description", "quantity", "value", "weight", "hs_tariff_number", "origin_country")
			if item.get(key) in (None, "")
		]
		if customs is None or not items or missing:
			message = "Customs information is required for international shipments."
			return self.error_response(422, message, missing, "SHIPMENT.CUSTOMS.INVALID")
		return None

	@staticmethod
	def _customs_info(sent):
		"""The CustomsInfo EasyPost stores from the one sent (shape as in its recorded answers)."""
		if not sent:
			return None
		stamp = "2026-11-20T10:15:00Z"
		common = {"created_at": stamp, "updated_at": stamp, "mode": "test"}
		items = [
			{
				"id": hex_id("cstitem_"),
				"object": "CustomsItem",
				**common,
				"description": item.get("description"),
				"hs_tariff_number": item.get("hs_tariff_number"),
				"origin_country": item.get("origin_country"),
				"quantity": item.get("quantity"),
				"value": str(item.get("value")),
				"weight": float(item.get("weight") or 0),
				"code": item.get("code"),
				"manufacturer": None,
				"currency": item.get("currency"),
				"eccn": None,
				"printed_commodity_identifier": None,
			}
			for item in sent.get("customs_items") or []
		]
		keys = ("contents_explanation", "contents_type", "customs_certify", "customs_signer", "eel_pfc")
		keys += ("non_delivery_option", "restriction_type")
		return {
			"id": hex_id("cstinfo_"),
			"object": "CustomsInfo",
			**common,
			**{key: sent.get(key) for key in keys},
			"restriction_comments": sent.get("restriction_comments"),
			"declaration": None,
			"customs_items": items,
		}

	@route("POST", r"/v2/shipments/(?P<shipment_id>\w+)/refund")
	def refund(self, request):
		shipment = self.shipments.get(request.params["shipment_id"])
		if shipment is None:
			return self.error_response(404, "The requested resource could not be found.")
		if not shipment.get("postage_label"):
			return self.error_response(
				422, "Shipment has no postage to refund.", code="SHIPMENT.REFUND.UNAVAILABLE"
			)
		shipment["refund_status"] = self.refund_answer
		return Response(200, shipment)

	@route("POST", r"/v2/trackers")
	def create_tracker(self, request):
		data = (request.json() or {}).get("tracker") or {}
		code = data.get("tracking_code")
		if not code:
			errors = [{"field": "tracking_code", "message": "Required and missing.", "suggestion": None}]
			return self.error_response(422, "Unable to create tracker.", errors, "TRACKER.INVALID_PARAMS")
		tracker = fresh(self.tracker)
		tracker.update(
			id=hex_id("trk_"), tracking_code=code, carrier=data.get("carrier") or tracker["carrier"]
		)
		tracker["status"] = TEST_TRACKING_CODES.get(code, tracker["status"])
		return Response(200, tracker)  # as recorded: EasyPost answers POST /trackers with 200

	@route("GET", r"/files/postage_label/(?P<name>[\w.]+)")
	def label_file(self, request):
		if request.params["name"].endswith(".pdf"):
			return Response(200, PDF_BYTES, headers={"Content-Type": "application/pdf"})
		if request.params["name"].endswith(".zpl"):
			return Response(
				200, zpl_label(request.params["name"]), headers={"Content-Type": "application/zpl"}
			)
		return Response(200, PNG_BYTES, headers={"Content-Type": "image/png"})

	@route("GET", r"/files/forms/(?P<name>[\w.]+)")
	def form_file(self, request):
		return Response(200, PDF_BYTES, headers={"Content-Type": "application/pdf"})

	def webhook_delivery(
		self,
		secret: str,
		*,
		status: str = "delivered",
		tracking_code: str | None = None,
		account: str | None = None,
	) -> WebhookDelivery:
		"""A tracker.updated Event (EasyPost's fixture) moved to `status`, signed with `secret`."""
		event = fresh(self.event)
		if (status, tracking_code) != (event["result"]["status"], None):
			event["id"] = hex_id("evt_")
		event["result"]["status"] = status
		if tracking_code:
			event["result"]["tracking_code"] = tracking_code
		body = compact(event)
		signature = hmac_sha256(unicodedata.normalize("NFKD", secret), body, "hex")
		headers = {"Content-Type": "application/json", "X-Hmac-Signature": f"hmac-sha256-hex={signature}"}
		for problem in self.contract.check_event(body, result_of=("POST", "/v2/trackers")):
			self._violate(f"webhook delivery: {problem}")
		return WebhookDelivery(body=body, headers=headers, query={"account": account} if account else {})
