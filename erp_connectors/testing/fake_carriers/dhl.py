"""Fake DHL Parcel DE Shipping v2 plus the Unified Shipment Tracking API, on 127.0.0.1.

Shipping (/parcel/de/shipping/v2) is held to DHL's OpenAPI document 2.1.12
(tests/data/dhl_parcel_de_shipping_v2.1.12_openapi_from_netresearch_sdk.yaml): every request
and response is validated against it. It needs header dhl-api-key AND Basic user:password.
Errors are application/problem+json in the document's shapes: LabelDataResponse for 400 (a
refused request's problems become items[].validationMessages), RequestStatus otherwise.
Orders answer with DHL's own SDK fixtures (tests/data/dhl_parcel_de_v2_sdk_fixture_*): the
success body (base64 label) and, after reject_next_order(), the verbatim validation-error body.
A missing consignee postal code gets the same validation shape with a message of ours.

Tracking (/track/shipments, header DHL-API-Key) is a different API, "Shipment Tracking -
Unified", for which no OpenAPI document is at hand. It is held to what DHL documents
(`UnifiedTrackingContract`): the trackingNumber query, the response fields our client reads,
and statusCode one of pre-transit, transit, delivered, failure, unknown. DHL sends no webhooks.
"""

import base64
import time

from erp_connectors.testing.contracts import Contract
from erp_connectors.testing.contracts.openapi import OpenAPIContract, content_type
from erp_connectors.testing.contracts.problems import Problem
from erp_connectors.testing.fake_carriers._shared import (
	FIXTURES_DIR,
	PDF_BYTES,
	basic_credentials,
	digits,
	fresh,
	load_fixture,
	zpl_label,
)
from erp_connectors.testing.fake_server import FakeService, Response, route

PROBLEM = {"Content-Type": "application/problem+json"}
# The EU's ISO-3 codes: within them a parcel needs no export document.
EU = set(
	"AUT BEL BGR CYP CZE DEU DNK EST ESP FIN FRA GRC HRV HUN IRL ITA LTU LUX LVA MLT NLD POL PRT ROU SWE SVN SVK".split()
)
SHIPPING = "/parcel/de/shipping/v2"
TRACKING = "/track/shipments"
TITLES = {
	400: "Bad Request",
	401: "Unauthorized",
	404: "Not Found",
	429: "Too Many Requests",
	500: "Internal Server Error",
}


def request_status(status: int, detail: str) -> dict:
	"""RequestStatus: detail is at most 80 characters."""
	return {"title": TITLES.get(status, "Error"), "statusCode": status, "detail": detail[:80]}


def dhl_errors(status: int, problems: list) -> Response:
	"""A refusal in the document's shapes: a 400 lists each problem as a validation message."""
	problems = [p if isinstance(p, Problem) else Problem(str(p)) for p in problems]
	if status != 400:
		return Response(status, request_status(status, "; ".join(problems)), PROBLEM)
	messages = [
		{"property": p.dotted or "body", "validationMessage": p.text, "validationState": "Error"}
		for p in problems
	]
	item = {"sstatus": {"title": "Bad Request", "statusCode": 400}, "validationMessages": messages}
	body = {"status": request_status(400, "0 of 1 shipment successfully created."), "items": [item]}
	return Response(400, body, PROBLEM)


SHIPPING_CONTRACT = OpenAPIContract(
	"DHL Parcel DE",
	FIXTURES_DIR / "dhl_parcel_de_shipping_v2.1.12_openapi_from_netresearch_sdk.yaml",
	dhl_errors,
)


