"""Fake Shiprocket (v1/external) on 127.0.0.1, held to the OpenAPI document generated from Shiprocket's
published Postman collection (tests/data/shiprocket_v1_external_openapi_from_postman_collection_trimmed.yaml,
provenance in tests/data/README.md).

Every request and response of the API is validated against that document. The document's schemas
were inferred by its generator from example bodies; where Shiprocket's own examples in the same
collection contradict an inferred type, the contract follows the examples (`PATCHES`, each quoting
the example). Label files live on S3 in real life (here /files/, outside the API): only their type is
checked.

Behaviour the documentation states, and the fake follows:
- a login (email and password of an API user) gives a token; calls need "Authorization: Bearer"; a
  token can expire (`expire_tokens()`), which Shiprocket answers with 401;
- "order_id field cannot be equal to an already existing id" (422), and orders can be searched by the
  channel order id (GET /orders?search=);
- an AWB is assigned once per shipment ("Oops! Cannot reassign courier for this shipment.", 400);
- the label and pickup need the AWB; cancelling answers 204 with no body;
- tracking by AWB answers `tracking_data`, with `track_status: 0` and an `error` before any scan;
- the tracking webhook is signed with nothing: the token set in the panel comes as `x-api-key`.
Couriers and prices are those of the documentation's serviceability example (Delhivery Surface 54,
India Post 123.9, Ecom Express 150.12 for 0.5 kg), each 20 rupees dearer per extra half kilo.
"""

import json
import math
import time

from erp_connectors.testing import contracts
from erp_connectors.testing.contracts import Contract
from erp_connectors.testing.contracts.openapi import OpenAPIContract, Patch, content_type
from erp_connectors.testing.contracts.problems import Problem
from erp_connectors.testing.fake_carriers._shared import (
	FIXTURES_DIR,
	PDF_BYTES,
	WebhookDelivery,
	compact,
	digits,
	fresh,
	hex_id,
	load_fixture,
)
from erp_connectors.testing.fake_server import FakeService, Response, route

API = "/v1/external"
SERVICEABILITY = (
	"/paths/~1v1~1external~1courier~1serviceability/get/responses/200/content/application~1json/schema"
)
COURIER = f"{SERVICEABILITY}/properties/data/properties/available_courier_companies/items/properties"
TRACKING = (
	"/paths/~1v1~1external~1courier~1track~1awb~1{awb_code}/get/responses/200/content/application~1json/schema"
	"/properties/tracking_data"
)
NUMBER = {"type": "number"}
PATCHES = (
	*(
		Patch.of(f"{COURIER}/{name}", NUMBER, f"serviceability example: {name} {example}")
		for name, example in (
			("freight_charge", "123.9"),
			("rate", "150.12"),
			("coverage_charges", "8.71"),
			("rto_charges", "142.6"),
			("delivery_performance", "4.5"),
			("rto_performance", "4.4"),
			("tracking_performance", "4.5"),
		)
	),
	Patch.of(
		f"{TRACKING}/properties",
		{"error": {"type": "string"}},
		"tracking example Invalid-Data: {track_status: 0, error: 'Aahh! There is no activities found in our DB...'}",
	),
	Patch.of(
		"/components",
		{
			"schemas": {
				"ErrorMessage": {
					"type": "object",
					"properties": {"message": {"type": "string"}, "status_code": {"type": "integer"}},
				}
			}
		},
		"every 4xx the collection documents answers {message, status_code} (400 Invalid Data, 404)",
	),
)
COURIERS = (
	{
		"courier_company_id": 43,
		"courier_name": "Delhivery Surface",
		"rate": 54.0,
		"days": "4",
		"etd": "Jul 01, 2024",
	},
	{
		"courier_company_id": 225,
		"courier_name": "India Post-Business Parcel Surface Prepaid",
		"rate": 123.9,
		"days": "8",
		"etd": "Jul 05, 2024",
	},
	{
		"courier_company_id": 19,
		"courier_name": "Ecom Express Surface 2kg",
		"rate": 150.12,
		"days": "6",
		"etd": "Jul 03, 2024",
	},
)
COD_CHARGE = 35.0
# The tracking webhook's fields as the documentation's "Webhooks" section lists them.
WEBHOOK_FIELDS = set(
	"awb courier_name current_status current_status_id shipment_status shipment_status_id current_timestamp "
	"order_id sr_order_id awb_assigned_date pickup_scheduled_date etd scans is_return channel_id pod_status pod "
	"qc_image qc_failure_reason".split()
)
SCAN_FIELDS = {"date", "status", "activity", "location", "sr-status", "sr-status-label"}


