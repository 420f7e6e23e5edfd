"""Fake Sendcloud API v3 on 127.0.0.1.

Enforces Basic auth (public key : secret key); errors use the v3 shape
{"errors": [{"status", "code", "detail", "source": {"pointer"}}]}. The first
announced parcel takes its tracking number from Sendcloud's own
parcel_status_changed example (tests/data/sendcloud_docs_webhook_v3_parcel_status_changed.json),
which is also the body of the signed webhook deliveries (Sendcloud-Signature =
hex HMAC-SHA256(body, secret key)). Shipping-option and announce bodies follow
the v3 reference's field names; their values are ours.
"""

from erp_connectors.connectors.signatures import hmac_sha256
from erp_connectors.testing.fake_carriers._shared import (
	PDF_BYTES,
	WebhookDelivery,
	basic_credentials,
	compact,
	digits,
	fresh,
	load_fixture,
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
	{
		"code": "sendcloud:letter",
		"name": "Unstamped letter",
		"carrier": "sendcloud",
		"value": "0.00",
		"lead_time": None,
	},
)
ADDRESS_FIELDS = ("name", "address_line_1", "postal_code", "city", "country_code")
# parcel_status_changed ids and messages, as Sendcloud sends them.
STATUSES = {1: "Ready to send", 3: "En route to sorting center", 11: "Delivered", 2000: "Cancelled"}


class FakeSendcloud(FakeService):
	def __init__(self, public_key: str = "sc_public", secret_key: str = "sc_secret", fixtures_dir=None):
		super().__init__()
		self.credentials = (public_key, secret_key)
		self.status_event = load_fixture("sendcloud_docs_webhook_v3_parcel_status_changed.json", fixtures_dir)
		self.shipments: dict[str, dict] = {}
		self.parcels: dict[str, dict] = {}
		self.announced = 0

	def authenticate(self, request):
		if basic_credentials(request) != self.credentials:
			return self.error_response(401, "Invalid username/password.", code="authentication_failed")
		return None

	def error_response(self, status, message, code=None, pointer=None):
		error = {
			"status": str(status),
			"code": code or ("throttled" if status == 429 else "error"),
			"detail": message,
		}
		if pointer:
			error["source"] = {"pointer": pointer}
		return Response(status, {"errors": [error]})

	def _invalid(self, data):
		errors = []
		for side in ("from_address", "to_address"):
			for name in ADDRESS_FIELDS:
				if not (data.get(side) or {}).get(name):
					errors.append(
						{
							"status": "400",
							"code": "invalid",
							"detail": "This field is required.",
							"source": {"pointer": f"/{side}/{name}"},
						}
					)
		return Response(400, {"errors": errors}) if errors else None

	@route("POST", r"/api/v3/shipping-options")
	def shipping_options(self, request):
		data = request.json() or {}
		if not (data.get("to_address") or {}).get("postal_code"):
			return self.error_response(400, "This field is required.", "invalid", "/to_address/postal_code")
		quote = bool(data.get("calculate_quotes"))
		options = []
		for option in OPTIONS:
			price = {"total": {"value": option["value"], "currency": "EUR"}}
			options.append(
				{
					"code": option["code"],
					"name": option["name"],
					"carrier": {"code": option["carrier"], "name": option["carrier"].upper()},
					"quotes": [{"price": price, "lead_time": option["lead_time"]}] if quote else None,
				}
			)
		return Response(200, {"data": options})

	@route("POST", r"/api/v3/shipments/announce")
	def announce(self, request):
		data = request.json() or {}
		invalid = self._invalid(data)
		if invalid:
			return invalid
		code = ((data.get("ship_with") or {}).get("properties") or {}).get("shipping_option_code")
		option = next((o for o in OPTIONS if o["code"] == code), None)
		if option is None:
			return self.error_response(
				400, f"Shipping option '{code}' is not available.", "invalid", "/ship_with"
			)
		example = self.status_event["parcel"]
		tracking = example["tracking_number"] if self.announced == 0 else f"3SYZXG{digits(9)}"
		parcel_id = str(example["id"] + self.announced)
		shipment_id = (
			example["shipment_uuid"] if self.announced == 0 else f"{digits(8)}-0000-4000-8000-{digits(12)}"
		)
		self.announced += 1
		parcel = {
			"id": int(parcel_id),
			"tracking_number": tracking,
			"tracking_url": f"https://tracking.eu-central-1-0.sendcloud.sc/forward?carrier={option['carrier']}&code={tracking}",
			"status": {"code": "READY_TO_SEND", "message": "Ready to send"},
			"documents": [
				{
					"type": "label",
					"size": "a6",
					"link": f"{self.url}/api/v3/parcels/{parcel_id}/documents/label",
				}
			],
		}
		shipment = {
			"id": shipment_id,
			"carrier": {"code": option["carrier"], "name": option["carrier"].upper()},
			"ship_with": data["ship_with"],
			"order_number": data.get("order_number"),
			"external_reference_id": data.get("external_reference_id"),
			"parcels": [parcel],
		}
		self.shipments[shipment_id] = shipment
		self.parcels[tracking] = parcel
		return Response(201, {"data": shipment})

	@route("GET", r"/api/v3/parcels/(?P<parcel_id>\d+)/documents/label")
	def label_document(self, request):
		if not any(str(p["id"]) == request.params["parcel_id"] for p in self.parcels.values()):
			return self.error_response(404, "Not found.", "not_found")
		return Response(200, PDF_BYTES, headers={"Content-Type": "application/pdf"})

	@route("POST", r"/api/v3/shipments/(?P<shipment_id>[\w-]+)/cancel")
	def cancel(self, request):
		shipment = self.shipments.get(request.params["shipment_id"])
		if shipment is None:
			return self.error_response(404, "No Shipment matches the given query.", "not_found")
		for parcel in shipment["parcels"]:
			parcel["status"] = {"code": "CANCELLED", "message": "Cancelled"}
		return Response(202, {"data": {"status": "cancelled", "message": "Shipment has been cancelled"}})

	@route("GET", r"/api/v3/parcels/tracking/(?P<number>\w+)")
	def tracking(self, request):
		parcel = self.parcels.get(request.params["number"])
		if parcel is None:
			return self.error_response(404, "No parcel found for this tracking number.", "not_found")
		event = {
			"parent_status": parcel["status"]["message"],
			"carrier_message": parcel["status"]["message"],
			"timestamp": "2026-11-20T10:15:00Z",
		}
		body = {
			"tracking_number": parcel["tracking_number"],
			"carrier_code": "postnl",
			"parent_status": event["parent_status"],
			"events": [event],
		}
		return Response(200, {"data": body})

	def set_status(self, tracking_number: str, message: str):
		self.parcels[tracking_number]["status"] = {
			"code": message.upper().replace(" ", "_"),
			"message": message,
		}

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
