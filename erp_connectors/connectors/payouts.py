"""One payout, one Journal Entry equal to the deposit: the posting path Stripe and Shopify payouts share.

A connector describes a paid payout as a `Payout`: the deposit (`net`, what reached the bank)
and every balance transaction it settles, each already classed (`kind`) and given the account its
gross is booked against. `post_payout` then checks and posts it, once:

- the transactions' nets add up to the deposit to the cent, and each transaction's
  amount - fee is its net; otherwise nothing is posted and the payout is held;
- one Journal Entry (Bank Entry): the bank Dr the deposit; the fees Dr on one line; per kind
  and account one line for the gross: charges Cr the clearing account they were paid into,
  refunds Dr it, chargebacks on the disputed-funds account, reserves and adjustments on theirs;
- bound to the payout id under Connector Link's unique index, so a second sync or a racing
  worker finds it (the loser's insert rolls back: AlreadyDone);
- a *Connector Payout* record with every transaction, for the reconciliation report.

Where a connector booked the fee when the payment posted (Stripe's Payment Entry deducts it),
a transaction is `fee_booked` and its line carries the net instead: the clearing account holds
nets there. Either way the clearing account returns to zero for what the payout settled.
Pure: the gateway is given.
"""

from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal

from erp_connectors.connectors.errors import AlreadyDone, NeedsAttention
from erp_connectors.connectors.gateway import AccountRef

ZERO = Decimal(0)
# How a transaction is shown and summed (the record's columns and the report's), in line order.
KINDS = ("charge", "refund", "dispute", "reserve", "adjustment", "fee")
LABELS = {
	"charge": "Charges",
	"refund": "Refunds",
	"dispute": "Chargebacks and dispute reversals",
	"reserve": "Reserves",
	"adjustment": "Adjustments",
	"fee": "Fees",
}
RECORD = "Connector Payout"
LINK_TYPE = "payout"


@dataclass(frozen=True)
class SettledTransaction:
	"""One balance transaction a payout settles, in the payout's currency."""

	id: str
	kind: str  # one of KINDS
	type: str  # the provider's own type, e.g. CHARGE or dispute
	amount: Decimal  # gross, as it moved the provider balance (+ in, - out)
	fee: Decimal  # what the provider kept (+) or gave back (-)
	net: Decimal
	account: str  # where the gross is booked
	fee_booked: bool = False  # fee already booked with the payment: the line books the net
	order: str = ""  # the order or charge it belongs to, as people know it
	order_id: str = ""  # its remote id
	reference_doctype: str = ""  # the ERP document that booked it into `account`
	reference_name: str = ""
	description: str = ""


@dataclass(frozen=True)
class Payout:
	source: str  # "Shopify Payments", "Stripe"
	account: AccountRef
	payout_id: str
	currency: str
	date: str
	net: Decimal  # what reached the bank; negative when taken from it
	bank_account: str
	company: str
	transactions: list[SettledTransaction] = field(default_factory=list)
	fee_account: str | None = None
	clearing_account: str | None = None
	cost_center: str | None = None
	remark: str = ""


def check(payout: Payout) -> None:
	"""NeedsAttention (nothing posted) unless the transactions add up to the deposit, to the cent."""
	wrong = [t for t in payout.transactions if t.amount - t.fee != t.net]
	if wrong:
		listed = "; ".join(f"{t.id}: {t.amount} - {t.fee} != {t.net}" for t in wrong[:10])
		raise NeedsAttention(
			f"{payout.source} payout {payout.payout_id}: {len(wrong)} balance transactions do not add up "
			f"({listed}). Nothing was posted; check the payout at {payout.source}, then retry."
		)
	unknown = sorted({t.kind for t in payout.transactions} - set(KINDS))
	if unknown:
		raise ValueError(f"unknown payout line kinds {unknown}")
	total = sum((t.net for t in payout.transactions), ZERO)
	if total != payout.net:
		raise NeedsAttention(
			f"{payout.source} payout {payout.payout_id} deposits {payout.currency} {payout.net}, but its "
			f"{len(payout.transactions)} balance transactions add up to {total} (difference "
			f"{payout.net - total}). Nothing was posted; compare the payout's transactions at "
			f"{payout.source}, then retry."
		)
	if any(not t.fee_booked and t.fee for t in payout.transactions) and not payout.fee_account:
		raise NeedsAttention(
			f"{payout.source} payout {payout.payout_id} carries fees but no fee account is set on "
			f"{payout.account.doctype} {payout.account.name}. Set it, then retry."
		)


