"""The per-account client: the real stripe SDK against the fake over HTTP, faults included."""

from decimal import Decimal

import pytest
import stripe

from erp_connectors.connectors.errors import AuthError, PermanentError, RateLimitedError, TransientError
from erp_connectors.stripe_connector.amounts import AmountError
from erp_connectors.stripe_connector.references import idempotency_key
from tests.stripe.conftest import make_client

SESSION_ARGS = {
	"amount": Decimal("10.99"),
	"currency": "USD",
	"reference_doctype": "Sales Invoice",
	"reference_name": "SINV-0001",
	"success_url": "https://erp.example.com/paid",
	"cancel_url": "https://erp.example.com/cancelled",
	"customer_email": "jenny@example.com",
}


def posts(fake, path):
	return [r for r in fake.requests if r.method == "POST" and r.path == path]


def test_checkout_session_amount_comes_from_the_document_in_minor_units(fake, client):
	session = client.create_checkout_session(**{**SESSION_ARGS, "amount": Decimal("1099"), "currency": "JPY"})
	assert session["amount_total"] == 1099 and session["currency"] == "jpy"
	session = client.create_checkout_session(
		**{**SESSION_ARGS, "amount": Decimal("5.120"), "currency": "KWD"}
	)
	assert session["amount_total"] == 5120
	session = client.create_checkout_session(**SESSION_ARGS)
	assert session["amount_total"] == 1099
	assert session["client_reference_id"] == "SINV-0001"
	assert session["metadata"]["sales_invoice"] == "SINV-0001"
	assert session["metadata"]["expected_amount_minor"] == "1099"
	assert fake.intent_metadata[session["id"]]["sales_invoice"] == "SINV-0001"  # reaches the PaymentIntent
	request = posts(fake, "/v1/checkout/sessions")[-1]
	assert request.header("idempotency-key") == "Sales Invoice:SINV-0001:checkout_session:1099:usd"
	assert request.header("content-type") == "application/x-www-form-urlencoded"


def test_a_created_session_reads_back_as_stripe_serves_it(fake, client):
	session = client.create_checkout_session(**SESSION_ARGS)
	assert client.retrieve_checkout_session(session["id"]) == session
	assert client.find_checkout_session("pi_none") is None


def test_uncharegable_three_decimal_amount_never_reaches_stripe(fake, client):
	with pytest.raises(AmountError, match="5.120 or 5.130"):
		client.create_checkout_session(**{**SESSION_ARGS, "amount": Decimal("5.124"), "currency": "KWD"})
	assert posts(fake, "/v1/checkout/sessions") == []


def test_same_document_twice_creates_one_session(fake, client):
	first = client.create_checkout_session(**SESSION_ARGS)
	second = make_client(fake).create_checkout_session(**SESSION_ARGS)  # e.g. a retried job, a new worker
	assert first["id"] == second["id"]
	assert fake.created_sessions == [first["id"]]
	assert len(posts(fake, "/v1/checkout/sessions")) == 2


def test_a_changed_amount_is_a_new_session(fake, client):
	first = client.create_checkout_session(**SESSION_ARGS)
	second = client.create_checkout_session(**{**SESSION_ARGS, "amount": Decimal("12.00")})
	assert first["id"] != second["id"] and len(fake.created_sessions) == 2


def test_lost_response_is_retried_with_the_same_key_and_replayed(fake, client):
	fake.lose_response(path="/v1/checkout/sessions")
	session = client.create_checkout_session(**SESSION_ARGS)
	attempts = posts(fake, "/v1/checkout/sessions")
	assert len(attempts) == 2  # the SDK retried after the reset...
	assert attempts[0].header("idempotency-key") == attempts[1].header("idempotency-key")
	assert fake.created_sessions == [session["id"]]  # ...and Stripe replayed, so only one session exists


def test_5xx_is_retried_by_the_sdk_then_surfaces_as_transient(fake):
	fake.inject_error(status=500, code=None, times=1, path="/v1/checkout/sessions")
	session = make_client(fake).create_checkout_session(**SESSION_ARGS)
	assert len(posts(fake, "/v1/checkout/sessions")) == 2 and fake.created_sessions == [session["id"]]
	fake.inject_error(status=503, code=None, times=10)
	with pytest.raises(TransientError) as info:
		make_client(fake, max_network_retries=1).retrieve_payout("po_1Pgc79B7WZ01zgkWu1KToYf4")
	assert info.value.status == 503


