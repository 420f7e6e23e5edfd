"""Refunds, disputes and payouts: every amount posted exactly once, in any event order."""

from decimal import Decimal

import pytest

from erp_connectors.connectors.errors import NeedsAttention
from erp_connectors.stripe_connector.handlers import HANDLERS
from tests.stripe.conftest import ACCOUNT, add_invoice, ledger, posted
from tests.stripe.test_payment_handlers import checkout

FIXTURE_CHARGE = "ch_1PgafuB7WZ01zgkWXYmPNZs8"


def run(ctx, event, times=1):
	result = None
	for _ in range(times):
		result = HANDLERS[event["type"]](ctx, event)
	return result


def paid(fake, ctx, gateway):
	add_invoice(gateway)
	completed = checkout(fake, ctx)
	intent = fake.objects[completed["data"]["object"]["payment_intent"]]
	return completed, intent["latest_charge"]


def test_refund_arriving_before_payment_posts_both_exactly_once(fake, ctx, gateway):
	completed, charge_id = paid(fake, ctx, gateway)
	refunded = fake.refund_charge(charge_id, amount=500)
	run(ctx, refunded)  # the refund event is first: the payment is fetched and posted, then the refund
	run(ctx, completed, times=3)
	run(ctx, refunded, times=2)
	entries = posted(gateway, "Payment Entry")
	assert sorted(e["payment_type"] for e in entries) == ["Pay", "Receive"]
	refund = next(e for e in entries if e["payment_type"] == "Pay")
	assert refund["paid_amount"] == Decimal("5.00") and refund["party"] == "Jenny Rosen"
	assert ledger(gateway) == {
		"Stripe Clearing - A": Decimal("5.37"),
		"Stripe Fees - A": Decimal("0.62"),
		"Debtors - A": Decimal("-5.99"),
	}


def test_second_partial_refund_posts_only_the_new_one(fake, ctx, gateway):
	completed, charge_id = paid(fake, ctx, gateway)
	run(ctx, completed)
	run(ctx, fake.refund_charge(charge_id, amount=300))
	run(ctx, fake.refund_charge(charge_id, amount=799))
	refunds = [e["paid_amount"] for e in posted(gateway, "Payment Entry") if e["payment_type"] == "Pay"]
	assert sorted(refunds) == [Decimal("3.00"), Decimal("7.99")]


def test_pending_refund_waits_for_its_update(fake, ctx, gateway):
	completed, charge_id = paid(fake, ctx, gateway)
	run(ctx, completed)
	event = fake.refund_charge(charge_id, amount=500, status="pending")
	run(ctx, event)
	assert [e["payment_type"] for e in posted(gateway, "Payment Entry")] == ["Receive"]
	refund = fake.of_kind("refund")[-1]
	txn = fake.transaction(amount=-500, currency="usd", source=refund["id"], type="refund", category="refund")
	fake.update(refund["id"], status="succeeded", balance_transaction=txn["id"])
	run(ctx, fake.event("charge.refund.updated", fake.objects[refund["id"]]))
	assert sorted(e["payment_type"] for e in posted(gateway, "Payment Entry")) == ["Pay", "Receive"]


def test_refund_of_a_payment_we_cannot_post_is_held_and_posts_nothing(fake, ctx, gateway):
	completed, charge_id = paid(fake, ctx, gateway)
	gateway.set_value(
		"Sales Invoice", "SINV-0001", {"outstanding_amount": Decimal("0")}
	)  # paid some other way
	with pytest.raises(NeedsAttention, match="has USD 0 outstanding"):
		run(ctx, fake.refund_charge(charge_id))
	assert posted(gateway, "Payment Entry") == []


