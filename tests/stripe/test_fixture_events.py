"""The constructed event fixtures (tests/data/stripe_event_*), delivered to the handlers.

The fake starts from the same fixture objects; each test edits only what makes
Stripe's current state agree with the event (the fixtures3 objects were written
independently and do not all agree, e.g. the PaymentIntent is 10.99 but the
charge is 1.00).
"""

from decimal import Decimal

from erp_connectors.stripe_connector.handlers import HANDLERS
from tests.stripe.conftest import ACCOUNT, add_invoice, data, ledger, posted

INTENT = "pi_1PgafyB7WZ01zgkWSjxsAJo3"
CHARGE = "ch_1PgafuB7WZ01zgkWXYmPNZs8"
TXN = "txn_1PgaxNB7WZ01zgkWEV3TLf40"
SESSION = "cs_test_a1YS1URlnyQCN5fUUduORoQ7Pw41PJqDWkIVQCpJPqkfIhd6tVY8XB1OLY"


def event(name):
	return data(f"stripe_event_{name}_CONSTRUCTED_from_openapi_fixtures.json")


def run(ctx, payload):
	return HANDLERS[payload["type"]](ctx, payload)


def intent_paid_in_full(fake, metadata):
	fake.update(INTENT, status="succeeded", amount_received=1099, latest_charge=CHARGE, metadata=metadata)
	fake.update(
		CHARGE, amount=1099, amount_captured=1099, captured=True, payment_intent=INTENT, metadata=metadata
	)
	fee_details = [
		{
			"amount": 62,
			"application": None,
			"currency": "usd",
			"description": "Stripe processing fees",
			"type": "stripe_fee",
		}
	]
	fake.update(TXN, amount=1099, fee=62, net=1037, fee_details=fee_details)


def test_payment_intent_succeeded_fixture(fake, ctx, gateway):
	add_invoice(gateway)
	payload = event("payment_intent_succeeded")
	payload["data"]["object"]["metadata"] = {"sales_invoice": "SINV-0001"}
	intent_paid_in_full(fake, {"sales_invoice": "SINV-0001"})
	run(ctx, payload)
	run(ctx, payload)
	[entry] = posted(gateway, "Payment Entry")
	assert entry["reference_no"] == INTENT and entry["posting_date"] == "2009-02-13"
	assert ledger(gateway)["Stripe Clearing - A"] == Decimal("10.37")


def test_checkout_session_completed_fixture_found_through_the_session_link(fake, ctx, gateway):
	add_invoice(gateway)
	intent_paid_in_full(fake, {})  # a session created in the Dashboard: no metadata anywhere
	gateway.add_link(ACCOUNT, "checkout_session", SESSION, "Sales Invoice", "SINV-0001")
	run(ctx, event("checkout_session_completed"))
	[entry] = posted(gateway, "Payment Entry")
	assert entry["references"][0]["reference_name"] == "SINV-0001"
	assert entry["deductions"][0]["amount"] == Decimal("0.62")


def test_charge_refunded_fixture_posts_the_bare_charge_then_its_refund(fake, ctx, gateway):
	# The fixture charge is a 1.00 charge without a PaymentIntent; the real balance transaction has no fee.
	add_invoice(gateway, outstanding="1.00")
	fake.update(CHARGE, metadata={"sales_invoice": "SINV-0001"})
	refund_txn = fake.transaction(
		amount=-100, currency="usd", source="re_1Pgc72B7WZ01zgkWqPvrRrPE", type="refund", category="refund"
	)
	fake.update("re_1Pgc72B7WZ01zgkWqPvrRrPE", balance_transaction=refund_txn["id"])
	run(ctx, event("charge_refunded"))
	receive, pay = sorted(posted(gateway, "Payment Entry"), key=lambda e: e["payment_type"] != "Receive")
	assert (receive["reference_no"], receive["paid_amount"], receive["deductions"]) == (
		CHARGE,
		Decimal("1.00"),
		[],
	)
	assert (pay["reference_no"], pay["paid_amount"]) == ("re_1Pgc72B7WZ01zgkWqPvrRrPE", Decimal("1.00"))
	assert ledger(gateway) == {}  # received and refunded in full, no fee


def test_dispute_created_fixture_is_an_inquiry_that_only_flags(fake, ctx, gateway):
	add_invoice(gateway, outstanding="1.00")
	fake.update(CHARGE, metadata={"sales_invoice": "SINV-0001"})
	run(ctx, event("charge_dispute_created"))
	assert gateway.find_link(ACCOUNT, "dispute", "dp_1Pgc71B7WZ01zgkWMevJiAUx") == (
		"Sales Invoice",
		"SINV-0001",
	)
	assert posted(gateway, "Journal Entry") == []  # warning_needs_response withdraws no funds
	[comment] = posted(gateway, "Comment")
	assert "reason 'general', status 'warning_needs_response'" in comment["content"]
	assert "by 2024-08-14" in comment["content"]


def test_payout_paid_fixture_checks_the_current_payout_first(fake, ctx, gateway):
	payload = event("payout_paid")
	assert run(ctx, payload) is None  # Stripe still says in_transit: nothing reached the bank yet
	assert posted(gateway, "Journal Entry") == []
	fake.update("po_1Pgc79B7WZ01zgkWu1KToYf4", status="paid", automatic=False)  # a manual payout
	run(ctx, payload)
	run(ctx, payload)
	[journal] = posted(gateway, "Journal Entry")
	assert journal["cheque_no"] == "po_1Pgc79B7WZ01zgkWu1KToYf4"
	assert ledger(gateway) == {"Bank USD - A": Decimal("11.00"), "Stripe Clearing - A": Decimal("-11.00")}
