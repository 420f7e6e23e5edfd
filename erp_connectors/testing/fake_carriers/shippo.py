"""Fake Shippo on 127.0.0.1, held to Shippo's official SDK models (PyPI `shippo`, the test extra).

Every request body and every response is walked against the SDK's models (see
testing/contracts/shippo_sdk.py), and so is every webhook delivery (WebhookPayloadTrack).
Rates are Shippo's own sample (tests/data/shippo_official_repo_sample_rates_trimmed.json),
completed with the fields the SDK's Rate requires that the trimmed sample leaves out.

Enforces "Authorization: ShippoToken <token>"; errors use Shippo's shapes:
{"detail": "..."} and field-keyed lists such as {"address_to": {"zip": ["This field is required."]}}.
A carrier refusal at purchase comes back as HTTP 201 with status ERROR and messages[].text.
Shippo's test tracking numbers work: carrier "shippo", SHIPPO_PRE_TRANSIT, SHIPPO_TRANSIT,
SHIPPO_DELIVERED, SHIPPO_RETURNED, SHIPPO_FAILURE, SHIPPO_UNKNOWN. Webhooks carry ?token= in the URL.
The transaction, refund and track bodies are built from the SDK's models, not copied.
Label files live on another host (localhost here, S3 in real life): not Shippo's API.
"""

import time

from erp_connectors.testing.contracts.shippo_sdk import ShippoSdkContract
from erp_connectors.testing.fake_carriers._shared import (
	PDF_BYTES,
	WebhookDelivery,
	compact,
	digits,
	fresh,
	hex_id,
	load_fixture,
	zpl_label,
)
from erp_connectors.testing.fake_server import FakeService, Response, route

ADDRESS_FIELDS = ("name", "street1", "city", "zip", "country")
OWNER = "shippotle@shippo.com"
STAMP = "2026-11-20T10:15:00Z"


def stamped(**fields) -> dict:
	"""The object fields Shippo puts on everything it stores."""
	return {
		"object_created": STAMP,
		"object_updated": STAMP,
		"object_id": hex_id(),
		"object_owner": OWNER,
		**fields,
	}