def test_dispute_lost_withdraws_funds_and_fee_then_reopens_the_invoice(fake, ctx, gateway):
	completed, charge_id = paid(fake, ctx, gateway)
	created = fake.open_dispute(charge_id, fee=1500)
	run(ctx, created, times=2)  # before the payment event: the payment is posted first
	dispute_id = created["data"]["object"]["id"]
	assert gateway.find_link(ACCOUNT, "dispute", dispute_id) == ("Sales Invoice", "SINV-0001")
	closed = fake.close_dispute(dispute_id, "lost")
	run(ctx, closed, times=2)
	run(ctx, created)
	run(ctx, completed)
	assert len(posted(gateway, "Journal Entry")) == 2  # funds withdrawn; loss
	# Debtors: paid (-10.99), then charged back onto the invoice again (+10.99); nothing left withheld.
	assert ledger(gateway) == {"Stripe Clearing - A": Decimal("-15.62"), "Stripe Fees - A": Decimal("15.62")}
	loss = next(j for j in posted(gateway, "Journal Entry") if j["cheque_no"] == dispute_id)
	debit = next(r for r in loss["accounts"] if r["debit_in_account_currency"])
	assert (debit["reference_type"], debit["reference_name"]) == ("Sales Invoice", "SINV-0001")
	assert [c["content"].split(":")[0] for c in posted(gateway, "Comment")] == [
		f"Stripe dispute {dispute_id} opened on payment {posted(gateway, 'Payment Entry')[0]['name']}",
		f"Stripe dispute {dispute_id} closed",
	]


def test_dispute_won_returns_the_funds(fake, ctx, gateway):
	completed, charge_id = paid(fake, ctx, gateway)
	run(ctx, completed)
	created = fake.open_dispute(charge_id, fee=1500)
	dispute_id = created["data"]["object"]["id"]
	run(ctx, fake.close_dispute(dispute_id, "won"))  # the created event comes late
	run(ctx, created)
	balances = ledger(gateway)
	assert "Disputed Funds - A" not in balances
	assert balances["Stripe Clearing - A"] == Decimal("10.37") - Decimal("15.00")
	assert balances["Stripe Fees - A"] == Decimal("15.62")
	assert len(posted(gateway, "Journal Entry")) == 2


def test_dispute_without_a_disputed_funds_account_is_held(fake, ctx, gateway):
	completed, charge_id = paid(fake, ctx, gateway)
	del ctx.settings["dispute_account"]
	with pytest.raises(NeedsAttention, match="Set 'Disputed Funds Account' on Stripe Account acme-stripe"):
		run(ctx, fake.open_dispute(charge_id))


def _fixture_charge_for(fake, gateway, invoice="SINV-0002"):
	"""The fixture's own charge (1.00, no fee) becomes a payment for a second invoice."""
	add_invoice(gateway, name=invoice, outstanding="1.00")
	fake.update(FIXTURE_CHARGE, metadata={"sales_invoice": invoice})


def test_payout_reconciles_posts_missing_payments_and_empties_clearing(fake, ctx, gateway):
	completed, charge_id = paid(fake, ctx, gateway)
	run(ctx, completed)
	run(ctx, fake.refund_charge(charge_id, amount=500))
	_fixture_charge_for(fake, gateway)  # its event never reached us
	payout = fake.pay_out("usd")
	result = run(ctx, payout, times=2)
	journals = [j for j in posted(gateway, "Journal Entry") if j["voucher_type"] == "Bank Entry"]
	assert len(journals) == 1 and result == ("Journal Entry", journals[0]["name"])
	assert payout["data"]["object"]["amount"] == 1037 - 500 + 100
	assert len(posted(gateway, "Payment Entry")) == 3
	balances = ledger(gateway)
	assert "Stripe Clearing - A" not in balances  # everything Stripe held has reached the bank
	assert balances["Bank USD - A"] == Decimal("6.37")


def test_payout_with_a_transaction_we_do_not_post_is_held_with_the_list(fake, ctx, gateway):
	completed, charge_id = paid(fake, ctx, gateway)
	run(ctx, completed)
	_fixture_charge_for(fake, gateway)
	odd = fake.transaction(
		amount=-250, currency="usd", source="ia_1", type="adjustment", category="other_adjustment"
	)
	with pytest.raises(NeedsAttention, match=f"{odd['id']} \\(adjustment/other_adjustment, USD -2.50 net"):
		run(ctx, fake.pay_out("usd"))
	assert [j for j in posted(gateway, "Journal Entry") if j["voucher_type"] == "Bank Entry"] == []


