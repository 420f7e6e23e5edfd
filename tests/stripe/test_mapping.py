"""Fee and net math from balance transactions, and the ERP documents built from them."""

import copy
from decimal import Decimal

import pytest

from erp_connectors.connectors.errors import NeedsAttention, PermanentError
from erp_connectors.stripe_connector import mapping
from tests.stripe.conftest import SETTINGS, data

REAL_TXN = data("stripe_openapi_fixture_balance_transaction.json")
INVOICE = {
	"name": "SINV-0001",
	"company": "Acme",
	"customer": "Jenny Rosen",
	"debit_to": "Debtors - A",
	"currency": "USD",
}


def txn(**fields):
	return {**copy.deepcopy(REAL_TXN), **fields}


def fee_row(amount, kind, currency="usd"):
	return {"amount": amount, "application": None, "currency": currency, "description": kind, "type": kind}


def test_real_fixture_balance_transaction():
	amounts = mapping.balance_amounts(REAL_TXN)
	assert (amounts.gross, amounts.fee, amounts.net) == (Decimal("1.00"), Decimal("0.00"), Decimal("1.00"))
	assert amounts.currency == "USD"
	assert amounts.source == "ch_1PgafuB7WZ01zgkWXYmPNZs8"
	assert amounts.fee_by_type == {}


def test_fee_breakdown_by_type():
	amounts = mapping.balance_amounts(
		txn(
			amount=10000,
			fee=420,
			net=9580,
			fee_details=[fee_row(320, "stripe_fee"), fee_row(60, "application_fee"), fee_row(40, "tax")],
		)
	)
	assert amounts.net == Decimal("95.80")
	assert amounts.stripe_fee == Decimal("3.20")
	assert amounts.application_fee == Decimal("0.60")
	assert amounts.tax == Decimal("0.40")
	assert amounts.stripe_fee + amounts.application_fee + amounts.tax == amounts.fee


def test_zero_decimal_fees():
	amounts = mapping.balance_amounts(
		txn(currency="jpy", amount=1099, fee=39, net=1060, fee_details=[fee_row(39, "stripe_fee", "jpy")])
	)
	assert (amounts.gross, amounts.fee, amounts.net) == (Decimal(1099), Decimal(39), Decimal(1060))


def test_fee_without_details_is_a_stripe_fee():
	assert mapping.balance_amounts(txn(amount=1000, fee=59, net=941)).stripe_fee == Decimal("0.59")


@pytest.mark.parametrize(
	"fields, message",
	[
		({"amount": 1000, "fee": 59, "net": 900}, "inconsistent"),
		({"amount": 1000, "fee": 59, "net": 941, "fee_details": [fee_row(50, "stripe_fee")]}, "add up to 50"),
		(
			{"amount": 1000, "fee": 59, "net": 941, "fee_details": [fee_row(59, "stripe_fee", "eur")]},
			"not in USD",
		),
	],
)
def test_inconsistent_transactions_are_refused(fields, message):
	with pytest.raises(PermanentError, match=message):
		mapping.balance_amounts(txn(**fields))


def test_payment_entry_allocates_gross_and_deducts_fee_into_clearing():
	fees = mapping.balance_amounts(
		txn(amount=1099, fee=62, net=1037, fee_details=[fee_row(62, "stripe_fee")], created=1721948600)
	)
	entry = mapping.payment_entry_for_invoice(
		INVOICE,
		gross=Decimal("10.99"),
		charge_currency="usd",
		fees=fees,
		reference_no="pi_1",
		settings=SETTINGS,
		payment_request="PR-0001",
	)
	assert entry["payment_type"] == "Receive"
	assert (entry["party_type"], entry["party"]) == ("Customer", "Jenny Rosen")
	assert (entry["paid_from"], entry["paid_to"]) == ("Debtors - A", "Stripe Clearing - A")
	assert entry["paid_amount"] == entry["received_amount"] == Decimal("10.37")
	assert entry["references"] == [
		{
			"reference_doctype": "Sales Invoice",
			"reference_name": "SINV-0001",
			"allocated_amount": Decimal("10.99"),
			"payment_request": "PR-0001",
		}
	]
	assert entry["deductions"] == [
		{
			"account": "Stripe Fees - A",
			"cost_center": "Main - A",
			"amount": Decimal("0.62"),
			"description": "Stripe fees on pi_1",
		}
	]
	# ERPNext's rule: allocated - received - deductions must be zero.
	allocated = entry["references"][0]["allocated_amount"]
	assert allocated - entry["received_amount"] - entry["deductions"][0]["amount"] == 0
	assert entry["posting_date"] == entry["reference_date"] == "2024-07-25"


