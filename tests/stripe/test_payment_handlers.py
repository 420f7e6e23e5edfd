"""Payment events against InMemoryGateway, with the real SDK talking to the fake over HTTP."""

from decimal import Decimal

import pytest

from erp_connectors.connectors.errors import NeedsAttention, TransientError
from erp_connectors.stripe_connector.handlers import HANDLERS
from tests.stripe.conftest import ACCOUNT, add_invoice, ledger, posted

SESSION = {
	"currency": "USD",
	"reference_doctype": "Sales Invoice",
	"reference_name": "SINV-0001",
	"success_url": "https://erp.example.com/paid",
	"cancel_url": "https://erp.example.com/cancelled",
}


def checkout(fake, ctx, amount="10.99", fee=62, **overrides):
	session = ctx.client.create_checkout_session(amount=Decimal(amount), **{**SESSION, **overrides})
	return fake.pay_checkout_session(session["id"], fee=fee)


def run(ctx, event):
	return HANDLERS[event["type"]](ctx, event)


def test_checkout_completed_posts_one_payment_entry_with_the_fee_deducted(fake, ctx, gateway):
	add_invoice(gateway)
	event = checkout(fake, ctx)
	results = [run(ctx, event) for _ in range(3)]  # Stripe delivers the same event three times
	entries = posted(gateway, "Payment Entry")
	assert len(entries) == 1 and results == [("Payment Entry", entries[0]["name"])] * 3
	entry = entries[0]
	assert entry["docstatus"] == 1
	assert entry["references"][0]["allocated_amount"] == Decimal("10.99")
	assert entry["paid_amount"] == Decimal("10.37")
	assert [(d["account"], d["amount"]) for d in entry["deductions"]] == [
		("Stripe Fees - A", Decimal("0.62"))
	]
	intent_id = event["data"]["object"]["payment_intent"]
	assert entry["reference_no"] == intent_id
	assert gateway.find_link(ACCOUNT, "payment_intent", intent_id) == ("Payment Entry", entry["name"])
	assert ledger(gateway) == {
		"Stripe Clearing - A": Decimal("10.37"),
		"Stripe Fees - A": Decimal("0.62"),
		"Debtors - A": Decimal("-10.99"),
	}


def test_payment_intent_succeeded_and_checkout_completed_are_the_same_money(fake, ctx, gateway):
	add_invoice(gateway)
	completed = checkout(fake, ctx)
	intent = fake.objects[completed["data"]["object"]["payment_intent"]]
	succeeded = fake.event("payment_intent.succeeded", intent)
	for event in (succeeded, completed, succeeded):
		run(ctx, event)
	assert len(posted(gateway, "Payment Entry")) == 1


def test_payment_intent_without_metadata_finds_its_checkout_session(fake, ctx, gateway):
	add_invoice(gateway)
	completed = checkout(fake, ctx)
	intent = fake.update(completed["data"]["object"]["payment_intent"], metadata={})
	fake.update(intent["latest_charge"], metadata={})
	run(ctx, fake.event("payment_intent.succeeded", intent))
	assert posted(gateway, "Payment Entry")[0]["references"][0]["reference_name"] == "SINV-0001"


def test_zero_decimal_payment(fake, ctx, gateway):
	add_invoice(gateway, outstanding="1099", currency="JPY")
	run(ctx, checkout(fake, ctx, amount="1099", fee=39, currency="JPY"))
	entry = posted(gateway, "Payment Entry")[0]
	assert entry["references"][0]["allocated_amount"] == Decimal("1099")
	assert entry["paid_amount"] == Decimal("1060") and entry["deductions"][0]["amount"] == Decimal("39")


def test_amount_mismatch_with_the_invoice_is_held_and_nothing_posted(fake, ctx, gateway):
	add_invoice(gateway, outstanding="10.99")
	event = checkout(fake, ctx)
	gateway.set_value("Sales Invoice", "SINV-0001", {"outstanding_amount": Decimal("20.00")})  # changed since
	with pytest.raises(NeedsAttention) as info:
		run(ctx, event)
	message = str(info.value)
	assert "USD 10.99" in message and "SINV-0001 has USD 20.00 outstanding" in message
	assert "Nothing was posted" in message
	assert posted(gateway, "Payment Entry") == [] and gateway.links == {}


def test_paid_amount_different_from_the_requested_amount_is_held(fake, ctx, gateway):
	add_invoice(gateway, outstanding="10.99")
	event = checkout(fake, ctx)
	intent_id = event["data"]["object"]["payment_intent"]
	fake.update(intent_id, amount_received=999)
	with pytest.raises(NeedsAttention, match="is USD 9.99, but it was requested for USD 10.99 on SINV-0001"):
		run(ctx, event)
	assert posted(gateway, "Payment Entry") == []