def test_stripe_fee_transactions_in_a_payout_go_to_the_fee_account(fake, ctx, gateway):
	completed, charge_id = paid(fake, ctx, gateway)
	run(ctx, completed)
	_fixture_charge_for(fake, gateway)
	fake.transaction(
		amount=-200, currency="usd", source=None, type="stripe_fee", category="fee", description="Radar"
	)
	run(ctx, fake.pay_out("usd"))
	balances = ledger(gateway)
	assert "Stripe Clearing - A" not in balances
	assert balances["Stripe Fees - A"] == Decimal("2.62")


def test_payout_not_adding_up_is_held(fake, ctx, gateway):
	_fixture_charge_for(fake, gateway)
	event = fake.pay_out("usd")
	fake.update(event["data"]["object"]["id"], amount=999)
	with pytest.raises(NeedsAttention, match="is USD 9.99 but its 1 balance transactions add up to 1.00"):
		run(ctx, event)


def test_payout_without_a_bank_account_for_its_currency_is_held(fake, ctx, gateway):
	ctx.settings["payout_accounts"] = [{"currency": "EUR", "bank_account": "Bank EUR - A"}]
	_fixture_charge_for(fake, gateway)
	with pytest.raises(NeedsAttention, match="add a USD row"):
		run(ctx, fake.pay_out("usd"))


def credit_note(gateway, owed="10.99", name="CN-0001"):
	return add_invoice(gateway, name=name, outstanding=f"-{owed}", is_return=1, return_against="SINV-0001")


def test_a_refund_made_for_a_credit_note_is_allocated_against_it_once(fake, ctx, gateway):
	completed, charge_id = paid(fake, ctx, gateway)
	run(ctx, completed)
	note_name = credit_note(gateway)
	refunded = fake.refund_charge(charge_id, metadata={"credit_note": note_name})
	run(ctx, refunded, times=2)
	run(ctx, fake.event("refund.updated", fake.last_refund))
	[pay] = [e for e in posted(gateway, "Payment Entry") if e["payment_type"] == "Pay"]
	assert pay["references"] == [
		{
			"reference_doctype": "Sales Invoice",
			"reference_name": note_name,
			"allocated_amount": Decimal("-10.99"),
		}
	]
	assert "paying back credit note CN-0001" in pay["remarks"]


def test_a_failed_refund_says_so_on_the_credit_note_and_posts_nothing(fake, ctx, gateway):
	completed, charge_id = paid(fake, ctx, gateway)
	run(ctx, completed)
	note_name = credit_note(gateway)
	fake.refund_charge(charge_id, status="pending", metadata={"credit_note": note_name})
	failed = fake.fail_refund(fake.last_refund["id"])
	run(ctx, failed, times=2)
	assert [e["payment_type"] for e in posted(gateway, "Payment Entry")] == ["Receive"]
	[comment] = [c for c in posted(gateway, "Comment") if c["reference_name"] == note_name]
	assert "failed (expired_or_canceled_card): nothing reached the customer" in comment["content"]


def test_a_refund_paying_back_less_than_the_credit_note_owes_says_what_is_left(fake, ctx, gateway):
	completed, charge_id = paid(fake, ctx, gateway)
	run(ctx, completed)
	note_name = credit_note(gateway, owed="15.00")
	gateway.docs["Sales Invoice"][note_name]["outstanding_amount"] = Decimal("-4.01")  # as ERPNext leaves it

	run(ctx, fake.refund_charge(charge_id, metadata={"credit_note": note_name}))
	[comment] = [c for c in posted(gateway, "Comment") if c["reference_name"] == note_name]
	assert "USD 4.01 of this credit note is still owed to the customer" in comment["content"]