def test_tax_on_fees_can_go_to_its_own_account():
	fees = mapping.balance_amounts(
		txn(amount=10000, fee=420, net=9580, fee_details=[fee_row(380, "stripe_fee"), fee_row(40, "tax")])
	)
	settings = {**SETTINGS, "fee_tax_account": "VAT on Fees - A"}
	entry = mapping.payment_entry_for_invoice(
		INVOICE,
		gross=Decimal("100.00"),
		charge_currency="USD",
		fees=fees,
		reference_no="pi_2",
		settings=settings,
	)
	assert {d["account"]: d["amount"] for d in entry["deductions"]} == {
		"Stripe Fees - A": Decimal("3.80"),
		"VAT on Fees - A": Decimal("0.40"),
	}


def test_no_fee_means_no_deductions():
	entry = mapping.payment_entry_for_invoice(
		INVOICE,
		gross=Decimal("1.00"),
		charge_currency="usd",
		fees=mapping.balance_amounts(REAL_TXN),
		reference_no="ch_1",
		settings=SETTINGS,
	)
	assert entry["deductions"] == [] and entry["paid_amount"] == Decimal("1.00")


def test_converted_charge_is_held_not_guessed():
	fees = mapping.balance_amounts(txn(amount=1180, fee=64, net=1116, currency="usd"))
	with pytest.raises(NeedsAttention, match="settled payment pi_3 in USD but it was charged in EUR"):
		mapping.payment_entry_for_invoice(
			INVOICE,
			gross=Decimal("10.00"),
			charge_currency="eur",
			fees=fees,
			reference_no="pi_3",
			settings=SETTINGS,
		)


def test_gross_must_match_the_balance_transaction():
	with pytest.raises(PermanentError, match="holds 1.00, not the charged 10.99"):
		mapping.payment_entry_for_invoice(
			INVOICE,
			gross=Decimal("10.99"),
			charge_currency="usd",
			fees=mapping.balance_amounts(REAL_TXN),
			reference_no="pi_4",
			settings=SETTINGS,
		)


def test_missing_setting_names_the_field():
	settings = {k: v for k, v in SETTINGS.items() if k != "clearing_account"}
	with pytest.raises(NeedsAttention, match="Set 'Stripe Clearing Account' on Stripe Account acme-stripe"):
		mapping.payment_entry_for_invoice(
			INVOICE,
			gross=Decimal("1.00"),
			charge_currency="usd",
			fees=mapping.balance_amounts(REAL_TXN),
			reference_no="ch_1",
			settings=settings,
		)


def test_refund_entry_pays_the_customer_out_of_clearing():
	payment = {
		"name": "ACC-PAY-1",
		"company": "Acme",
		"party": "Jenny Rosen",
		"paid_from": "Debtors - A",
		"reference_no": "pi_1",
	}
	fees = mapping.balance_amounts(
		txn(amount=-500, fee=0, net=-500, type="refund", reporting_category="refund")
	)
	entry = mapping.refund_payment_entry(
		payment, refund_id="re_1", refund_currency="usd", fees=fees, settings=SETTINGS
	)
	assert entry["payment_type"] == "Pay"
	assert (entry["paid_from"], entry["paid_to"]) == ("Stripe Clearing - A", "Debtors - A")
	assert entry["paid_amount"] == entry["received_amount"] == Decimal("5.00")
	assert entry["deductions"] == [] and entry["reference_no"] == "re_1"