def test_payment_request_amount_is_what_must_be_paid(fake, ctx, gateway):
	add_invoice(gateway, outstanding="30.00")
	gateway.insert(
		{
			"doctype": "Payment Request",
			"name": "ACC-PRQ-0001",
			"reference_doctype": "Sales Invoice",
			"reference_name": "SINV-0001",
			"grand_total": Decimal("10.99"),
		},
		submit=True,
	)
	run(
		ctx,
		checkout(
			fake,
			ctx,
			reference_doctype="Payment Request",
			reference_name="ACC-PRQ-0001",
			sales_invoice="SINV-0001",
		),
	)
	reference = posted(gateway, "Payment Entry")[0]["references"][0]
	assert reference == {
		"reference_doctype": "Sales Invoice",
		"reference_name": "SINV-0001",
		"allocated_amount": Decimal("10.99"),
		"payment_request": "ACC-PRQ-0001",
	}


def test_unknown_invoice_is_held_with_what_to_fix(fake, ctx, gateway):
	event = checkout(fake, ctx, reference_name="SINV-0404")
	with pytest.raises(NeedsAttention, match="Sales Invoice 'SINV-0404' .* does not exist"):
		run(ctx, event)
	assert posted(gateway, "Payment Entry") == []


def test_payment_naming_no_invoice_is_held(fake, ctx, gateway):
	add_invoice(gateway)
	event = checkout(fake, ctx)
	session_id = event["data"]["object"]["id"]
	intent = fake.update(event["data"]["object"]["payment_intent"], metadata={})
	fake.update(intent["latest_charge"], metadata={})
	fake.update(session_id, metadata={}, client_reference_id=None)
	with pytest.raises(NeedsAttention, match="names no Sales Invoice.*add metadata 'sales_invoice'"):
		run(ctx, fake.event("payment_intent.succeeded", intent))
	# the Frappe side links sessions it creates; with that link the payment posts on retry
	gateway.add_link(ACCOUNT, "checkout_session", session_id, "Sales Invoice", "SINV-0001")
	run(ctx, fake.event("payment_intent.succeeded", intent))
	assert len(posted(gateway, "Payment Entry")) == 1


def test_draft_invoice_is_held(fake, ctx, gateway):
	name = add_invoice(gateway)
	gateway.docs["Sales Invoice"][name]["docstatus"] = 0
	with pytest.raises(NeedsAttention, match="not submitted"):
		run(ctx, checkout(fake, ctx))


def test_unpaid_async_checkout_posts_nothing_yet(fake, ctx, gateway):
	add_invoice(gateway)
	event = checkout(fake, ctx)
	event["data"]["object"]["payment_status"] = "unpaid"
	assert run(ctx, event) is None and posted(gateway, "Payment Entry") == []


def test_livemode_mismatch_is_refused_before_anything_is_read(fake, ctx, gateway):
	add_invoice(gateway)
	event = checkout(fake, ctx)
	ctx.settings["mode"] = "Live"
	before = len(fake.requests)
	with pytest.raises(NeedsAttention, match="test-mode event but this Stripe Account is in Live mode"):
		run(ctx, event)
	assert len(fake.requests) == before and posted(gateway, "Payment Entry") == []


def test_payment_failure_is_noted_once_on_the_invoice(fake, ctx, gateway):
	add_invoice(gateway)
	completed = checkout(fake, ctx)
	intent = dict(fake.objects[completed["data"]["object"]["payment_intent"]])
	declined = {"type": "card_error", "code": "card_declined", "message": "Your card was declined."}
	intent.update(status="requires_payment_method", last_payment_error=declined)
	event = fake.event("payment_intent.payment_failed", intent)
	assert run(ctx, event) == ("Sales Invoice", "SINV-0001")
	run(ctx, event)
	comments = posted(gateway, "Comment")
	assert len(comments) == 1 and "Your card was declined." in comments[0]["content"]
	assert posted(gateway, "Payment Entry") == []


def test_losing_a_race_raises_transient_so_the_insert_is_rolled_back(fake, ctx, gateway):
	add_invoice(gateway)
	event = checkout(fake, ctx)
	intent_id = event["data"]["object"]["payment_intent"]
	gateway.add_link(ACCOUNT, "payment_intent", intent_id, "Payment Entry", "PE-OTHER-WORKER")
	original = gateway.find_link
	# the other worker's link appears between our look-up and our insert
	gateway.find_link = lambda account, kind, rid: (
		None if kind == "payment_intent" else original(account, kind, rid)
	)
	with pytest.raises(TransientError, match="posted concurrently as Payment Entry PE-OTHER-WORKER"):
		run(ctx, event)