def journal_lines(payout: Payout) -> list[tuple[str, Decimal, str]]:
	"""(account, signed amount: + debit, - credit, remark) of the payout's entry, bank first."""
	grouped: OrderedDict[tuple[str, str], list] = OrderedDict()
	for kind in KINDS:  # a fixed line order, whatever order the provider listed them in
		for t in payout.transactions:
			if t.kind == kind:
				row = grouped.setdefault((t.account, kind), [ZERO, 0])
				row[0] += t.net if t.fee_booked else t.amount
				row[1] += 1
	fees = sum((t.fee for t in payout.transactions if not t.fee_booked), ZERO)
	lines = [(payout.bank_account, payout.net, f"{payout.source} payout {payout.payout_id}")]
	if fees:
		count = sum(1 for t in payout.transactions if t.fee and not t.fee_booked)
		lines.append((payout.fee_account, fees, f"Fees on {count} transactions"))
	for (account, kind), (amount, count) in grouped.items():
		# money into the provider's balance (a charge) leaves the account it was booked to
		lines.append((account, -amount, f"{LABELS[kind]}: {count} transactions"))
	return [line for line in lines if line[1]]


def journal_entry(payout: Payout) -> dict:
	lines = journal_lines(payout)
	if sum(amount for _, amount, _ in lines) != 0:  # check() makes this unreachable
		raise AssertionError(f"payout {payout.payout_id} does not balance: {lines}")
	accounts = []
	for account, amount, remark in lines:
		row = {
			"account": account,
			"debit_in_account_currency": amount if amount > 0 else ZERO,
			"credit_in_account_currency": -amount if amount < 0 else ZERO,
			"user_remark": remark,
		}
		if payout.cost_center:
			row["cost_center"] = payout.cost_center
		accounts.append(row)
	return {
		"doctype": "Journal Entry",
		"voucher_type": "Bank Entry",
		"company": payout.company,
		"posting_date": payout.date,
		"cheque_no": payout.payout_id,
		"cheque_date": payout.date,
		"user_remark": payout.remark
		or f"{payout.source} payout {payout.payout_id}: {payout.currency} {payout.net} to the bank, "
		f"settling {len(payout.transactions)} balance transactions.",
		"accounts": accounts,
	}


def record(payout: Payout, journal_entry_name: str) -> dict:
	"""The Connector Payout record of a posted payout, with one row per settled transaction."""
	fees = sum((t.fee for t in payout.transactions), ZERO) - sum(
		(t.amount for t in payout.transactions if t.kind == "fee"), ZERO
	)
	by_kind = {kind: ZERO for kind in KINDS}
	for t in payout.transactions:
		by_kind[t.kind] += t.amount
	return {
		"doctype": RECORD,
		"source": payout.source,
		"account_doctype": payout.account.doctype,
		"account": payout.account.name,
		"payout_id": payout.payout_id,
		"company": payout.company,
		"currency": payout.currency,
		"payout_date": payout.date,
		"bank_account": payout.bank_account,
		"clearing_account": payout.clearing_account,
		"journal_entry": journal_entry_name,
		"charges": by_kind["charge"],
		"refunds": by_kind["refund"],
		"disputes": by_kind["dispute"],
		"reserves": by_kind["reserve"],
		"adjustments": by_kind["adjustment"],
		"fees": fees,
		"net": payout.net,
		"transaction_count": len(payout.transactions),
		"transactions": [
			{
				"transaction_id": t.id,
				"kind": t.kind,
				"transaction_type": t.type,
				"order_name": t.order,
				"order_id": t.order_id,
				"reference_doctype": t.reference_doctype or None,
				"reference_name": t.reference_name or None,
				"amount": t.amount,
				"fee": t.fee,
				"net": t.net,
				"fee_booked": int(t.fee_booked),
				"description": t.description,
			}
			for t in payout.transactions
		],
	}


def post_payout(gateway, payout: Payout) -> tuple[str, str]:
	"""Post the payout's Journal Entry and its record, once; (Journal Entry, name)."""
	done = gateway.find_link(payout.account, LINK_TYPE, payout.payout_id)
	if done:
		return tuple(done)
	check(payout)
	name = gateway.insert(journal_entry(payout), submit=True)
	bound = tuple(gateway.add_link(payout.account, LINK_TYPE, payout.payout_id, "Journal Entry", name))
	if bound != ("Journal Entry", name):
		raise AlreadyDone(bound)  # a racing worker posted it first; ours rolls back
	gateway.record(record(payout, name), "transactions")
	return bound