class FakeShippo(FakeService):
	contract = ShippoSdkContract(label_files="/files/")

	def __init__(self, token: str = "shippo_test_token", fixtures_dir=None):
		super().__init__()
		self.contract.load()
		self.token = token
		self.sample_rates = load_fixture("shippo_official_repo_sample_rates_trimmed.json", fixtures_dir)[
			"results"
		]
		self.rates: dict[str, dict] = {}
		self.transactions: dict[str, dict] = {}
		self.tracking_status: dict[str, str] = {}
		self.refuse_next_purchase: str | None = None  # a carrier's refusal text for the next transaction
		self.shipments: dict[str, dict] = {}  # shipment id -> its parcel ids and customs declaration
		self.purchases = 0  # rates bought (a multi-piece purchase is one)
		self.purchase_delay = 0.0

	@property
	def files_url(self) -> str:
		"""Label files live on another origin (S3 in real life), here the same server by another name."""
		return self.url.replace("127.0.0.1", "localhost")

	def authenticate(self, request):
		if request.path.startswith("/files/"):
			return None
		header = request.header("authorization")
		if not header:
			return Response(401, {"detail": "Authentication credentials were not provided."})
		if header != f"ShippoToken {self.token}":
			return Response(401, {"detail": "Invalid token."})
		return None

	def error_response(self, status, message):
		return Response(status, {"detail": message})

	@route("POST", r"/shipments/")
	def create_shipment(self, request):
		data = request.json() or {}
		errors = {}
		for side in ("address_from", "address_to"):
			missing = {
				name: ["This field is required."]
				for name in ADDRESS_FIELDS
				if not (data.get(side) or {}).get(name)
			}
			if missing:
				errors[side] = missing
		if not data.get("parcels"):
			errors["parcels"] = ["This field is required."]
		if errors:
			return Response(400, errors)
		parcels = [stamped(**parcel, object_state="VALID") for parcel in data["parcels"]]
		shipment_id = hex_id()
		rates = []
		for sample in fresh(self.sample_rates):
			if len(self.shipments):
				sample["object_id"] = hex_id()
			sample.update(shipment=shipment_id, object_created=STAMP, object_owner=OWNER)
			self.rates[sample["object_id"]] = sample
			rates.append(sample)
		body = stamped(
			object_id=shipment_id,
			status="SUCCESS",
			address_from=stamped(**data["address_from"]),
			address_to=stamped(**data["address_to"]),
			parcels=parcels,
			carrier_accounts=[],
			rates=rates,
			messages=[],
			metadata=data.get("metadata") or "",
			extra=data.get("extra") or {},
			test=True,
		)
		self.shipments[shipment_id] = {
			"parcels": [parcel["object_id"] for parcel in parcels],
			"customs": data.get("customs_declaration"),
			"international": data["address_from"].get("country") != data["address_to"].get("country"),
		}
		return Response(201, body)

	@route("POST", r"/transactions/?")
	def create_transaction(self, request):
		data = request.json() or {}
		rate = self.rates.get(data.get("rate"))
		if rate is None:
			return Response(400, {"rate": [f'Invalid pk "{data.get("rate")}" - object does not exist.']})
		if self.purchase_delay:
			time.sleep(self.purchase_delay)
		shipment = self.shipments.get(rate["shipment"], {"parcels": [None], "customs": None})
		refusal = self.refuse_next_purchase
		if shipment.get("international") and not shipment.get("customs"):
			refusal = "A customs declaration is required for international shipments."
		if refusal:
			self.refuse_next_purchase = None
			transaction = self._transaction(rate, data)
			transaction.update(
				status="ERROR", messages=[{"source": rate["provider"], "code": "", "text": refusal}]
			)
			return Response(201, transaction)
		# A multi-piece shipment: one transaction (label, tracking number) per parcel, the first answered.
		made = [self._transaction(rate, data, parcel, shipment) for parcel in shipment["parcels"]]
		self.purchases += 1
		return Response(201, made[0])

	def _transaction(self, rate, data, parcel=None, shipment=None) -> dict:
		object_id = hex_id()
		transaction = stamped(
			object_id=object_id,
			object_state="VALID",
			rate=rate["object_id"],
			metadata=data.get("metadata", ""),
			test=True,
			messages=[],
		)
		if shipment is None:
			return transaction
		tracking = digits(22)
		extension = "zpl" if data.get("label_file_type") == "ZPLII" else "pdf"
		transaction.update(
			status="SUCCESS",
			tracking_number=tracking,
			tracking_status="UNKNOWN",
			tracking_url_provider=f"https://tools.usps.com/go/TrackConfirmAction_input?origTrackNum={tracking}",
			label_url=f"{self.files_url}/files/{object_id}.{extension}",
			label_file_type=data.get("label_file_type") or "PDF",
		)
		if parcel:
			transaction["parcel"] = parcel
		if shipment.get("customs"):
			transaction["commercial_invoice_url"] = f"{self.files_url}/files/invoice-{object_id}.pdf"
		self.transactions[object_id] = transaction
		self.tracking_status[tracking] = "PRE_TRANSIT"
		return transaction

	@route("GET", r"/transactions/?")
	def list_transactions(self, request):
		rate = request.query.get("rate")
		found = [t for t in self.transactions.values() if rate is None or t["rate"] == rate]
		return Response(200, {"next": None, "previous": None, "results": found})

	@route("POST", r"/refunds/?")
	def create_refund(self, request):
		transaction_id = (request.json() or {}).get("transaction")
		if transaction_id not in self.transactions:
			return Response(400, {"transaction": [f'Invalid pk "{transaction_id}" - object does not exist.']})
		self.transactions[transaction_id]["status"] = "REFUNDPENDING"
		return Response(201, stamped(status="QUEUED", transaction=transaction_id, test=True))

	@route("GET", r"/tracks/(?P<carrier>\w+)/(?P<number>\w+)")
	def track(self, request):
		carrier, number = request.params["carrier"], request.params["number"]
		if carrier == "shippo" and number.startswith("SHIPPO_"):
			status = number.removeprefix("SHIPPO_")
		else:
			status = self.tracking_status.get(number, "UNKNOWN")
		return Response(200, self.track_object(carrier, number, status))

	@route("GET", r"/files/(?P<name>[\w.-]+)")
	def label_file(self, request):
		if request.params["name"].endswith(".zpl"):
			return Response(
				200, zpl_label(request.params["name"]), headers={"Content-Type": "application/zpl"}
			)
		return Response(200, PDF_BYTES, headers={"Content-Type": "application/pdf"})

	@staticmethod
	def track_object(carrier, number, status, substatus=None):
		tracking_status = {
			**{k: v for k, v in stamped().items() if k != "object_owner"},
			"status": status,
			"substatus": {"code": substatus, "text": substatus, "action_required": False}
			if substatus
			else None,
			"status_details": f"Your shipment is {status.replace('_', ' ').lower()}.",
			"status_date": "2026-11-20T10:15:00Z",
			"location": {"city": "San Francisco", "state": "CA", "zip": "94103", "country": "US"},
		}
		return {
			"carrier": carrier,
			"tracking_number": number,
			"eta": "2026-11-22T12:00:00Z",
			"tracking_status": tracking_status,
			"tracking_history": [tracking_status],
			"messages": [],
			"metadata": None,
		}

	def webhook_delivery(
		self,
		token: str,
		tracking_number: str,
		*,
		status="DELIVERED",
		substatus=None,
		carrier="usps",
		account=None,
	) -> WebhookDelivery:
		body = compact(
			{
				"event": "track_updated",
				"test": True,
				"data": self.track_object(carrier, tracking_number, status, substatus),
			}
		)
		query = {"token": token, **({"account": account} if account else {})}
		for problem in self.contract.check_webhook(body):
			self._violate(f"webhook delivery: {problem}")
		return WebhookDelivery(body=body, headers={"Content-Type": "application/json"}, query=query)