class UnifiedTrackingContract(Contract):
	"""What DHL documents for GET /track/shipments (developer.dhl.com/api-reference/shipment-tracking):
	no OpenAPI document is at hand, so only these are checked. statusCode values: DHL developer
	support, "What are the different status codes available in the DHL Shipment tracking - Unified
	API?" (support-developer.dhl.com, solution 47001197243): pre-transit, transit, delivered,
	failure, unknown."""

	provider = "DHL Parcel DE"
	STATUS_CODES = ("pre-transit", "transit", "delivered", "failure", "unknown")
	SHIPMENT_KEYS = {"id", "service", "origin", "destination", "status", "estimatedTimeOfDelivery", "details"}
	SHIPMENT_KEYS |= {"events", "serviceUrl", "rerouteUrl", "estimatedDeliveryTimeFrame"}
	STATUS_KEYS = {"timestamp", "location", "statusCode", "status", "description", "remark", "nextSteps"}
	PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}

	def check_request(self, request):
		if request.method != "GET" or request.path != TRACKING:
			return [
				Problem(f"{request.method} {request.path} is not part of DHL's tracking API", kind="route")
			]
		if not request.query.get("trackingNumber"):
			return [Problem("required", "/trackingNumber", kind="required")]
		return []

	def check_response(self, request, response):
		body = response.body if isinstance(response.body, dict) else {}
		if response.status != 200:
			problems = [f"{key}: not a problem-detail member" for key in body if key not in self.PROBLEM_KEYS]
			if content_type(response) != "application/problem+json":
				problems.append(f"{response.status} must be application/problem+json")
			return problems
		problems = []
		for index, shipment in enumerate(body.get("shipments") or [None]):
			if not isinstance(shipment, dict) or not shipment.get("id"):
				problems.append(f"/shipments/{index}: a shipment needs its id")
				continue
			problems += [
				f"/shipments/{index}/{k}: not documented" for k in shipment if k not in self.SHIPMENT_KEYS
			]
			for where, status in [("status", shipment.get("status"))] + [
				(f"events/{n}", event) for n, event in enumerate(shipment.get("events") or [])
			]:
				status = status if isinstance(status, dict) else {}
				problems += [
					f"/shipments/{index}/{where}/{k}: not documented"
					for k in status
					if k not in self.STATUS_KEYS
				]
				if status.get("statusCode") not in self.STATUS_CODES:
					problems.append(
						f"/shipments/{index}/{where}/statusCode: {status.get('statusCode')!r} is not documented"
					)
		return problems

	def refusal(self, request, problems):
		body = {"title": "Bad Request", "status": 400, "detail": "; ".join(problems)}
		return Response(404 if problems[0].kind == "route" else 400, body, PROBLEM)


class DhlContract(Contract):
	"""The shipping document for /parcel/de/shipping/v2, DHL's tracking documentation for /track/."""

	provider = "DHL Parcel DE"
	shipping, tracking = SHIPPING_CONTRACT, UnifiedTrackingContract()

	def load(self) -> "DhlContract":
		self.shipping.load()
		return self

	def _for(self, request) -> Contract:
		return self.tracking if request.path.startswith("/track/") else self.shipping

	def check_request(self, request):
		return self._for(request).check_request(request)

	def check_response(self, request, response):
		return self._for(request).check_response(request, response)

	def refusal(self, request, problems):
		return self._for(request).refusal(request, problems)


