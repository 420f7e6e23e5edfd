"""The payout-posting path Stripe and Shopify share: one entry equal to the deposit, or nothing."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from erp_connectors.connectors.errors import AlreadyDone, NeedsAttention
from erp_connectors.connectors.gateway import AccountRef, InMemoryGateway
from erp_connectors.connectors.payouts import Payout, SettledTransaction, journal_entry, post_payout

D = Decimal
ACCOUNT = AccountRef("Shopify Store", "acme.myshopify.com")


def settled(id, kind, amount, fee="0", account="Clearing", **extra):
	amount, fee = D(amount), D(fee)
	return SettledTransaction(
		id=id,
		kind=kind,
		type=kind.upper(),
		amount=amount,
		fee=fee,
		net=amount - fee,
		account=account,
		**extra,
	)


def payout(transactions, net=None, **extra):
	net = sum((t.net for t in transactions), D(0)) if net is None else D(net)
	values = dict(
		source="Shopify Payments", account=ACCOUNT, payout_id="9001", currency="USD", date="2026-11-24"
	)
	values.update(net=net, bank_account="Bank", company="TC", transactions=transactions, fee_account="Fees")
	return Payout(**{**values, **extra})


def rows(entry):
	return [
		(r["account"], r["debit_in_account_currency"] - r["credit_in_account_currency"])
		for r in entry["accounts"]
	]


def test_the_entry_is_the_deposit_with_fees_and_each_kind_on_its_own_line():
	entry = journal_entry(
		payout(
			[
				settled("1", "charge", "100.00", "3.20"),
				settled("2", "refund", "-20.00"),
				settled("3", "dispute", "-50.00", "15.00", account="Chargebacks"),
				settled("4", "charge", "40.00", "1.46"),
				settled("5", "reserve", "-10.00", account="Reserves"),
			]
		)
	)
	assert (entry["voucher_type"], entry["cheque_no"], entry["posting_date"]) == (
		"Bank Entry",
		"9001",
		"2026-11-24",
	)
	assert rows(entry) == [
		("Bank", D("40.34")),
		("Fees", D("19.66")),
		("Clearing", D("-140.00")),
		("Clearing", D("20.00")),
		("Chargebacks", D("50.00")),
		("Reserves", D("10.00")),
	]


def test_fees_booked_with_the_payment_clear_the_net_instead():
	entry = journal_entry(payout([settled("1", "charge", "100.00", "3.20", fee_booked=True)]))
	assert rows(entry) == [("Bank", D("96.80")), ("Clearing", D("-96.80"))]


@pytest.mark.parametrize("net", ["96.79", "0.00", "-96.80"])
def test_a_payout_not_adding_up_to_the_cent_posts_nothing(net):
	gateway = InMemoryGateway()
	with pytest.raises(NeedsAttention, match="difference"):
		post_payout(gateway, payout([settled("1", "charge", "100.00", "3.20")], net=net))
	assert gateway.docs == {} and gateway.links == {}


def test_fees_without_a_fee_account_post_nothing():
	with pytest.raises(NeedsAttention, match="no fee account"):
		post_payout(InMemoryGateway(), payout([settled("1", "charge", "100.00", "3.20")], fee_account=None))


def test_posted_once_and_a_racing_loser_rolls_back():
	gateway = InMemoryGateway()
	first = post_payout(gateway, payout([settled("1", "charge", "10.00", "0.59")]))
	assert post_payout(gateway, payout([settled("1", "charge", "10.00", "0.59")])) == first
	assert len(gateway.docs["Journal Entry"]) == 1 and len(gateway.docs["Connector Payout"]) == 1

	class Late(InMemoryGateway):
		"""A worker whose look-up ran before the winner's link existed."""

		def find_link(self, *args, **kwargs):
			return None

	late = Late()
	late.links = dict(gateway.links)
	late.insert({"doctype": "Journal Entry"})  # its own entries are named apart from the winner's
	with pytest.raises(AlreadyDone) as lost:
		post_payout(late, payout([settled("1", "charge", "10.00", "0.59")]))
	assert lost.value.reference == first


money = st.decimals(min_value=-5000, max_value=5000, places=2, allow_nan=False, allow_infinity=False)


@given(
	st.lists(
		st.tuples(
			st.sampled_from(["charge", "refund", "dispute", "fee", "adjustment"]), money, money, st.booleans()
		),
		min_size=1,
		max_size=30,
	)
)
def test_any_payout_that_adds_up_balances_and_its_bank_line_is_the_deposit(items):
	transactions = [
		settled(str(i), kind, amount, fee, fee_booked=booked)
		for i, (kind, amount, fee, booked) in enumerate(items)
	]
	entry = journal_entry(payout(transactions))
	lines = rows(entry)
	assert sum(amount for _, amount in lines) == 0
	deposit = sum((t.net for t in transactions), D(0))
	assert ("Bank", deposit) in lines or deposit == 0
