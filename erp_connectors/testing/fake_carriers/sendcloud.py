"""Fake Sendcloud API v3 on 127.0.0.1, held to Sendcloud's own OpenAPI document.

Every request and response is checked against tests/data/sendcloud_v3_openapi_merged.json.gz
(see tests/data/README.md). Auth is Basic (public key : secret key); errors use the document's
shape {"errors": [{"status", "code", "detail", "source": {"pointer"}}]}, except tracking, whose
404 is {"detail"}. The first announced parcel takes its tracking number from Sendcloud's own
parcel_status_changed example (tests/data/sendcloud_docs_webhook_v3_parcel_status_changed.json),
which is also the body of the signed webhook deliveries (Sendcloud-Signature = hex
HMAC-SHA256(body, secret key)).

Behaviour the document states, and the fake follows:
- shipping options come with quotes only when asked (`calculate_quotes`) and given a route
  (`from_country_code` / `to_country_code`);
- announcing answers 201 with the shipment; reusing an `external_reference_id` answers 409 with
  the shipment already announced under it;
- cancelling a shipment that is ready to send is queued (202, status "queued"); one already
  announced further is cancelled (200, status "cancelled"); one already cancelled, being
  cancelled or delivered is refused (409 "Cancellation rejected");
- tracking answers the parcel-tracking object: `tracking_numbers[]` and `events[]`, not wrapped.
"""

from datetime import datetime, timezone

from erp_connectors.connectors.signatures import hmac_sha256
from erp_connectors.testing.contracts.openapi import ExtraResponse, OpenAPIContract
from erp_connectors.testing.contracts.problems import Problem
from erp_connectors.testing.fake_carriers._shared import (
	FIXTURES_DIR,
	PDF_BYTES,
	WebhookDelivery,
	basic_credentials,
	compact,
	digits,
	fresh,
	load_fixture,
	zpl_label,
)
from erp_connectors.testing.fake_server import FakeService, Response, route

