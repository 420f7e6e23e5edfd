"""FakeStripe keeps to Stripe's published contract (stripe-python's operations, params and models).

A request Stripe would refuse gets Stripe's own error; an object the fake serves or an event it
sends must fit the model of its kind, with no property the real object lacks.
"""

import json
from pathlib import Path

import pytest
import requests
import stripe

from erp_connectors.testing.contracts import stripe_models
from erp_connectors.testing.contracts.stripe_contract import StripeContract
from erp_connectors.testing.fake_server import Request, Response
from tests.stripe.conftest import DATA, data

CONTRACT = StripeContract()
CHARGE = "ch_1PgafuB7WZ01zgkWXYmPNZs8"


def sdk(fake) -> stripe.StripeClient:
	return stripe.StripeClient(fake.api_key, base_addresses={"api": fake.url}, max_network_retries=0)


def refused(fake, call) -> stripe.InvalidRequestError:
	before = len(fake.refused)
	with pytest.raises(stripe.InvalidRequestError) as info:
		call()
	assert len(fake.refused) == before + 1
	return info.value


def test_unknown_parameter_is_refused_as_stripe_does(fake):
	error = refused(
		fake,
		lambda: sdk(fake).v1.prices.create(
			params={"currency": "usd", "unit_amount": 100, "product_data": {"name": "x"}, "colour": "red"}
		),
	)
	assert error.http_status == 400 and error.code == "parameter_unknown" and error.param == "colour"
	assert error.json_body["error"]["type"] == "invalid_request_error"
	assert fake.of_kind("price") == [fake.templates["price"]]  # nothing was created


def test_unknown_nested_parameter_names_its_whole_path(fake):
	params = {
		"mode": "payment",
		"line_items": [{"quantity": 1, "price_data": {"currency": "usd", "unit_amount": 1, "colour": "x"}}],
	}
	error = refused(fake, lambda: sdk(fake).v1.checkout.sessions.create(params=params))
	assert error.param == "line_items[0][price_data][colour]"


def test_missing_required_parameter(fake):
	error = refused(fake, lambda: sdk(fake).v1.webhook_endpoints.create(params={"url": "https://e.x/h"}))
	assert (error.code, error.param) == ("parameter_missing", "enabled_events")
	assert str(error.user_message) == "Missing required param: enabled_events."


def test_a_value_outside_the_sdk_literal_is_refused(fake):
	params = {"url": "https://e.x/h", "enabled_events": ["charge.refunded", "charge.exploded"]}
	error = refused(fake, lambda: sdk(fake).v1.webhook_endpoints.create(params=params))
	assert error.param == "enabled_events[1]" and "must be one of" in error.user_message


def test_an_integer_parameter_must_be_an_integer(fake):
	error = refused(fake, lambda: sdk(fake).v1.balance_transactions.list(params={"limit": "ten"}))
	assert (error.code, error.param) == ("parameter_invalid_integer", "limit")


def test_unknown_endpoint_is_a_404_in_stripes_words(fake):
	response = requests.get(f"{fake.url}/v1/charges/ch_1/teleport", auth=(fake.api_key, ""), timeout=3)
	assert response.status_code == 404
	assert response.json() == {
		"error": {
			"type": "invalid_request_error",
			"message": "Unrecognized request URL (GET: /v1/charges/ch_1/teleport). Please see "
			"https://stripe.com/docs or we can help at https://support.stripe.com/.",
		}
	}


def test_a_method_the_path_does_not_have_is_unrecognised_too(fake):
	response = requests.delete(f"{fake.url}/v1/balance_transactions", auth=(fake.api_key, ""), timeout=3)
	assert response.status_code == 404 and "(DELETE: /v1/balance_transactions)" in response.text


def test_idempotency_key_longer_than_stripe_allows(fake):
	options = {"idempotency_key": "k" * 256}
	params = {"url": "https://e.x/h", "enabled_events": ["charge.refunded"]}
	error = refused(fake, lambda: sdk(fake).v1.webhook_endpoints.create(params=params, options=options))
	assert error.http_status == 400 and "255" in error.user_message


def test_a_stripe_version_other_than_the_contracts_is_refused(fake):
	client = stripe.StripeClient(
		fake.api_key, base_addresses={"api": fake.url}, max_network_retries=0, stripe_version="2020-08-27"
	)
	error = refused(fake, lambda: client.v1.balance.retrieve())
	assert "2020-08-27" in error.user_message


def test_the_sdk_pins_the_version_whose_models_the_contract_uses(fake):
	sdk(fake).v1.balance.retrieve()
	assert fake.requests[-1].header("stripe-version") == CONTRACT.api_version == stripe.api_version