def test_refund_with_returned_fee_credits_the_fee_account():
	payment = {
		"name": "ACC-PAY-1",
		"company": "Acme",
		"party": "Jenny Rosen",
		"paid_from": "Debtors - A",
		"reference_no": "pi_1",
	}
	fees = mapping.balance_amounts(
		txn(amount=-1000, fee=-30, net=-970, fee_details=[fee_row(30, "stripe_fee")], type="refund")
	)
	entry = mapping.refund_payment_entry(
		payment, refund_id="re_2", refund_currency="usd", fees=fees, settings=SETTINGS
	)
	assert entry["paid_amount"] == Decimal("9.70")
	assert entry["deductions"][0]["amount"] == Decimal("-0.30")
	# Pay: paid - party amount - deductions == 0, with the party getting the full 10.00 back.
	assert entry["paid_amount"] - Decimal("10.00") - entry["deductions"][0]["amount"] == 0


def test_dispute_withdrawal_journal():
	fees = mapping.balance_amounts(
		txn(
			amount=-1099,
			fee=1500,
			net=-2599,
			fee_details=[fee_row(1500, "stripe_fee")],
			type="adjustment",
			reporting_category="dispute",
		)
	)
	entry = mapping.balance_journal_entry(
		fees, counter_account="Disputed Funds - A", settings=SETTINGS, remark="x"
	)
	rows = {
		r["account"]: (r["debit_in_account_currency"], r["credit_in_account_currency"])
		for r in entry["accounts"]
	}
	assert rows == {
		"Stripe Clearing - A": (Decimal(0), Decimal("25.99")),
		"Disputed Funds - A": (Decimal("10.99"), Decimal(0)),
		"Stripe Fees - A": (Decimal("15.00"), Decimal(0)),
	}
	assert entry["company"] == "Acme" and entry["cheque_no"] == fees.id


def test_dispute_loss_reopens_the_invoice_unless_a_loss_account_is_set():
	entry = mapping.dispute_loss_journal_entry(
		INVOICE, amount=Decimal("10.99"), dispute_id="dp_1", closed_on="2024-08-01", settings=SETTINGS
	)
	debit = next(r for r in entry["accounts"] if r["debit_in_account_currency"])
	assert debit == {
		"account": "Debtors - A",
		"debit_in_account_currency": Decimal("10.99"),
		"credit_in_account_currency": Decimal(0),
		"party_type": "Customer",
		"party": "Jenny Rosen",
		"reference_type": "Sales Invoice",
		"reference_name": "SINV-0001",
		"cost_center": "Main - A",
	}
	settings = {**SETTINGS, "dispute_loss_account": "Chargeback Losses - A"}
	entry = mapping.dispute_loss_journal_entry(
		INVOICE, amount=Decimal("10.99"), dispute_id="dp_1", closed_on=None, settings=settings
	)
	assert {r["account"] for r in entry["accounts"]} == {"Chargeback Losses - A", "Disputed Funds - A"}


def test_payout_bank_account_is_the_currency_row():
	assert mapping.payout_bank_account(SETTINGS, "USD") == "Bank USD - A"
	with pytest.raises(NeedsAttention, match="add a EUR row to 'Payout Bank Account per Currency'"):
		mapping.payout_bank_account(SETTINGS, "EUR")


def test_unbalanced_journal_is_refused():
	with pytest.raises(PermanentError, match="does not balance"):
		mapping.journal_entry(
			[("A", Decimal(1), {}), ("B", Decimal(-2), {})],
			settings=SETTINGS,
			reference="x",
			posting_date=None,
			remark="",
		)