OPTIONS = (
	{
		"code": "postnl:standard",
		"name": "PostNL Standard",
		"carrier": "postnl",
		"value": "6.95",
		"lead_time": 24,
	},
	{"code": "dhl:home", "name": "DHL Home Delivery", "carrier": "dhl", "value": "5.40", "lead_time": 48},
	{"code": "sendcloud:letter", "name": "Unstamped letter", "carrier": "sendcloud", "value": "0.00"},
)
# parcel_status_changed ids and messages, as Sendcloud's webhooks send them.
STATUSES = {1: "Ready to send", 3: "En route to sorting center", 11: "Delivered", 2000: "Cancelled"}
ERROR_CODES = {
	400: "invalid",
	401: "authentication_failed",
	404: "not_found",
	409: "invalid",
	429: "throttled",
}
NOT_CANCELLABLE = ("CANCELLED", "CANCELLATION_REQUESTED", "DELIVERED")
EU = set("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split())


def sendcloud_errors(status: int, problems: list) -> Response:
	"""The document's error shape; a missing field is worded as its own 400 example words it."""
	errors = []
	for problem in problems:
		problem = problem if isinstance(problem, Problem) else Problem(str(problem))
		error = {"status": str(status), "code": ERROR_CODES.get(status, "error"), "detail": problem.text}
		if problem.kind == "required":
			error.update(code="required", detail="This field is required.")
		if problem.pointer:
			error["source"] = {"pointer": problem.pointer}
		errors.append(error)
	return Response(status, {"errors": errors})


CONTRACT = OpenAPIContract(
	"Sendcloud",
	FIXTURES_DIR / "sendcloud_v3_openapi_merged.json.gz",
	sendcloud_errors,
	auth_error_schema="errors",
	extra_responses=[
		ExtraResponse(
			"POST",
			"/shipments/announce",
			409,
			schema_of=201,
			source="shipment-common-with-optional-fields.external_reference_id: 'Using the same reference "
			"more than once will result in a 409 HTTP status code and the associated object being returned.'",
		)
	],
)


def now() -> str:
	return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


class FakeSendcloud(FakeService):
	contract = CONTRACT

	def __init__(self, public_key: str = "sc_public", secret_key: str = "sc_secret", fixtures_dir=None):
		super().__init__()
		self.contract.load()
		self.credentials = (public_key, secret_key)
		self.status_event = load_fixture("sendcloud_docs_webhook_v3_parcel_status_changed.json", fixtures_dir)
		self.shipments: dict[str, dict] = {}
		self.parcels: dict[str, dict] = {}  # by tracking number
		self.events: dict[str, list[dict]] = {}  # tracking events by tracking number
		self.announced = 0
		self.fail_next_announcement: str | None = None  # the carrier's words for an announcement failure
		self.zpl: dict[int, bool] = {}  # parcel id -> its label was asked as native ZPL

	def authenticate(self, request):
		if basic_credentials(request) != self.credentials:
			return self.error_response(401, "Invalid username/password.")
		return None

	def error_response(self, status, message, pointer=""):
		return sendcloud_errors(status, [Problem(message, pointer)])

	@route("POST", r"/api/v3/shipping-options")
	def shipping_options(self, request):
		data = request.json()
		route_given = data.get("from_country_code") or data.get("to_country_code")
		quote = bool(data.get("calculate_quotes")) and bool(route_given)
		options = []
		for option in OPTIONS:
			price = {"total": {"value": option["value"], "currency": "EUR"}}
			quotes = [
				{"price": price, **({"lead_time": option["lead_time"]} if "lead_time" in option else {})}
			]
			options.append(
				{
					"code": option["code"],
					"name": option["name"],
					"carrier": {"code": option["carrier"], "name": option["carrier"].upper()},
					"quotes": quotes if quote else None,
				}
			)
		return Response(200, {"data": options})

	@route("POST", r"/api/v3/shipments/announce")
	def announce(self, request):
		data = request.json()
		reference = data.get("external_reference_id")
		existing = next(
			(s for s in self.shipments.values() if reference and s.get("external_reference_id") == reference),
			None,
		)
		if existing is not None:
			return Response(409, {"data": fresh(existing)})
		code = ((data.get("ship_with") or {}).get("properties") or {}).get("shipping_option_code")
		option = next((o for o in OPTIONS if o["code"] == code), None)
		if option is None:
			return self.error_response(400, f"Shipping option '{code}' is not available.", "/ship_with")
		if not (data.get("to_address") or {}).get("postal_code"):
			return self.error_response(400, "This field is required.", "/to_address/postal_code")
		refused = self._customs_problem(data)
		if refused is not None:
			return refused
		shipment = self._new_shipment(data, option)
		return Response(201, {"data": fresh(shipment)})

	def _new_shipment(self, data, option):
		shipment_id = None
		parcels = []
		for sent in data["parcels"]:
			parcel, shipment_id = self._new_parcel(sent, option, data, shipment_id)
			parcels.append(parcel)
		errors = []
		if self.fail_next_announcement:
			detail, self.fail_next_announcement = self.fail_next_announcement, None
			for parcel in parcels:
				parcel["status"] = {"code": "ANNOUNCEMENT_FAILED", "message": "Announcement Failed"}
				del parcel["documents"]
			errors = [{"status": "500", "code": "parcel_announcement_error", "detail": detail}]
		keys = ("from_address", "to_address", "ship_with", "label_details", "customs_information")
		shipment = {
			"id": shipment_id,
			**{key: data[key] for key in keys if key in data},
			**{key: data[key] for key in ("order_number", "external_reference_id") if data.get(key)},
			"parcels": parcels,
			"errors": errors,
		}
		self.shipments[shipment_id] = shipment
		return shipment

	def _new_parcel(self, sent, option, data, shipment_id):
		example = self.status_event["parcel"]
		first = self.announced == 0
		tracking = example["tracking_number"] if first else f"3SYZXG{digits(9)}"
		parcel_id = example["id"] + self.announced
		if shipment_id is None:
			shipment_id = example["shipment_uuid"] if first else f"{digits(8)}-0000-4000-8000-{digits(12)}"
		self.announced += 1
		stamp = now()
		parcel = {
			"id": parcel_id,
			"status": {"code": "READY_TO_SEND", "message": "Ready to send"},
			"documents": [
				{
					"type": "label",
					"size": "a6",
					"link": f"{self.url}/api/v3/parcels/{parcel_id}/documents/label",
				}
			],
			**{key: value for key, value in sent.items() if key in ("weight", "dimensions", "parcel_items")},
			"tracking_number": tracking,
			"tracking_url": f"https://tracking.eu-central-1-0.sendcloud.sc/forward?carrier={option['carrier']}&code={tracking}",
			"created_at": stamp,
			"updated_at": stamp,
			"announced_at": stamp,
		}
		self.parcels[tracking] = parcel
		self.zpl[parcel_id] = (data.get("label_details") or {}).get("mime_type") == "application/zpl"
		self.events[tracking] = [self._event("READY_TO_SEND", "Ready to send", "internal")]
		return parcel, shipment_id

	def _customs_problem(self, data):
		"""Abroad, the document requires customs-information and each parcel item's hs_code and
		origin_country ("This field is required if it's an international shipment")."""
		countries = {(data.get(side) or {}).get("country_code") for side in ("from_address", "to_address")}
		if countries <= EU or len(countries) == 1:
			return None
		if not data.get("customs_information"):
			return self.error_response(400, "This field is required.", "/customs_information")
		for number, parcel in enumerate(data["parcels"]):
			if not parcel.get("parcel_items"):
				return self.error_response(400, "This field is required.", f"/parcels/{number}/parcel_items")
			for line, item in enumerate(parcel["parcel_items"]):
				for key in ("hs_code", "origin_country"):
					if not item.get(key):
						where = f"/parcels/{number}/parcel_items/{line}/{key}"
						return self.error_response(400, "This field is required.", where)
		return None

	@route("GET", r"/api/v3/parcels/(?P<parcel_id>\d+)/documents/(?P<kind>[\w-]+)")
	def label_document(self, request):
		parcel = next((p for p in self.parcels.values() if str(p["id"]) == request.params["parcel_id"]), None)
		if parcel is None or request.params["kind"] != "label" or "documents" not in parcel:
			return self.error_response(404, "No Parcel matches the given query.")
		# "If a label is requested as native ZPL from the carrier it can't be converted to another format."
		if self.zpl.get(parcel["id"]):
			return Response(
				200, zpl_label(parcel["tracking_number"]), headers={"Content-Type": "application/zpl"}
			)
		return Response(200, PDF_BYTES, headers={"Content-Type": "application/pdf"})

	@route("POST", r"/api/v3/shipments/(?P<shipment_id>[\w-]+)/cancel")
	def cancel(self, request):
		shipment = self.shipments.get(request.params["shipment_id"])
		if shipment is None:
			return self.error_response(404, "Not found")
		parcel = shipment["parcels"][0]
		if parcel["status"]["code"] in NOT_CANCELLABLE:
			return self.error_response(409, "This shipment is already being cancelled.")
		if parcel["status"]["code"] == "READY_TO_SEND":
			for each in shipment["parcels"]:
				self._move(each, "CANCELLATION_REQUESTED", "Cancellation requested")
			body = {"status": "queued", "message": "Shipment cancellation has been queued"}
			return Response(202, {"data": body})
		for each in shipment["parcels"]:
			self._move(each, "CANCELLED", "Cancelled")
		return Response(200, {"data": {"status": "cancelled", "message": "Shipment has been cancelled"}})

	@route("GET", r"/api/v3/parcels/tracking/(?P<number>[^/]+)")
	def tracking(self, request):
		number = request.params["number"]
		parcel = self.parcels.get(number)
		if parcel is None:
			return Response(404, {"detail": "Parcel does not exist"})
		shipment = next(s for s in self.shipments.values() if any(p is parcel for p in s["parcels"]))
		carrier = shipment["ship_with"]["properties"]["shipping_option_code"].split(":")[0]
		body = {
			"announced_at": parcel["announced_at"],
			"created_at": parcel["created_at"],
			"updated_at": parcel["updated_at"],
			"details": {
				"expected_delivery_date": "2026-11-22",
				"is_return": False,
				"is_to_service_point": False,
			},
			"events": fresh(self.events[number]),
			"from_address": self._tracking_address(shipment.get("from_address") or {}),
			"to_address": self._tracking_address(shipment["to_address"]),
			"source_id": shipment.get("external_reference_id") or shipment["id"],
			"tracking_numbers": [
				{"carrier_code": carrier, "tracking_number": number, "tracking_url": parcel["tracking_url"]}
			],
		}
		return Response(200, body)

	@staticmethod
	def _tracking_address(address):
		keys = ("name", "company_name", "address_line_1", "address_line_2", "house_number", "postal_code")
		keys += ("city", "country_code", "email", "phone_number", "state_province_code")
		return {key: address[key] for key in keys if key in address}

	@staticmethod
	def _event(code, description, kind="carrier"):
		return {
			"event_at": now(),
			"event_type": kind,
			"status_code": code,
			"status_description": description,
			"status_type": "success",
			"sub_status_code": "none",
		}

	def _move(self, parcel, code, message):
		parcel["status"] = {"code": code, "message": message}
		self.events[parcel["tracking_number"]].append(self._event(code, message, "internal"))

	def set_status(self, tracking_number: str, code: str, description: str | None = None):
		"""A carrier event for the parcel: `code` as Sendcloud's tracking events carry it."""
		parcel = self.parcels[tracking_number]
		description = description or code.replace("_", " ").capitalize()
		parcel["status"] = {"code": code.upper(), "message": description}
		self.events[tracking_number].append(self._event(code, description))

	def webhook_delivery(
		self, secret_key: str, *, status_id=None, tracking_number=None, timestamp=None, account=None
	) -> WebhookDelivery:
		"""Sendcloud's parcel_status_changed example, signed with `secret_key`; given fields changed."""
		event = fresh(self.status_event)
		if timestamp is not None:
			event["timestamp"] = timestamp
		if status_id is not None:
			event["parcel"]["status"] = {
				"id": status_id,
				"message": STATUSES.get(status_id, "Unknown status"),
			}
		if tracking_number:
			event["parcel"]["tracking_number"] = tracking_number
		body = compact(event)
		headers = {
			"Content-Type": "application/json",
			"Sendcloud-Signature": hmac_sha256(secret_key, body, "hex"),
		}
		return WebhookDelivery(body=body, headers=headers, query={"account": account} if account else {})