def test_429_lock_timeout_is_retried(fake):
	sleeps = []
	fake.inject_error(status=429, code="lock_timeout", times=2, path="/v1/checkout/sessions")
	session = make_client(fake, sleeps=sleeps).create_checkout_session(**SESSION_ARGS)
	assert len(posts(fake, "/v1/checkout/sessions")) == 3
	assert len(sleeps) == 2 and fake.created_sessions == [session["id"]]


def test_429_that_persists_becomes_rate_limited_for_the_job_retry(fake):
	fake.inject_error(status=429, code="rate_limit", times=10)
	with pytest.raises(RateLimitedError) as info:
		make_client(fake, rate_limit_retries=1).retrieve_charge("ch_1PgafuB7WZ01zgkWXYmPNZs8")
	assert "rate_limit" in str(info.value)
	assert info.value.remote_message.startswith("Request rate limit exceeded")
	assert len(fake.requests) == 2


def test_wrong_key_is_an_auth_error_with_stripes_message(fake):
	with pytest.raises(AuthError, match="Invalid API Key provided: sk_test_\\*\\*\\*\\*oops"):
		make_client(fake, api_key="sk_test_not_the_right_one_oops").retrieve_payout("po_x")


def test_basic_auth_is_accepted_too(fake):
	import requests

	response = requests.get(f"{fake.url}/v1/balance", auth=(fake.api_key, ""), timeout=3)
	assert response.status_code == 200 and response.json()["object"] == "balance"
	assert requests.get(f"{fake.url}/v1/balance", timeout=3).status_code == 401


def test_invalid_request_is_permanent_with_stripes_own_message(client):
	with pytest.raises(PermanentError) as info:
		client.retrieve_payment_intent("pi_missing")
	assert info.value.remote_message == "No such payment_intent: 'pi_missing'"
	assert info.value.status == 404 and info.value.details["code"] == "resource_missing"


def test_same_key_with_other_parameters_is_an_idempotency_error(fake):
	sdk = stripe.StripeClient(fake.api_key, base_addresses={"api": fake.url}, max_network_retries=0)
	options = {"idempotency_key": idempotency_key("Sales Invoice", "SINV-9", "price", 100, "usd")}
	sdk.v1.prices.create(
		params={"currency": "usd", "unit_amount": 100, "product_data": {"name": "x"}}, options=options
	)
	with pytest.raises(stripe.IdempotencyError, match="same parameters"):
		sdk.v1.prices.create(
			params={"currency": "usd", "unit_amount": 200, "product_data": {"name": "x"}}, options=options
		)


def test_payment_link_reuses_keys(fake, client):
	prices, links = len(fake.of_kind("price")), len(fake.of_kind("payment_link"))  # the fixtures
	link = client.create_payment_link(
		amount=Decimal("10.99"), currency="usd", reference_doctype="Sales Invoice", reference_name="SINV-2"
	)
	again = client.create_payment_link(
		amount=Decimal("10.99"), currency="usd", reference_doctype="Sales Invoice", reference_name="SINV-2"
	)
	assert link["id"] == again["id"] and link["url"].startswith("https://")
	assert len(fake.of_kind("price")) == prices + 1 and len(fake.of_kind("payment_link")) == links + 1
	assert link["metadata"]["sales_invoice"] == "SINV-2"


def test_payout_balance_transactions_are_read_across_pages(fake, client):
	for index in range(130):
		fake.transaction(
			amount=100 + index, fee=3, currency="usd", source=f"ch_{index}", type="charge", category="charge"
		)
	event = fake.pay_out("usd")
	payout_id = event["data"]["object"]["id"]
	transactions = client.list_payout_balance_transactions(payout_id)
	assert len(transactions) == 132  # 130 charges, the fixture's charge transaction and the payout's own
	assert len({t["id"] for t in transactions}) == 132
	pages = [r for r in fake.requests if r.path == "/v1/balance_transactions"]
	assert len(pages) == 2 and "starting_after" in pages[1].query
	assert sum(t["net"] for t in transactions if t["type"] != "payout") == event["data"]["object"]["amount"]


