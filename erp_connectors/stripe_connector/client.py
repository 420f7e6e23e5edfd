"""One Stripe client per Stripe Account, on the official SDK's StripeClient. Pure: no frappe.

No module-global API key: each account's key lives in its own StripeClient. The
SDK retries connection errors and 5xx itself (`max_network_retries`), reusing the
request's Idempotency-Key; we add a deterministic key derived from the ERP
document so that even a retry of the whole job replays Stripe's first answer.
A 429 (rate_limit, or lock_timeout when another request holds the object) is
retried here a few times, then surfaces as RateLimitedError for the job retry.
"""

import time
from collections.abc import Callable

import requests
import stripe

from erp_connectors.connectors.errors import (
	AuthError,
	ConnectorError,
	PermanentError,
	RateLimitedError,
	TransientError,
)
from erp_connectors.connectors.http import CallRecord, parse_retry_after
from erp_connectors.connectors.outbound import HostPolicy
from erp_connectors.connectors.redaction import redact
from erp_connectors.stripe_connector import references
from erp_connectors.stripe_connector.collect import Collecting

# The API version the installed SDK is generated for; requests carry it, and so must our webhook endpoint.
API_VERSION = stripe.api_version
DEFAULT_TIMEOUT = (5.0, 30.0)
PAGE_SIZE = 100


# Stripe's API, and where it serves files.
HOSTS = ("api.stripe.com", "files.stripe.com")


class _RequestsClient(stripe.RequestsClient):
	"""The SDK's requests transport, with an optional delay function for its network retries."""

	def __init__(self, *, retry_delay: Callable[[int], float] | None = None, **kwargs):
		super().__init__(**kwargs)
		self._retry_delay = retry_delay

	def _sleep_time_seconds(self, num_retries: int) -> float:
		if self._retry_delay is not None:
			return self._retry_delay(num_retries)
		return super()._sleep_time_seconds(num_retries)


def _error_field(error: stripe.StripeError, field: str):
	body = error.json_body if isinstance(error.json_body, dict) else {}
	return (body.get("error") or {}).get(field) if isinstance(body.get("error"), dict) else None


def translate_error(error: stripe.StripeError) -> ConnectorError:
	"""The SDK's exception as one of our typed errors, keeping Stripe's own message."""
	status = error.http_status
	message = error.user_message or str(error) or type(error).__name__
	code = _error_field(error, "code")
	if isinstance(error, stripe.RateLimitError):
		retry_after = parse_retry_after((error.headers or {}).get("Retry-After"))
		return RateLimitedError(
			f"Stripe {code or 'rate_limit'}: {message}",
			retry_after=retry_after,
			status=status,
			remote_message=message,
		)
	if isinstance(error, stripe.APIConnectionError):
		return TransientError(f"Could not reach Stripe: {message}", status=status, remote_message=message)
	if isinstance(error, stripe.AuthenticationError | stripe.PermissionError):
		return AuthError(message, status=status)
	if isinstance(error, stripe.IdempotencyError | stripe.InvalidRequestError | stripe.CardError):
		return PermanentError(
			message, status=status, details={"code": code, "param": _error_field(error, "param")}
		)
	if isinstance(error, stripe.APIError) and (status is None or status >= 500 or status == 409):
		return TransientError(message, status=status)
	return PermanentError(message, status=status)