class FakeDhl(FakeService):
	contract = DhlContract()

	def __init__(
		self, api_key="dhl_api_key", username="user-valid", password="SandboxPasswort2023!", fixtures_dir=None
	):
		super().__init__()
		self.contract.load()
		self.api_key, self.login = api_key, (username, password)
		self.success = load_fixture(
			"dhl_parcel_de_v2_sdk_fixture_POST_orders_response_singleShipmentSuccess.json", fixtures_dir
		)
		self.rejection = load_fixture(
			"dhl_parcel_de_v2_sdk_fixture_POST_orders_response_singleShipmentValidationError.json",
			fixtures_dir,
		)
		self.orders: dict[str, dict] = {}
		self.tracking_status: dict[str, str] = {}
		self._reject_next = False
		self.purchases = 0  # shipments created (DHL bills each; a refNo does not deduplicate)
		self.refuse_next_shipment_with: list | None = None  # problems for the next shipment of an order
		self.purchase_delay = 0.0  # seconds each order takes

	@property
	def shipping_url(self) -> str:
		return self.url + SHIPPING

	def reject_next_order(self):
		self._reject_next = True

	def authenticate(self, request):
		if request.path.startswith("/track/"):
			if request.header("dhl-api-key") != self.api_key:
				body = {"title": "Unauthorized", "status": 401, "detail": "Invalid API key."}
				return Response(401, body, PROBLEM)
			return None
		if request.header("dhl-api-key") != self.api_key or basic_credentials(request) != self.login:
			return self.error_response(401, "Unauthorized for given resource.")
		return None

	def error_response(self, status, message):
		return Response(status, request_status(status, message), PROBLEM)

	@route("POST", SHIPPING + r"/orders")
	def create_orders(self, request):
		shipments = request.json()["shipments"]
		if len(shipments) > 30:
			return dhl_errors(400, [Problem("At most 30 shipments per request.", "/shipments")])
		if self._reject_next:
			self._reject_next = False
			return Response(400, fresh(self.rejection), PROBLEM)
		if self.purchase_delay:
			time.sleep(self.purchase_delay)  # a slow carrier: racing buyers overlap here
		zpl = request.query.get("docFormat") == "ZPL2"
		items = [self._create(shipment, zpl) for shipment in shipments]
		done = sum(1 for item in items if item["sstatus"]["statusCode"] == 200)
		if done == 0:
			status = request_status(400, f"0 of {len(items)} shipment successfully created.")
			return Response(400, {"status": status, "items": items}, PROBLEM)
		code = 200 if done == len(items) else 207
		title = "OK" if code == 200 else "Multi-Status"
		status = {
			"title": title,
			"statusCode": code,
			"detail": f"{done} of {len(items)} shipment successfully created.",
		}
		return Response(code, {"status": status, "items": items})

	def _create(self, shipment, zpl: bool) -> dict:
		"""One shipment of an order: refused with DHL's validation shape, or created with its label."""
		problems = self.refuse_next_shipment_with or self._problems(shipment)
		self.refuse_next_shipment_with = None
		if problems:
			messages = [
				{"property": p.dotted or "body", "validationMessage": p.text, "validationState": "Error"}
				for p in problems
			]
			return {"sstatus": {"title": "Bad Request", "statusCode": 400}, "validationMessages": messages}
		item = fresh(self.success["items"][0])
		if self.purchases:
			item["shipmentNo"] = "00340434" + digits(14)
		if zpl:
			item["label"] = {"zpl2": zpl_label(item["shipmentNo"]).decode(), "fileFormat": "ZPL2"}
		if shipment.get("customs"):
			item["customsDoc"] = {
				"b64": base64.b64encode(PDF_BYTES).decode(),
				"fileFormat": "PDF",
				"printFormat": "A4",
			}
		self.orders[item["shipmentNo"]] = shipment
		self.purchases += 1
		self.tracking_status[item["shipmentNo"]] = "pre-transit"
		return item

	@staticmethod
	def _problems(shipment) -> list[Problem]:
		"""What DHL refuses that the schema cannot say: a missing postal code, a national product abroad
		(or the reverse), a parcel leaving the EU without its customs declaration."""
		consignee = shipment.get("consignee") or {}
		if not consignee.get("postalCode"):
			return [Problem("Please enter a postal code.", "/consignee/postalCode")]
		abroad = consignee.get("country") != "DEU"
		if abroad and shipment.get("product") in ("V01PAK", "V62WP", "V62KP"):
			return [Problem("The product is not available for the destination country.", "/product")]
		if not abroad and shipment.get("product") in ("V53WPAK", "V66WPI"):
			return [Problem("The product is only available for international shipments.", "/product")]
		if consignee.get("country") not in EU and not shipment.get("customs"):
			return [Problem("Customs details are mandatory outside the EU.", "/customs")]
		return []

	@route("DELETE", SHIPPING + r"/orders")
	def delete_orders(self, request):
		number = request.query["shipment"]
		if self.orders.pop(number, None) is None:
			item = {"shipmentNo": number, "sstatus": {"title": "Unknown shipment number.", "statusCode": 400}}
			body = {"status": request_status(400, "0 of 1 shipment deleted."), "items": [item]}
			return Response(400, body, PROBLEM)
		item = {"shipmentNo": number, "sstatus": {"title": "OK", "statusCode": 200}}
		return Response(
			200,
			{
				"status": {"title": "OK", "statusCode": 200, "detail": "1 of 1 shipment deleted."},
				"items": [item],
			},
		)

	@route("GET", TRACKING)
	def track(self, request):
		number = request.query["trackingNumber"]
		if number not in self.tracking_status:
			body = {
				"title": "No result found",
				"status": 404,
				"detail": "No shipment with given tracking number found.",
			}
			return Response(404, body, PROBLEM)
		code = self.tracking_status[number]
		status = {
			"timestamp": "2026-11-20T10:15:00Z",
			"statusCode": code,
			"status": code.upper(),
			"description": f"Status: {code}",
		}
		shipment = {
			"id": number,
			"service": "parcel-de",
			"status": status,
			"events": [status],
			"serviceUrl": f"https://www.dhl.de/de/privatkunden.html?piececode={number}",
		}
		return Response(200, {"shipments": [shipment]})