def shiprocket_error(status: int, problems: list) -> Response:
	"""Shiprocket's validation answer: {message, errors: {field: [text]}, status_code} (422)."""
	errors: dict = {}
	for problem in problems:
		problem = problem if isinstance(problem, Problem) else Problem(str(problem))
		field = problem.dotted or "request"
		text = (
			f"The {field.replace('_', ' ')} field is required."
			if problem.kind == "required"
			else problem.text
		)
		errors.setdefault(field, []).append(text)
	if status == 404:
		return Response(404, {"message": "404 Not Found", "status_code": 404})
	return Response(422, {"message": "Oops! Invalid Data.", "errors": errors, "status_code": 422})


API_CONTRACT = OpenAPIContract(
	"Shiprocket",
	FIXTURES_DIR / "shiprocket_v1_external_openapi_from_postman_collection_trimmed.yaml",
	shiprocket_error,
	auth_error_schema="ErrorMessage",
	patches=PATCHES,
)


class ShiprocketContract(Contract):
	"""The API document for /v1/external; a label file (S3 in real life) only needs to be a PDF."""

	provider = "Shiprocket"

	def load(self):
		API_CONTRACT.load()
		return self

	def check_request(self, request):
		return [] if request.path.startswith("/files/") else API_CONTRACT.check_request(request)

	def check_response(self, request, response):
		if request.path.startswith("/files/"):
			kind = content_type(response)
			return [] if kind == "application/pdf" else [f"a label file served as {kind}"]
		return API_CONTRACT.check_response(request, response)

	def refusal(self, request, problems):
		return API_CONTRACT.refusal(request, problems)

	def check_webhook(self, body: bytes) -> list[str]:
		"""The tracking webhook has no schema, only the documented field list (apidocs "Webhooks")."""
		contracts.count(self.provider, "webhooks")
		payload = json.loads(body)
		problems = [f"/{key}: not a documented webhook field" for key in payload if key not in WEBHOOK_FIELDS]
		problems += [f"/{key}: required" for key in ("awb", "current_status") if not payload.get(key)]
		for number, scan in enumerate(payload.get("scans") or []):
			problems += [f"/scans/{number}/{key}: not documented" for key in scan if key not in SCAN_FIELDS]
		return problems