class StripeAccountClient(Collecting):
	service = "stripe"

	def __init__(
		self,
		api_key: str,
		*,
		base_url: str | None = None,
		timeout: tuple[float, float] = DEFAULT_TIMEOUT,
		max_network_retries: int = 2,
		rate_limit_retries: int = 2,
		max_inline_wait: float = 10.0,
		sleep: Callable[[float], None] = time.sleep,
		retry_delay: Callable[[int], float] | None = None,
		session: requests.Session | None = None,
		budget=None,
		log_call: Callable[[CallRecord], None] | None = None,
		account_name: str | None = None,
		policy: HostPolicy | None = None,
	):
		if not api_key:
			raise AuthError("No Stripe secret key is set on this Stripe Account")
		if policy is not None:
			# The SDK turns any exception of its HTTP layer into a retryable connection error, so
			# the address is refused here, before a client exists.
			policy.check((base_url or "https://api.stripe.com").rstrip("/"))
			session = session or policy.session()
		http_client = _RequestsClient(timeout=timeout, session=session, retry_delay=retry_delay)
		self._stripe = stripe.StripeClient(
			api_key,
			base_addresses={"api": base_url.rstrip("/")} if base_url else None,
			max_network_retries=max_network_retries,
			http_client=http_client,
		)
		self._secrets = (api_key,)
		self.rate_limit_retries = rate_limit_retries
		self.max_inline_wait = max_inline_wait
		self._sleep = sleep
		self.budget = budget
		self.log_call = log_call
		self.account_name = account_name

	# --- the one call path -------------------------------------------------------------------------

	def _call(self, label: str, call: Callable[[], object], params: dict | None = None) -> dict:
		attempt = 0
		while True:
			try:
				return self._call_once(label, call, params)
			except RateLimitedError as error:
				wait = error.retry_after if error.retry_after is not None else min(0.5 * 2**attempt, 4.0)
				if attempt >= self.rate_limit_retries or wait > self.max_inline_wait:
					raise
				attempt += 1
				self._sleep(wait)

	def _call_once(self, label, call, params) -> dict:
		if self.budget is not None:
			self.budget.acquire(1)
		started = time.perf_counter()
		result, status, error_text = None, 200, None
		try:
			result = call().to_dict()
			return result
		except stripe.StripeError as error:
			status, error_text = error.http_status, f"{type(error).__name__}: {error.user_message}"
			raise translate_error(error) from error
		finally:
			self._log(label, params, result, status, error_text, started)

	def _log(self, label, params, result, status, error_text, started):
		if self.log_call is None:
			return
		method, _, path = label.partition(" ")
		record = CallRecord(
			service=self.service,
			method=method,
			url=path,
			status=status,
			duration_ms=round((time.perf_counter() - started) * 1000, 2),
			request=redact(params, self._secrets),
			response=redact(result, self._secrets),
			error=error_text,
		)
		try:
			self.log_call(record)
		except Exception:
			pass  # a broken log sink must never fail a call

	def _list_all(self, label: str, service, params: dict) -> list[dict]:
		"""Every page of a list, following `has_more` with `starting_after`."""
		items, cursor = [], None
		while True:
			page_params = {**params, "limit": PAGE_SIZE, **({"starting_after": cursor} if cursor else {})}
			page = self._call(label, lambda p=page_params: service.list(params=p), page_params)
			items.extend(page["data"])
			if not page.get("has_more") or not page["data"]:
				return items
			cursor = page["data"][-1]["id"]

	# --- reading the current state -----------------------------------------------------------------

	def retrieve_checkout_session(self, session_id: str) -> dict:
		return self._call(
			f"GET /v1/checkout/sessions/{session_id}",
			lambda: self._stripe.v1.checkout.sessions.retrieve(session_id),
		)

	def find_checkout_session(self, payment_intent_id: str) -> dict | None:
		params = {"payment_intent": payment_intent_id, "limit": 1}
		page = self._call(
			"GET /v1/checkout/sessions",
			lambda: self._stripe.v1.checkout.sessions.list(params=params),
			params,
		)
		return page["data"][0] if page["data"] else None

	def retrieve_payment_intent(self, payment_intent_id: str) -> dict:
		return self._call(
			f"GET /v1/payment_intents/{payment_intent_id}",
			lambda: self._stripe.v1.payment_intents.retrieve(payment_intent_id),
		)

	def retrieve_charge(self, charge_id: str) -> dict:
		return self._call(f"GET /v1/charges/{charge_id}", lambda: self._stripe.v1.charges.retrieve(charge_id))

	def retrieve_balance_transaction(self, transaction_id: str) -> dict:
		return self._call(
			f"GET /v1/balance_transactions/{transaction_id}",
			lambda: self._stripe.v1.balance_transactions.retrieve(transaction_id),
		)

	def retrieve_refund(self, refund_id: str) -> dict:
		return self._call(f"GET /v1/refunds/{refund_id}", lambda: self._stripe.v1.refunds.retrieve(refund_id))

	def list_refunds(self, charge_id: str) -> list[dict]:
		return self._list_all("GET /v1/refunds", self._stripe.v1.refunds, {"charge": charge_id})

	def retrieve_dispute(self, dispute_id: str) -> dict:
		return self._call(
			f"GET /v1/disputes/{dispute_id}", lambda: self._stripe.v1.disputes.retrieve(dispute_id)
		)

	def retrieve_payout(self, payout_id: str) -> dict:
		return self._call(f"GET /v1/payouts/{payout_id}", lambda: self._stripe.v1.payouts.retrieve(payout_id))

	def list_payout_balance_transactions(self, payout_id: str) -> list[dict]:
		"""Every balance transaction settled by an automatic payout, the payout's own included."""
		return self._list_all(
			"GET /v1/balance_transactions", self._stripe.v1.balance_transactions, {"payout": payout_id}
		)

	# --- paying back -------------------------------------------------------------------------------

	def create_refund(
		self,
		*,
		charge_id: str,
		amount_minor: int,
		currency: str,
		credit_note: str,
		attempt: int | None = None,
	) -> dict:
		"""Refund `amount_minor` of the charge for a credit note. The idempotency key is the credit note's
		(and amount's), so a second click or a retried job replays Stripe's first answer: one refund."""
		params = {
			"charge": charge_id,
			"amount": amount_minor,
			"reason": "requested_by_customer",
			"metadata": {
				references.REFERENCE_DOCTYPE: "Sales Invoice",
				references.REFERENCE_NAME: credit_note,
				references.CREDIT_NOTE: credit_note,
				**({references.STRIPE_ACCOUNT: self.account_name} if self.account_name else {}),
			},
		}
		key = references.idempotency_key(
			"Sales Invoice", credit_note, "refund", amount_minor, currency, attempt
		)
		return self._call(
			"POST /v1/refunds",
			lambda: self._stripe.v1.refunds.create(params=params, options={"idempotency_key": key}),
			params,
		)

	# --- setup -------------------------------------------------------------------------------------

	def list_webhook_endpoints(self) -> list[dict]:
		return self._list_all("GET /v1/webhook_endpoints", self._stripe.v1.webhook_endpoints, {})

	def create_webhook_endpoint(self, url: str, enabled_events: list[str], description: str = "") -> dict:
		"""Register our endpoint. The answer holds the signing `secret`, shown by Stripe only this once.

		The endpoint is pinned to the API version this SDK (and our code) speaks: without it Stripe
		sends events in the account's default version, whose objects may lack or rename what we read."""
		params = {"url": url, "enabled_events": sorted(enabled_events), "api_version": API_VERSION}
		if description:
			params["description"] = description
		key = references.idempotency_key(
			"Webhook Endpoint", url, ",".join(params["enabled_events"]) + ":" + API_VERSION, 0, "xxx"
		)
		return self._call(
			"POST /v1/webhook_endpoints",
			lambda: self._stripe.v1.webhook_endpoints.create(params=params, options={"idempotency_key": key}),
			params,
		)

	def test_connection(self, mode: str | None = None) -> dict:
		"""Read the balance; with `mode` ("Test"/"Live"), also check the key belongs to that mode."""
		balance = self._call("GET /v1/balance", lambda: self._stripe.v1.balance.retrieve())
		if mode and bool(balance.get("livemode")) != (mode == "Live"):
			key_mode = "live" if balance.get("livemode") else "test"
			raise AuthError(
				f"The secret key is a {key_mode}-mode key but this Stripe Account's mode is {mode}"
			)
		return balance
