"""Stripe-Signature verification and event parsing, signed by the fake exactly as Stripe signs."""

import json

import pytest
import stripe

from erp_connectors.connectors.errors import SignatureError
from erp_connectors.stripe_connector.livemode import LivemodeMismatch
from erp_connectors.stripe_connector.webhook import StripeWebhookSource, verify_stripe_signature
from erp_connectors.testing.fake_stripe import signed_event
from tests.stripe.conftest import data

SECRET = "whsec_test_6b0c6a8e1f2d4c3b"
NOW = 1_721_948_600
EVENT = data("stripe_event_checkout_session_completed_CONSTRUCTED_from_openapi_fixtures.json")


def lower(headers: dict) -> dict:
	return {key.lower(): value for key, value in headers.items()}


def source(mode=None, now=NOW):
	return StripeWebhookSource(mode=mode, clock=lambda: now)


def test_valid_signature_passes_and_matches_the_sdk():
	body, headers = signed_event(EVENT, SECRET, timestamp=NOW)
	source().verify(body, lower(headers), {"account": "acme-stripe"}, [SECRET])
	# Stripe's own library accepts what the fake signs, so the fake signs as Stripe does.
	stripe.WebhookSignature.verify_header(body.decode(), headers["Stripe-Signature"], SECRET, tolerance=None)


def test_tampered_body_is_rejected():
	body, headers = signed_event(EVENT, SECRET, timestamp=NOW)
	tampered = body.replace(b'"amount_total": 1099', b'"amount_total": 1')
	assert tampered != body
	with pytest.raises(SignatureError, match="No v1 signature"):
		source().verify(tampered, lower(headers), {}, [SECRET])


def test_wrong_secret_is_rejected():
	body, headers = signed_event(EVENT, "whsec_someone_else", timestamp=NOW)
	with pytest.raises(SignatureError, match="No v1 signature"):
		source().verify(body, lower(headers), {}, [SECRET])


def test_expired_timestamp_is_rejected_even_with_a_valid_signature():
	body, headers = signed_event(EVENT, SECRET, timestamp=NOW - 301)
	with pytest.raises(SignatureError, match="beyond the 300 s tolerance"):
		source().verify(body, lower(headers), {}, [SECRET])
	body, headers = signed_event(EVENT, SECRET, timestamp=NOW - 299)
	source().verify(body, lower(headers), {}, [SECRET])
	body, headers = signed_event(EVENT, SECRET, timestamp=NOW + 400)  # from the future: also refused
	with pytest.raises(SignatureError, match="tolerance"):
		source().verify(body, lower(headers), {}, [SECRET])


def test_signature_is_over_timestamp_and_body_so_a_new_timestamp_breaks_it():
	body, headers = signed_event(EVENT, SECRET, timestamp=NOW - 1000)
	old_signature = headers["Stripe-Signature"].split("v1=")[1]
	replayed = f"t={NOW},v1={old_signature}"
	with pytest.raises(SignatureError, match="No v1 signature"):
		source().verify(body, {"stripe-signature": replayed}, {}, [SECRET])


def test_multiple_v1_signatures_any_may_match():
	body, headers = signed_event(EVENT, SECRET, timestamp=NOW)
	good = headers["Stripe-Signature"].split("v1=")[1]
	header = f"t={NOW},v1={'0' * 64},v0=ignored,v1={good}"
	assert verify_stripe_signature(body, header, [SECRET], now=NOW) == NOW


def test_rotated_secrets_both_accepted():
	body, headers = signed_event(EVENT, "whsec_old", timestamp=NOW)
	source().verify(body, lower(headers), {}, ["whsec_new", "whsec_old"])


@pytest.mark.parametrize(
	"header, reason",
	[
		(None, "missing"),
		("", "missing"),
		("v1=abc", "no timestamp"),
		(f"t={NOW}", "no v1 signature"),
		(f"t=soon,v1={'a' * 64}", "not a number"),
	],
)
def test_malformed_or_missing_header(header, reason):
	body = json.dumps(EVENT).encode()
	headers = {} if header is None else {"stripe-signature": header}
	with pytest.raises(SignatureError, match=reason):
		source().verify(body, headers, {}, [SECRET])


def test_no_secret_configured_fails_closed():
	body, headers = signed_event(EVENT, SECRET, timestamp=NOW)
	with pytest.raises(SignatureError, match="No webhook signing secret"):
		source().verify(body, lower(headers), {}, [])


def test_livemode_must_match_the_account_mode():
	body, headers = signed_event(EVENT, SECRET, timestamp=NOW)  # livemode false
	bound = StripeWebhookSource(clock=lambda: NOW).for_account({"mode": "Live"})
	with pytest.raises(LivemodeMismatch, match="test-mode event but this Stripe Account is in Live mode"):
		bound.verify(body, lower(headers), {}, [SECRET])
	StripeWebhookSource(clock=lambda: NOW).for_account({"mode": "Test"}).verify(
		body, lower(headers), {}, [SECRET]
	)


def test_parse_event():
	body, headers = signed_event(EVENT, SECRET, timestamp=NOW)
	event = source().parse(body, lower(headers))
	assert event.event_id == "evt_CONSTRUCTED_cs_completed"
	assert event.topic == "checkout.session.completed"
	assert event.payload["data"]["object"]["amount_total"] == 1099
	assert event.occurred_at == "2024-07-25 23:03:20"
	assert event.payload_json == body.decode()  # stored as Stripe sent it, not dumped again


@pytest.mark.parametrize(
	"body",
	[b"not json", b"[]", json.dumps({"object": "charge", "id": "ch_1"}).encode(), b'{"object": "event"}'],
)
def test_parse_rejects_what_stripe_does_not_send(body):
	with pytest.raises(ValueError):
		source().parse(body, {})


def test_account_name_comes_from_the_query():
	assert source().account_name({}, {"account": " acme-stripe "}) == "acme-stripe"
	assert source().account_name({}, {}) is None


def test_source_declares_the_account_doctype_and_handlers():
	assert StripeWebhookSource.name == "Stripe"
	assert StripeWebhookSource.account_doctype == "Stripe Account"
	assert StripeWebhookSource.secret_fields == ("webhook_secret",)
	assert {"checkout.session.completed", "charge.refunded", "payout.paid"} <= set(
		StripeWebhookSource.handlers
	)
