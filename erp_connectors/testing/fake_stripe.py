"""A fake Stripe API on 127.0.0.1 that the real `stripe` SDK talks to over HTTP.

Every request and response is checked against Stripe's published contract as the official SDK
carries it (`contracts.stripe_contract`): an unknown endpoint is Stripe's 404, an unknown, missing
or mistyped param Stripe's 400 with its `param`, and an object the fake serves (or an event it
sends) must fit the model of its kind. On top of that the fake behaves as Stripe does: the secret
key (Bearer or Basic), Idempotency-Key replay of the first response (and `idempotency_error` for
the same key with other parameters), cursor pagination (`limit`, `starting_after`, `has_more`,
newest first), and Stripe's error shape `{"error": {type, code, message, param}}`. Faults: 429
`lock_timeout`/`rate_limit` and 5xx via `inject_error`, plus `lose_response`, which runs and stores
a request and then resets the connection, as when a reply is lost on the way back. Objects start
as the real fixtures (stripe/openapi fixtures3); `fake_stripe_activity` changes them as Stripe
would (payments, refunds, disputes, payouts) and `signed_event` signs the events exactly as Stripe does.
"""

import base64
import copy
import hashlib
import hmac
import itertools
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

from erp_connectors.testing.contracts.stripe_contract import StripeContract
from erp_connectors.testing.fake_server import FakeService, Response, route
from erp_connectors.testing.fake_stripe_activity import PREFIX, StripeActivity

DEFAULT_FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "data"
FIXTURE_PREFIX = "stripe_openapi_fixture_"
LOCK_TIMEOUT_MESSAGE = (
	"This object cannot be accessed right now because another API request or Stripe process is currently "
	"accessing it. If you see this error intermittently, retry the request."
)
RATE_LIMIT_MESSAGE = (
	"Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits."
)


def signed_event(event: dict, secret: str, timestamp: int | None = None) -> tuple[bytes, dict]:
	"""The body and headers Stripe sends for `event`, signed with the endpoint's `whsec_...` secret."""
	body = json.dumps(event, indent=2).encode()
	timestamp = int(time.time()) if timestamp is None else int(timestamp)
	signature = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
	return body, {"Stripe-Signature": f"t={timestamp},v1={signature}", "Content-Type": "application/json"}


def parse_form(pairs) -> dict:
	"""`a[b][0][c]=v` pairs (as the SDK encodes) -> nested dicts and lists."""
	root: dict = {}
	for key, value in pairs:
		path = [key.split("[", 1)[0]] + re.findall(r"\[([^\]]*)\]", key)
		node = root
		for part in path[:-1]:
			node = node.setdefault(part, {})
		node[path[-1]] = value
	return _listify(root)


def _listify(node):
	if not isinstance(node, dict):
		return node
	node = {key: _listify(value) for key, value in node.items()}
	if node and all(key.isdigit() for key in node):
		return [node[key] for key in sorted(node, key=int)]
	return node


# Properties Stripe added (as required) between the fixtures' snapshot (2026-08-21) and the API version
# the SDK pins: {object type: {dotted path: the value an object created today has}}.
ADDED_SINCE_FIXTURES = {"dispute": {"evidence_details.submission_method": "not_submitted"}}


def load_fixture_objects(directory: Path = DEFAULT_FIXTURES) -> dict[str, dict]:
	"""The real fixture objects, keyed by their Stripe `object` type, brought up to the pinned API version."""
	objects = {}
	for path in sorted(Path(directory).glob(f"{FIXTURE_PREFIX}*.json")):
		obj = json.loads(path.read_text())
		for dotted, value in ADDED_SINCE_FIXTURES.get(obj["object"], {}).items():
			*parents, name = dotted.split(".")
			node = obj
			for parent in parents:
				node = node[parent]
			node.setdefault(name, value)
		objects[obj["object"]] = obj
	return objects


@dataclass
class StripeFault:
	status: int
	code: str | None
	message: str
	type: str
	path: str | None
	remaining: int
	should_retry: bool | None