def test_every_post_we_send_carries_an_idempotency_key(fake, client):
	client.create_checkout_session(
		amount=1,
		currency="usd",
		reference_doctype="Sales Invoice",
		reference_name="S",
		success_url="https://x/s",
		cancel_url="https://x/c",
	)
	client.create_payment_link(
		amount=1, currency="usd", reference_doctype="Sales Invoice", reference_name="S"
	)
	client.create_webhook_endpoint("https://x/h", ["payout.paid"])
	posted = [r for r in fake.requests if r.method == "POST"]
	assert len(posted) == 4 and all(0 < len(r.header("idempotency-key") or "") <= 255 for r in posted)


# --- responses ----------------------------------------------------------------------------------------


def request(method, path):
	return Request(method=method, path=path, query={}, headers={}, body=b"")


def test_a_property_the_real_object_lacks_is_a_violation():
	refund = data("stripe_openapi_fixture_refund.json")
	assert CONTRACT.check_response(request("GET", f"/v1/refunds/{refund['id']}"), Response(200, refund)) == []
	problems = CONTRACT.check_response(
		request("GET", f"/v1/refunds/{refund['id']}"), Response(200, {**refund, "livemode": False})
	)
	assert problems == ["(top): Additional properties are not allowed ('livemode' was unexpected)"]


def test_a_missing_required_property_and_a_value_outside_the_enum_are_violations():
	txn = data("stripe_openapi_fixture_balance_transaction.json")
	del txn["reporting_category"]
	txn["type"] = "tax"
	page = {"object": "list", "data": [txn], "has_more": False, "url": "/v1/balance_transactions"}
	problems = CONTRACT.check_response(request("GET", "/v1/balance_transactions"), Response(200, page))
	assert "data[0]: 'reporting_category' is a required property" in problems
	assert any(p.startswith("data[0].type: 'tax' is not one of") for p in problems)


def test_an_expandable_field_is_an_id_or_the_whole_object():
	charge = data("stripe_openapi_fixture_charge.json")
	txn = data("stripe_openapi_fixture_balance_transaction.json")
	path = request("GET", f"/v1/charges/{charge['id']}")
	assert CONTRACT.check_response(path, Response(200, {**charge, "balance_transaction": txn})) == []
	half = {"id": txn["id"], "fee": txn["fee"]}
	assert CONTRACT.check_response(path, Response(200, {**charge, "balance_transaction": half}))


def test_a_list_without_its_envelope_is_a_violation():
	problems = CONTRACT.check_response(request("GET", "/v1/webhook_endpoints"), Response(200, {"data": []}))
	assert "(top): 'has_more' is a required property" in problems


def test_errors_have_stripes_shape():
	ok = {"error": {"type": "invalid_request_error", "message": "No such charge", "code": "resource_missing"}}
	assert CONTRACT.check_response(request("GET", "/v1/charges/ch_x"), Response(404, ok)) == []
	assert CONTRACT.check_response(
		request("GET", "/v1/charges/ch_x"), Response(404, {"error": "No such charge"})
	)
	assert CONTRACT.check_response(
		request("GET", "/v1/charges/ch_x"), Response(400, {"error": {"type": "bad_error", "message": "x"}})
	)


def test_objects_the_fake_creates_have_only_their_kinds_properties(fake):
	# The review found fake-only properties: payment_link.created, balance_transaction.livemode, refund.livemode.
	session = fake.pay_checkout_session(
		fake.new("checkout.session", amount_total=1099, currency="usd", status="open")["id"]
	)["data"]["object"]
	charge = fake.objects[fake.objects[session["payment_intent"]]["latest_charge"]]
	fake.refund_charge(charge["id"], 100)
	fake.open_dispute(charge["id"])
	fake.pay_out()
	made = {
		"price": fake.new("price"),
		"payment_link": fake.new("payment_link"),
		**{kind: fake.of_kind(kind)[-1] for kind in ("refund", "balance_transaction", "dispute", "payout")},
	}
	problems = {
		kind: stripe_models.problems(obj, model=stripe_models.model_of(kind)) for kind, obj in made.items()
	}
	assert {kind: found for kind, found in problems.items() if found} == {}


# --- events -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
	"path",
	sorted(DATA.glob("stripe_event_*_CONSTRUCTED_from_openapi_fixtures.json")),
	ids=lambda p: p.name.split("_CONSTRUCTED")[0],
)
def test_constructed_event_fixtures_fit_the_event_and_object_models(path: Path):
	assert CONTRACT.check_event(json.loads(path.read_text())) == []


def test_an_event_is_checked_envelope_and_object():
	event = data("stripe_event_charge_refunded_CONSTRUCTED_from_openapi_fixtures.json")
	event["type"] = "charge.exploded"
	event["data"]["object"]["refunded_twice"] = True
	problems = CONTRACT.check_event(event)
	assert any(p.startswith("event type: 'charge.exploded' is not one of") for p in problems)
	assert (
		"event data.object (top): Additional properties are not allowed ('refunded_twice' was unexpected)"
		in problems
	)


def test_events_the_fake_sends_carry_the_pinned_api_version(fake):
	event = fake.refund_charge(CHARGE, 10)
	assert event["api_version"] == stripe.api_version and CONTRACT.check_event(event) == []