class FakeShiprocket(FakeService):
	contract = ShiprocketContract()

	def __init__(self, email="api-user@example.in", password="sr-api-password", fixtures_dir=None):
		super().__init__()
		self.contract.load()
		self.login = (email, password)
		self.sample = load_fixture("shiprocket_webhook_tracking_update_docs_sample.json", fixtures_dir)
		self.tokens: set[str] = set()
		self.logins = 0
		self.orders: dict[int, dict] = {}  # Shiprocket order id -> order
		self.orders_created = 0
		self.purchases = 0  # AWBs assigned: what Shiprocket charges the wallet for
		self.purchase_delay = 0.0
		self.statuses: dict[str, str] = {}  # awb -> current status label

	@property
	def files_url(self) -> str:
		return self.url.replace("127.0.0.1", "localhost")

	def expire_tokens(self):
		self.tokens.clear()

	def authenticate(self, request):
		if request.path in (f"{API}/auth/login",) or request.path.startswith("/files/"):
			return None
		header = request.header("authorization") or ""
		if not header.startswith("Bearer ") or header[7:] not in self.tokens:
			return Response(401, {"message": "Token has expired", "status_code": 401})
		return None

	def error_response(self, status, message):
		return Response(status, {"message": message, "status_code": status})

	@route("POST", API + r"/auth/login")
	def login_route(self, request):
		data = request.json() or {}
		if (data.get("email"), data.get("password")) != self.login:
			return Response(403, {"message": "Invalid email and password combination", "status_code": 403})
		token = hex_id("eyJ")
		self.tokens.add(token)
		self.logins += 1
		return Response(
			200,
			{
				"id": 1,
				"first_name": "API",
				"last_name": "User",
				"email": self.login[0],
				"company_id": 25149,
				"token": token,
			},
		)

	@route("GET", API + r"/courier/serviceability")
	def serviceability(self, request):
		query = request.query
		weight = float(query.get("weight") or 0.5)
		steps = max(0, math.ceil(weight / 0.5) - 1)
		cod = query.get("cod") in ("1", "true")
		couriers = []
		for courier in COURIERS:
			freight = round(courier["rate"] + 20 * steps, 2)
			charge = COD_CHARGE if cod else 0
			couriers.append(
				{
					"courier_company_id": courier["courier_company_id"],
					"courier_name": courier["courier_name"],
					"freight_charge": freight,
					"cod_charges": int(charge),
					"rate": round(freight + charge, 2),
					"estimated_delivery_days": courier["days"],
					"etd": courier["etd"],
					"cod": 1,
					"postcode": str(query.get("delivery_postcode")),
					"charge_weight": max(0.5, weight),
				}
			)
		data = {"available_courier_companies": couriers, "recommended_courier_company_id": 43}
		return Response(200, {"currency": "INR", "data": data, "status": 200})

	@route("POST", API + r"/orders/create/adhoc")
	def create_order(self, request):
		data = request.json()
		if any(order["channel_order_id"] == data["order_id"] for order in self.orders.values()):
			errors = {"order_id": ["Order Id already exists."]}
			return Response(422, {"message": "Oops! Invalid Data.", "errors": errors, "status_code": 422})
		order_id, shipment_id = int(digits(9)), int(digits(8))
		self.orders[order_id] = {
			"id": order_id,
			"shipment_id": shipment_id,
			"channel_order_id": data["order_id"],
			"status": "NEW",
			"awb": "",
			"courier": "",
			"sent": data,
		}
		self.orders_created += 1
		body = {
			"order_id": order_id,
			"shipment_id": shipment_id,
			"status": "NEW",
			"status_code": 1,
			"onboarding_completed_now": 0,
			"awb_code": None,
			"courier_company_id": None,
			"courier_name": None,
		}
		return Response(200, body)

	@route("GET", API + r"/orders")
	def list_orders(self, request):
		search = request.query.get("search")
		found = [
			self._listed(order)
			for order in self.orders.values()
			if search in (None, order["channel_order_id"], order["awb"])
		]
		pagination = {
			"total": len(found),
			"count": len(found),
			"per_page": 50,
			"current_page": 1,
			"total_pages": 1,
			"links": {},
		}
		return Response(200, {"data": found, "meta": {"pagination": pagination}})

	@staticmethod
	def _listed(order):
		shipment = {"id": order["shipment_id"], "courier": order["courier"], "awb": order["awb"], "etd": "NA"}
		return {
			"id": order["id"],
			"channel_order_id": order["channel_order_id"],
			"status": order["status"],
			"status_code": 5 if order["status"] == "CANCELED" else 1,
			"payment_method": str(order["sent"].get("payment_method", "")).lower(),
			"shipments": [shipment],
		}

	def _order_of_shipment(self, shipment_id):
		return next((o for o in self.orders.values() if o["shipment_id"] == shipment_id), None)

	@route("POST", API + r"/courier/assign/awb")
	def assign_awb(self, request):
		data = request.json()
		order = self._order_of_shipment(data["shipment_id"])
		if order is None:
			return self.error_response(400, "Invalid shipment id")
		if order["awb"]:
			return self.error_response(400, "Oops! Cannot reassign courier for this shipment.")
		if self.purchase_delay:
			time.sleep(self.purchase_delay)
		courier = next(
			(c for c in COURIERS if c["courier_company_id"] == data.get("courier_id")), COURIERS[0]
		)
		order.update(awb=digits(12), courier=courier["courier_name"], status="AWB ASSIGNED")
		self.purchases += 1
		self.statuses[order["awb"]] = "AWB ASSIGNED"
		answer = {
			"courier_company_id": courier["courier_company_id"],
			"awb_code": order["awb"],
			"cod": 1 if order["sent"].get("payment_method") == "COD" else 0,
			"order_id": order["id"],
			"shipment_id": order["shipment_id"],
			"awb_code_status": 1,
			"applied_weight": order["sent"].get("weight"),
			"courier_name": courier["courier_name"],
			"pickup_scheduled_date": "2026-11-25 14:00:00",
		}
		return Response(200, {"awb_assign_status": 1, "response": {"data": answer}})

	@route("POST", API + r"/courier/generate/pickup")
	def pickup(self, request):
		[shipment_id] = request.json()["shipment_id"]
		order = self._order_of_shipment(shipment_id)
		if order is None or not order["awb"]:
			return self.error_response(400, "Invalid shipment id")
		self.statuses[order["awb"]] = "PICKUP SCHEDULED"
		response = {
			"pickup_scheduled_date": "2026-11-25 12:39:54",
			"pickup_token_number": f"Reference No: {digits(6)}",
			"status": 3,
			"data": f"Pickup is confirmed by {order['courier']} For AWB :- {order['awb']}",
		}
		return Response(200, {"pickup_status": 1, "response": response})

	@route("POST", API + r"/courier/generate/label")
	def label(self, request):
		[shipment_id] = request.json()["shipment_id"]
		order = self._order_of_shipment(shipment_id)
		if order is None or not order["awb"]:
			return Response(
				200,
				{"label_created": 0, "not_created": [], "response": "No valid shipment ids to print label"},
			)
		url = f"{self.files_url}/files/labels/shipping-label-{shipment_id}-{order['awb']}.pdf"
		return Response(
			200,
			{
				"label_created": 1,
				"label_url": url,
				"response": "Label has been created and uploaded successfully!",
				"not_created": [],
			},
		)

	@route("GET", r"/files/labels/(?P<name>[\w.-]+)")
	def label_file(self, request):
		return Response(200, PDF_BYTES, headers={"Content-Type": "application/pdf"})

	@route("POST", API + r"/orders/cancel")
	def cancel(self, request):
		for order_id in request.json()["ids"]:
			order = self.orders.get(int(order_id))
			if order is None:
				return Response(500, {"message": "Trying to get property of non-object", "status_code": 500})
			order["status"] = "CANCELED"
			if order["awb"]:
				self.statuses[order["awb"]] = "CANCELED"
		return Response(204, None, headers={"Content-Type": "application/json"})

	@route("GET", API + r"/courier/track/awb/(?P<awb>\w+)")
	def track(self, request):
		awb = request.params["awb"]
		status = self.statuses.get(awb)
		if status is None:
			return Response(404, {"message": "404 Not Found", "status_code": 404})
		order = next(o for o in self.orders.values() if o["awb"] == awb)
		if status == "AWB ASSIGNED":
			error = "Aahh! There is no activities found in our DB. Please have some patience it will be updated soon."
			return Response(200, {"tracking_data": {"track_status": 0, "error": error}})
		activity = {
			"date": "2026-11-26 11:37:00",
			"status": "X",
			"activity": status.title(),
			"location": "MUMBAI",
			"sr-status-label": status,
		}
		track = {
			"id": order["shipment_id"],
			"awb_code": awb,
			"shipment_id": order["shipment_id"],
			"order_id": order["id"],
			"current_status": status,
			"courier_name": order["courier"],
			"packages": 1,
		}
		data = {
			"track_status": 1,
			"shipment_status": 7 if status == "DELIVERED" else 18,
			"shipment_track": [track],
			"shipment_track_activities": [activity],
			"track_url": f"https://shiprocket.co//tracking/{awb}",
			"etd": "2026-11-28 19:28:00",
		}
		return Response(200, {"tracking_data": data})

	def set_status(self, awb: str, status: str):
		self.statuses[awb] = status

	def webhook_delivery(self, token, awb, status="DELIVERED", account=None) -> WebhookDelivery:
		"""Shiprocket's documented sample payload, moved to `status` for `awb`; `token` as x-api-key."""
		payload = fresh(self.sample)
		payload.update(
			awb=awb,
			current_status=status,
			shipment_status=status,
			current_timestamp=f"26 11 2026 {digits(2)}:00:00",
		)
		payload["scans"].append(
			{
				"date": "2026-11-26 11:37:00",
				"status": "DLVD",
				"activity": status.title(),
				"location": "MUMBAI",
				"sr-status": "7",
				"sr-status-label": status,
			}
		)
		headers = {"Content-Type": "application/json", "x-api-key": token}
		body = compact(payload)
		for problem in self.contract.check_webhook(body):
			self._violate(f"webhook delivery: {problem}")
		return WebhookDelivery(body=body, headers=headers, query={"account": account} if account else {})