class FakeStripe(StripeActivity, FakeService):
	contract = StripeContract()

	def __init__(self, api_key: str = "sk_test_fake_51Hx", fixtures_dir: Path = DEFAULT_FIXTURES):
		super().__init__()
		self.api_key = api_key
		self.livemode = api_key.startswith("sk_live_")
		self.templates = load_fixture_objects(fixtures_dir)
		self.objects: dict[str, dict] = {}
		self.payout_of: dict[str, str] = {}  # balance transaction id -> payout id
		self.intent_metadata: dict[str, dict] = {}  # session id -> payment_intent_data.metadata
		self.idempotent: dict[str, tuple[str, Response]] = {}
		self.created_sessions: list[str] = []
		self.created_refunds: list[str] = []  # the charge of each refund actually made
		self.refund_outcome = "succeeded"
		self._order = itertools.count()
		self._sequence: dict[str, int] = {}
		self._stripe_faults: list[StripeFault] = []
		self._lose: list[list] = []
		self._state_lock = threading.RLock()
		for obj in self.templates.values():
			self.put(copy.deepcopy(obj))

	# --- contract ----------------------------------------------------------------------------------

	def authenticate(self, request):
		header = request.header("authorization") or ""
		key = None
		if header.startswith("Bearer "):
			key = header[len("Bearer ") :]
		elif header.startswith("Basic "):
			key = base64.b64decode(header[len("Basic ") :]).decode(errors="replace").split(":", 1)[0]
		if not key:
			return self.stripe_error(
				401,
				None,
				"You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
			)
		if not hmac.compare_digest(key, self.api_key):
			return self.stripe_error(401, None, f"Invalid API Key provided: {key[:8]}****{key[-4:]}")
		return None

	def error_response(self, status, message):
		if status == 429:
			return self.stripe_error(429, "rate_limit", RATE_LIMIT_MESSAGE)
		return self.stripe_error(
			status, None, message, "api_error" if status >= 500 else "invalid_request_error"
		)

	@staticmethod
	def stripe_error(
		status, code, message, type="invalid_request_error", param=None, headers=None
	) -> Response:
		error = {"type": type, "message": message}
		if code:
			error["code"] = code
		if param:
			error["param"] = param
		return Response(
			status,
			{"error": error},
			headers={"Request-Id": f"req_{uuid.uuid4().hex[:14]}", **(headers or {})},
		)

	def inject_error(
		self,
		status=429,
		code="lock_timeout",
		message=None,
		type="invalid_request_error",
		*,
		times=1,
		path=None,
		should_retry=None,
	):
		"""Answer the next `times` matching requests with a Stripe error, before anything is executed."""
		if message is None:
			message = {"lock_timeout": LOCK_TIMEOUT_MESSAGE, "rate_limit": RATE_LIMIT_MESSAGE}.get(
				code, f"Injected {status}"
			)
		if status >= 500:
			type = "api_error"
		with self._state_lock:
			self._stripe_faults.append(StripeFault(status, code, message, type, path, times, should_retry))

	def lose_response(self, *, times=1, path=None):
		"""Execute (and store for idempotency) the next matching request, then reset instead of answering."""
		with self._state_lock:
			self._lose.append([path, times])

	def _route(self, request):
		refused = self.authenticate(request)
		if refused is not None:
			return refused
		with self._state_lock:
			fault = next(
				(
					f
					for f in self._stripe_faults
					if f.remaining > 0 and (f.path is None or re.search(f.path, request.path))
				),
				None,
			)
			if fault:
				fault.remaining -= 1
		if fault:
			headers = (
				{} if fault.should_retry is None else {"Stripe-Should-Retry": str(fault.should_retry).lower()}
			)
			return self.stripe_error(fault.status, fault.code, fault.message, fault.type, headers=headers)
		request.form = (
			parse_form(parse_qsl(request.body.decode(), keep_blank_values=True)) if request.body else {}
		)
		if request.method != "POST" or not request.header("idempotency-key"):
			return self._lost(request, super()._route(request))
		key = f"{self.api_key}:{request.header('idempotency-key')}"
		fingerprint = json.dumps([request.path, request.form], sort_keys=True)
		with self._state_lock:
			stored = self.idempotent.get(key)
			if stored is None:
				response = super()._route(request)
				if response.status < 300 or response.status >= 500:
					self.idempotent[key] = (fingerprint, response)
				return self._lost(request, response)
		if stored[0] != fingerprint:
			return self.stripe_error(
				400,
				None,
				"Keys for idempotent requests can only be used with the same parameters they were first used with. "
				f"Try using a key other than '{request.header('idempotency-key')}' if you meant to execute a different request.",
				"idempotency_error",
			)
		replay = stored[1]
		return Response(replay.status, replay.body, {**replay.headers, "Idempotent-Replayed": "true"})

	def _lost(self, request, response):
		with self._state_lock:
			for entry in self._lose:
				if entry[1] > 0 and (entry[0] is None or re.search(entry[0], request.path)):
					entry[1] -= 1
					lost = Response(response.status, response.body, dict(response.headers))
					lost.lost = True
					return lost
		return response

	def _write(self, handler, response):
		if getattr(response, "lost", False):
			self._reset(handler)
			return
		FakeService._write(handler, response)

	# --- state -------------------------------------------------------------------------------------

	def put(self, obj: dict) -> dict:
		with self._state_lock:
			self.objects[obj["id"]] = obj
			self._sequence.setdefault(obj["id"], next(self._order))
		return obj

	def update(self, object_id: str, **fields) -> dict:
		with self._state_lock:
			self.objects[object_id].update(fields)
			return self.objects[object_id]

	def new(self, kind: str, **fields) -> dict:
		"""A new object shaped like the real fixture of its kind (only the properties that kind has)."""
		obj = copy.deepcopy(self.templates[kind])
		obj["id"] = PREFIX.get(kind, "obj_") + uuid.uuid4().hex[:24]
		for name, value in (("created", int(time.time())), ("livemode", self.livemode)):
			if name in obj:  # a payment link has no `created`, a refund no `livemode`
				obj[name] = value
		obj.update(fields)
		return self.put(obj)

	def of_kind(self, kind: str) -> list[dict]:
		with self._state_lock:
			return [o for o in self.objects.values() if o.get("object") == kind]

	def _get(self, kind, object_id, param="id"):
		obj = self.objects.get(object_id)
		if obj is None or obj.get("object") != kind:
			return self.stripe_error(404, "resource_missing", f"No such {kind}: '{object_id}'", param=param)
		return Response(200, copy.deepcopy(obj))

	def _list(self, request, items, url):
		query = parse_form(request.query.items())
		try:
			limit = int(query.get("limit", 10))
		except ValueError:
			limit = 0
		if not 1 <= limit <= 100:
			return self.stripe_error(
				400,
				"parameter_invalid_integer",
				"Invalid integer: limit must be between 1 and 100",
				param="limit",
			)
		items = sorted(items, key=lambda o: (o.get("created") or 0, self._sequence[o["id"]]), reverse=True)
		start = 0
		after = query.get("starting_after")
		if after:
			ids = [o["id"] for o in items]
			if after not in ids:
				return self.stripe_error(
					400, "resource_missing", f"No such object: '{after}'", param="starting_after"
				)
			start = ids.index(after) + 1
		page = items[start : start + limit]
		return Response(
			200,
			{
				"object": "list",
				"data": copy.deepcopy(page),
				"has_more": start + limit < len(items),
				"url": url,
			},
		)

	# --- routes ------------------------------------------------------------------------------------

	@route("GET", r"/v1/balance")
	def balance(self, request):
		available = {}
		for txn in self.of_kind("balance_transaction"):
			available[txn["currency"]] = available.get(txn["currency"], 0) + txn["net"]
		rows = [
			{"amount": amount, "currency": currency, "source_types": {"card": amount}}
			for currency, amount in available.items()
		]
		return Response(
			200, {"object": "balance", "available": rows, "pending": [], "livemode": self.livemode}
		)

	@route("POST", r"/v1/checkout/sessions")
	def create_session(self, request):
		form = request.form
		items = form.get("line_items") or []
		if form.get("mode") != "payment":
			return self.stripe_error(400, "parameter_missing", "Missing required param: mode.", param="mode")
		if not items or not all(isinstance(i, dict) and "price_data" in i for i in items):
			return self.stripe_error(
				400,
				"parameter_missing",
				"Missing required param: line_items[0][price_data].",
				param="line_items",
			)
		currencies = {i["price_data"].get("currency") for i in items}
		if len(currencies) != 1:
			return self.stripe_error(
				400, "parameter_invalid", "All line items must use the same currency.", param="line_items"
			)
		currency = currencies.pop()
		total = sum(int(i["price_data"]["unit_amount"]) * int(i.get("quantity", 1)) for i in items)
		if currency in ("bhd", "jod", "kwd", "omr", "tnd") and total % 10:
			return self.stripe_error(
				400,
				"amount_invalid",
				f"Invalid amount for {currency}: must be a multiple of 10.",
				param="line_items[0][price_data][unit_amount]",
			)
		session = self.new(
			"checkout.session",
			amount_subtotal=total,
			amount_total=total,
			currency=currency,
			metadata=form.get("metadata") or {},
			client_reference_id=form.get("client_reference_id"),
			customer_email=form.get("customer_email"),
			success_url=form.get("success_url"),
			cancel_url=form.get("cancel_url"),
			status="open",
			payment_status="unpaid",
			payment_intent=None,
		)
		session["url"] = f"https://checkout.stripe.com/c/pay/{session['id']}"
		self.intent_metadata[session["id"]] = (form.get("payment_intent_data") or {}).get("metadata") or {}
		self.created_sessions.append(session["id"])
		return Response(200, copy.deepcopy(session))

	@route("GET", r"/v1/checkout/sessions/(?P<id>[\w]+)")
	def get_session(self, request):
		return self._get("checkout.session", request.params["id"], "session")

	@route("GET", r"/v1/checkout/sessions")
	def list_sessions(self, request):
		intent = request.query.get("payment_intent")
		sessions = [
			s for s in self.of_kind("checkout.session") if not intent or s.get("payment_intent") == intent
		]
		return self._list(request, sessions, "/v1/checkout/sessions")

	@route("POST", r"/v1/prices")
	def create_price(self, request):
		form = request.form
		if not form.get("currency") or "unit_amount" not in form:
			return self.stripe_error(
				400, "parameter_missing", "Missing required param: unit_amount.", param="unit_amount"
			)
		price = self.new(
			"price",
			currency=form["currency"],
			unit_amount=int(form["unit_amount"]),
			unit_amount_decimal=str(int(form["unit_amount"])),
			metadata=form.get("metadata") or {},
			active=True,
			type="one_time",  # no `recurring` asked for
			recurring=None,
			product=form.get("product") or "prod_" + uuid.uuid4().hex[:14],  # product_data makes one
			nickname=form.get("nickname"),
			lookup_key=form.get("lookup_key"),
			tax_behavior=form.get("tax_behavior", "unspecified"),
			custom_unit_amount=None,
			transform_quantity=None,
		)
		return Response(200, copy.deepcopy(price))

	@route("POST", r"/v1/payment_links")
	def create_payment_link(self, request):
		form = request.form
		lines = form.get("line_items") or []
		if not lines or lines[0].get("price") not in self.objects:
			return self.stripe_error(400, "resource_missing", "No such price.", param="line_items[0][price]")
		link = self.new(
			"payment_link",
			metadata=form.get("metadata") or {},
			currency=self.objects[lines[0]["price"]]["currency"],
		)
		link["url"] = f"https://buy.stripe.com/test_{link['id']}"
		return Response(200, copy.deepcopy(link))

	@route(
		"GET",
		r"/v1/(?P<kind>payment_intents|charges|balance_transactions|refunds|disputes|payouts)/(?P<id>\w+)",
	)
	def retrieve(self, request):
		kind = request.params["kind"][:-1]
		return self._get(kind, request.params["id"])

	@route("GET", r"/v1/refunds")
	def list_refunds(self, request):
		charge = request.query.get("charge")
		return self._list(
			request,
			[r for r in self.of_kind("refund") if not charge or r.get("charge") == charge],
			"/v1/refunds",
		)

	@route("GET", r"/v1/balance_transactions")
	def list_balance_transactions(self, request):
		payout = request.query.get("payout")
		items = [
			t
			for t in self.of_kind("balance_transaction")
			if not payout or self.payout_of.get(t["id"]) == payout
		]
		return self._list(request, items, "/v1/balance_transactions")

	@route("POST", r"/v1/refunds")
	def create_refund(self, request):
		"""A refund of a charge (or of a PaymentIntent's charge), at most what is left unrefunded.
		`refund_outcome` is the status the next refunds get (a card refund usually succeeds at once)."""
		form = request.form
		charge_id = form.get("charge")
		if not charge_id and form.get("payment_intent") in self.objects:
			charge_id = self.objects[form["payment_intent"]].get("latest_charge")
		charge = self.objects.get(charge_id or "")
		if charge is None or charge.get("object") != "charge":
			return self.stripe_error(
				404, "resource_missing", f"No such charge: '{charge_id}'", param="charge"
			)
		left = charge["amount"] - charge.get("amount_refunded", 0)
		if left <= 0:
			return self.stripe_error(
				400, "charge_already_refunded", f"Charge {charge_id} has already been refunded."
			)
		amount = int(form.get("amount") or left)
		if amount > left:
			return self.stripe_error(
				400,
				"amount_too_large",
				f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})",
				param="amount",
			)
		self.created_refunds.append(charge_id)
		self.refund_charge(
			charge_id,
			amount,
			status=self.refund_outcome,
			metadata=form.get("metadata") or {},
			reason=form.get("reason"),
		)
		return Response(200, copy.deepcopy(self.last_refund))

	@route("POST", r"/v1/webhook_endpoints")
	def create_webhook_endpoint(self, request):
		form = request.form  # url and enabled_events are required: the contract refused any request without
		endpoint = self.new(
			"webhook_endpoint",
			url=form["url"],
			enabled_events=form["enabled_events"],
			description=form.get("description"),
			api_version=form.get("api_version"),
		)
		return Response(200, {**copy.deepcopy(endpoint), "secret": f"whsec_{uuid.uuid4().hex}"})

	@route("GET", r"/v1/webhook_endpoints")
	def list_webhook_endpoints(self, request):
		return self._list(request, self.of_kind("webhook_endpoint"), "/v1/webhook_endpoints")
