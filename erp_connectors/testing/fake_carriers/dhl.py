"""Fake DHL Parcel DE Shipping v2 plus the Unified Shipment Tracking API, on 127.0.0.1.

Shipping (/parcel/de/shipping/v2) needs header dhl-api-key AND Basic user:password;
tracking (/track/shipments) needs header DHL-API-Key. Errors are application/problem+json.
Orders answer with DHL's own SDK fixtures (tests/data/dhl_parcel_de_v2_sdk_fixture_*): the
success body (base64 label) and, after reject_next_order(), the verbatim validation-error body.
A missing consignee postal code gets the same validation shape with a message of ours.
Tracking bodies follow the Unified API's documented fields (statusCode pre-transit/transit/
delivered/failure/unknown); there are no webhooks.
"""

from erp_connectors.testing.fake_carriers._shared import basic_credentials, digits, fresh, load_fixture
from erp_connectors.testing.fake_server import FakeService, Response, route

PROBLEM = {"Content-Type": "application/problem+json"}
SHIPPING = "/parcel/de/shipping/v2"
TITLES = {
	400: "Bad Request",
	401: "Unauthorized",
	404: "Not Found",
	429: "Too Many Requests",
	500: "Internal Server Error",
}


class FakeDhl(FakeService):
	def __init__(
		self, api_key="dhl_api_key", username="user-valid", password="SandboxPasswort2023!", fixtures_dir=None
	):
		super().__init__()
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

	@property
	def shipping_url(self) -> str:
		return self.url + SHIPPING

	def reject_next_order(self):
		self._reject_next = True

	def authenticate(self, request):
		if request.path.startswith("/track/"):
			if request.header("dhl-api-key") != self.api_key:
				return self.error_response(401, "Invalid API key.")
			return None
		if request.header("dhl-api-key") != self.api_key or basic_credentials(request) != self.login:
			return self.error_response(401, "Unauthorized for given resource.")
		return None

	def error_response(self, status, message):
		title = TITLES.get(status, "Error")
		return Response(
			status, {"title": title, "status": status, "statusCode": status, "detail": message}, PROBLEM
		)

	@route("POST", SHIPPING + r"/orders")
	def create_orders(self, request):
		if request.query.get("docFormat", "PDF") not in ("PDF", "ZPL2"):
			return self.error_response(400, "docFormat must be PDF or ZPL2.")
		shipments = (request.json() or {}).get("shipments") or []
		if len(shipments) != 1:
			return self.error_response(400, "This fake accepts exactly one shipment per order.")
		if self._reject_next:
			self._reject_next = False
			return Response(400, fresh(self.rejection), PROBLEM)
		shipment = shipments[0]
		if not (shipment.get("consignee") or {}).get("postalCode"):
			return Response(
				400, self._validation("consignee.postalCode", "Please enter a postal code."), PROBLEM
			)
		body = fresh(self.success)
		item = body["items"][0]
		if self.orders:
			item["shipmentNo"] = "00340434" + digits(14)
		self.orders[item["shipmentNo"]] = shipment
		self.tracking_status[item["shipmentNo"]] = "pre-transit"
		return Response(200, body)

	@route("DELETE", SHIPPING + r"/orders")
	def delete_orders(self, request):
		if not request.query.get("profile"):
			return self.error_response(400, "Query parameter profile is required.")
		number = request.query.get("shipment")
		if self.orders.pop(number or "", None) is None:
			item = {"shipmentNo": number, "sstatus": {"title": "Unknown shipment number.", "statusCode": 400}}
			body = {
				"status": {"title": "Bad Request", "statusCode": 400, "detail": "0 of 1 shipment deleted."},
				"items": [item],
			}
			return Response(400, body, PROBLEM)
		item = {"shipmentNo": number, "sstatus": {"title": "OK", "statusCode": 200}}
		return Response(
			200,
			{
				"status": {"title": "OK", "statusCode": 200, "detail": "1 of 1 shipment deleted."},
				"items": [item],
			},
		)

	@route("GET", r"/track/shipments")
	def track(self, request):
		number = request.query.get("trackingNumber")
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

	@staticmethod
	def _validation(prop, message):
		item = {
			"sstatus": {"title": "Bad Request", "statusCode": 400},
			"validationMessages": [
				{"property": prop, "validationMessage": message, "validationState": "Error"}
			],
		}
		return {
			"status": {
				"title": "Bad Request",
				"statusCode": 400,
				"detail": "0 of 1 shipment successfully created.",
			},
			"items": [item],
		}