def test_list_refunds_filters_by_charge(fake, client):
	refunds = client.list_refunds("ch_1PgafuB7WZ01zgkWXYmPNZs8")
	assert [r["id"] for r in refunds] == ["re_1Pgc72B7WZ01zgkWqPvrRrPE"]
	assert client.list_refunds("ch_other") == []


def test_webhook_endpoint_registration_returns_the_secret_once_and_is_idempotent(fake, client):
	first = client.create_webhook_endpoint(
		"https://erp.example.com/hook?account=acme", ["payout.paid", "charge.refunded"]
	)
	again = client.create_webhook_endpoint(
		"https://erp.example.com/hook?account=acme", ["charge.refunded", "payout.paid"]
	)
	assert first["secret"].startswith("whsec_") and again["secret"] == first["secret"]
	assert first["enabled_events"] == ["charge.refunded", "payout.paid"]


def test_webhook_endpoints_are_listed_every_page_without_their_secrets(fake, client):
	for index in range(101):  # the fixture's endpoint + 101 of ours: two pages of 100
		fake.new(
			"webhook_endpoint", url=f"https://shop{index}.example.com/hook", enabled_events=["payout.paid"]
		)
	created = client.create_webhook_endpoint("https://erp.example.com/hook?account=acme", ["payout.paid"])
	listed = client.list_webhook_endpoints()
	assert len(listed) == 103 and len({e["id"] for e in listed}) == 103
	[ours] = [e for e in listed if e["url"] == "https://erp.example.com/hook?account=acme"]
	assert ours["id"] == created["id"] and "secret" not in ours  # "Only returned at creation"
	pages = [r for r in fake.requests if (r.method, r.path) == ("GET", "/v1/webhook_endpoints")]
	assert [r.query for r in pages] == [
		{"limit": "100"},
		{"limit": "100", "starting_after": listed[99]["id"]},
	]


def test_test_connection_checks_the_key_mode(fake, client):
	assert client.test_connection("Test")["object"] == "balance"
	with pytest.raises(AuthError, match="test-mode key but this Stripe Account's mode is Live"):
		client.test_connection("Live")


def test_calls_are_logged_without_the_secret_key(fake):
	records = []
	make_client(fake, log_call=records.append).create_checkout_session(**SESSION_ARGS)
	with pytest.raises(PermanentError):
		make_client(fake, log_call=records.append).retrieve_charge("ch_missing")
	assert [(r.method, r.url, r.status) for r in records] == [
		("POST", "/v1/checkout/sessions", 200),
		("GET", "/v1/charges/ch_missing", 404),
	]
	text = repr(records)
	assert fake.api_key not in text and "jenny@example.com" not in text


def test_each_client_keeps_its_own_key(fake):
	make_client(fake).retrieve_charge("ch_1PgafuB7WZ01zgkWXYmPNZs8")
	assert stripe.api_key is None
	with pytest.raises(AuthError):
		make_client(fake, api_key="sk_test_other_account_key").retrieve_charge("ch_1PgafuB7WZ01zgkWXYmPNZs8")


def test_the_webhook_endpoint_is_pinned_to_the_sdk_s_api_version(fake, client):
	created = client.create_webhook_endpoint("https://erp.example.com/hook?account=acme", ["payout.paid"])
	[request] = [r for r in fake.requests if (r.method, r.path) == ("POST", "/v1/webhook_endpoints")]
	assert request.form["api_version"] == stripe.api_version == "2026-10-28.endive"
	assert created["api_version"] == stripe.api_version


def test_a_refund_for_a_credit_note_is_made_once_however_often_it_is_asked(fake, client):
	charge = fake.new(
		"charge", amount=2000, amount_captured=2000, amount_refunded=0, currency="usd", paid=True
	)
	first = client.create_refund(
		charge_id=charge["id"], amount_minor=1500, currency="USD", credit_note="CN-1"
	)
	again = client.create_refund(
		charge_id=charge["id"], amount_minor=1500, currency="USD", credit_note="CN-1"
	)
	assert again["id"] == first["id"] and fake.created_refunds == [charge["id"]]
	assert first["metadata"]["credit_note"] == "CN-1" and first["amount"] == 1500
	with pytest.raises(PermanentError, match="greater than unrefunded amount"):
		client.create_refund(charge_id=charge["id"], amount_minor=600, currency="USD", credit_note="CN-2")
