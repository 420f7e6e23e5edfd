"""Stripe objects -> ERPNext document dicts. Pure: no I/O.

Every amount comes from a Stripe balance transaction converted with `amounts`,
except what a payment is allocated against, which is checked against the ERP
document before we get here. Books (ERPNext v15 semantics):

- payment:  Payment Entry "Receive". paid_amount = received_amount = net into the
  clearing account; the invoice is allocated the gross; the fee is a deduction.
  GL: Dr clearing (net) + Dr fee (fee) = Cr debtors (gross).
- refund:   Payment Entry "Pay" to the customer, unallocated: Dr debtors (gross),
  Cr clearing (net), any returned fee as a (negative) deduction. A user issues the
  credit note and reconciles it, as ERPNext's refund flow expects.
- dispute:  Journal Entry per dispute balance transaction: clearing (net), fee
  account (dispute fee), disputed-funds account (the principal). When lost, the
  principal leaves the disputed-funds account for the customer's receivable (the
  invoice is open again) or a loss account if one is set.
- payout:   the shared path (connectors.payouts): one Bank Entry, Dr bank, Cr clearing (nets).

Amounts are Decimals; debit/credit signs are decided here and nowhere else.
"""

from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal

from erp_connectors.connectors.errors import NeedsAttention, PermanentError
from erp_connectors.stripe_connector.amounts import from_minor, normalise_currency

ZERO = Decimal(0)
FEE_ACCOUNT_FIELDS = {"tax": "fee_tax_account", "withheld_tax": "fee_tax_account"}


@dataclass(frozen=True)
class BalanceAmounts:
	"""A balance transaction's money, in Decimals of its (settlement) currency."""

	id: str
	currency: str
	type: str
	reporting_category: str
	source: str | None
	gross: Decimal
	fee: Decimal
	net: Decimal
	fee_by_type: dict = field(default_factory=dict)
	created: int | None = None

	@property
	def stripe_fee(self) -> Decimal:
		return self.fee_by_type.get("stripe_fee", ZERO)

	@property
	def application_fee(self) -> Decimal:
		return self.fee_by_type.get("application_fee", ZERO)

	@property
	def tax(self) -> Decimal:
		return self.fee_by_type.get("tax", ZERO) + self.fee_by_type.get("withheld_tax", ZERO)


def balance_amounts(transaction: dict) -> BalanceAmounts:
	"""Gross, fee, net and the fee's breakdown; Stripe's own identities are checked, not assumed."""
	currency = normalise_currency(transaction["currency"])
	amount, fee, net = transaction["amount"], transaction["fee"], transaction["net"]
	if amount - fee != net:
		raise PermanentError(
			f"Stripe balance transaction {transaction['id']} is inconsistent: amount {amount} - fee {fee} != net {net}"
		)
	details = transaction.get("fee_details") or []
	by_type: dict[str, int] = {}
	for detail in details:
		if normalise_currency(detail["currency"]) != currency:
			raise PermanentError(f"Fee {detail} of {transaction['id']} is not in {currency}")
		by_type[detail["type"]] = by_type.get(detail["type"], 0) + detail["amount"]
	total = sum(by_type.values())
	if details and total == -fee and fee:
		by_type = {kind: -value for kind, value in by_type.items()}  # a returned fee listed unsigned
	elif details and total != fee:
		raise PermanentError(f"Fee details of {transaction['id']} add up to {total}, not its fee {fee}")
	if fee and not details:
		by_type = {"stripe_fee": fee}
	return BalanceAmounts(
		id=transaction["id"],
		currency=currency,
		type=transaction.get("type") or "",
		reporting_category=transaction.get("reporting_category") or "",
		source=_id(transaction.get("source")),
		gross=from_minor(amount, currency),
		fee=from_minor(fee, currency),
		net=from_minor(net, currency),
		fee_by_type={kind: from_minor(value, currency) for kind, value in by_type.items() if value},
		created=transaction.get("created"),
	)


def stripe_date(timestamp: int | None) -> str | None:
	if timestamp is None:
		return None
	return datetime.fromtimestamp(int(timestamp), tz=timezone.utc).date().isoformat()


def required(settings, fieldname: str, label: str) -> str:
	value = settings.get(fieldname)
	if not value:
		raise NeedsAttention(
			f"Set '{label}' on Stripe Account {settings.get('account_name') or ''}".rstrip() + ", then retry."
		)
	return value


def fee_deductions(fees: BalanceAmounts, settings, description: str) -> list[dict]:
	"""One Payment Entry Deduction per fee account: tax on fees may go to its own account if set."""
	fee_account = required(settings, "fee_account", "Stripe Fee Expense Account")
	cost_center = required(settings, "cost_center", "Cost Center")
	by_account: dict[str, Decimal] = {}
	for kind, amount in fees.fee_by_type.items():
		account = settings.get(FEE_ACCOUNT_FIELDS.get(kind, ""), None) or fee_account
		by_account[account] = by_account.get(account, ZERO) + amount
	return [
		{"account": account, "cost_center": cost_center, "amount": amount, "description": description}
		for account, amount in by_account.items()
		if amount
	]


def _same_currency(fees: BalanceAmounts, currency: str, what: str):
	if fees.currency != normalise_currency(currency):
		raise NeedsAttention(
			f"Stripe settled {what} in {fees.currency} but it was charged in {normalise_currency(currency)} "
			f"(balance transaction {fees.id}). Converted charges are not posted automatically: post this "
			"payment by hand, then mark this event resolved."
		)


def payment_entry_for_invoice(
	invoice: dict,
	*,
	gross: Decimal,
	charge_currency: str,
	fees: BalanceAmounts,
	reference_no: str,
	settings,
	payment_request: str | None = None,
) -> dict:
	"""A Receive Payment Entry paying `gross` of the invoice, net into clearing, fee deducted."""
	_same_currency(fees, charge_currency, f"payment {reference_no}")
	if fees.gross != gross:
		raise PermanentError(
			f"Stripe's balance transaction {fees.id} holds {fees.gross}, not the charged {gross} ({reference_no})"
		)
	reference = {
		"reference_doctype": "Sales Invoice",
		"reference_name": invoice["name"],
		"allocated_amount": gross,
	}
	if payment_request:
		reference["payment_request"] = payment_request
	entry = {
		"doctype": "Payment Entry",
		"payment_type": "Receive",
		"company": invoice["company"],
		"posting_date": stripe_date(fees.created),
		"party_type": "Customer",
		"party": invoice["customer"],
		"paid_from": invoice["debit_to"],
		"paid_to": required(settings, "clearing_account", "Stripe Clearing Account"),
		"paid_amount": fees.net,
		"received_amount": fees.net,
		"reference_no": reference_no,
		"reference_date": stripe_date(fees.created),
		"references": [reference],
		"deductions": fee_deductions(fees, settings, f"Stripe fees on {reference_no}") if fees.fee else [],
		"custom_remarks": 1,
		"remarks": (
			f"Stripe payment {reference_no}: {fees.currency} {gross} gross, {fees.fee} fees, {fees.net} net "
			f"(balance transaction {fees.id})."
		),
	}
	return _with_optional(entry, settings)


def refund_payment_entry(
	payment: dict,
	*,
	refund_id: str,
	refund_currency: str,
	fees: BalanceAmounts,
	settings,
	credit_note: dict | None = None,
) -> dict:
	"""A Pay Payment Entry returning the refund to the customer out of the clearing account; allocated
	against the credit note it pays back (as much as that still owes), when one is named."""
	_same_currency(fees, refund_currency, f"refund {refund_id}")
	if fees.gross >= 0:
		raise PermanentError(f"Refund balance transaction {fees.id} does not take money out ({fees.gross})")
	references = []
	if credit_note:
		owed = Decimal(str(credit_note.get("outstanding_amount") or 0))  # negative: owed to the customer
		allocated = max(fees.gross, owed)
		if allocated < 0:
			references = [
				{
					"reference_doctype": "Sales Invoice",
					"reference_name": credit_note["name"],
					"allocated_amount": allocated,
				}
			]
	entry = {
		"doctype": "Payment Entry",
		"payment_type": "Pay",
		"company": payment["company"],
		"posting_date": stripe_date(fees.created),
		"party_type": "Customer",
		"party": payment["party"],
		"paid_from": required(settings, "clearing_account", "Stripe Clearing Account"),
		"paid_to": payment["paid_from"],
		"paid_amount": -fees.net,
		"received_amount": -fees.net,
		"reference_no": refund_id,
		"reference_date": stripe_date(fees.created),
		"references": references,
		"deductions": fee_deductions(fees, settings, f"Stripe fees returned on {refund_id}")
		if fees.fee
		else [],
		"custom_remarks": 1,
		"remarks": (
			f"Stripe refund {refund_id} of {fees.currency} {-fees.gross} for payment {payment['reference_no']} "
			f"({payment['name']})"
			+ (
				f", paying back credit note {credit_note['name']}."
				if references
				else ". Issue a credit note for the invoice and reconcile it with this entry."
			)
		),
	}
	return _with_optional(entry, settings)


def balance_journal_entry(fees: BalanceAmounts, *, counter_account: str, settings, remark: str) -> dict:
	"""A balance transaction not tied to an invoice payment: clearing (net), fees, and the counter account."""
	clearing = required(settings, "clearing_account", "Stripe Clearing Account")
	fee_account = required(settings, "fee_account", "Stripe Fee Expense Account")
	lines = [(clearing, fees.net, {}), (counter_account, -fees.gross, {})]
	for kind, amount in fees.fee_by_type.items():
		lines.append((settings.get(FEE_ACCOUNT_FIELDS.get(kind, ""), None) or fee_account, amount, {}))
	return journal_entry(
		lines, settings=settings, reference=fees.id, posting_date=stripe_date(fees.created), remark=remark
	)


def dispute_loss_journal_entry(
	invoice: dict, *, amount: Decimal, dispute_id: str, closed_on: str | None, settings
) -> dict:
	"""A lost dispute: the withheld principal leaves the disputed-funds account for good."""
	disputed = required(settings, "dispute_account", "Disputed Funds Account")
	if settings.get("dispute_loss_account"):
		debit = (settings["dispute_loss_account"], amount, {})
	else:
		party = {
			"party_type": "Customer",
			"party": invoice["customer"],
			"reference_type": "Sales Invoice",
			"reference_name": invoice["name"],
		}
		debit = (invoice["debit_to"], amount, party)
	return journal_entry(
		[debit, (disputed, -amount, {})],
		settings=settings,
		reference=dispute_id,
		posting_date=closed_on,
		remark=f"Stripe dispute {dispute_id} lost: {amount} charged back on {invoice['name']}.",
	)


def payout_bank_account(settings, currency: str) -> str:
	for row in settings.get("payout_accounts") or []:
		if normalise_currency(row.get("currency") or "") == currency and row.get("bank_account"):
			return row["bank_account"]
	raise NeedsAttention(
		f"No payout bank account for {currency} on Stripe Account {settings.get('account_name') or ''}: "
		f"add a {currency} row to 'Payout Bank Account per Currency', then retry."
	)


def journal_entry(
	lines, *, settings, reference: str, posting_date, remark: str, voucher_type="Journal Entry"
):
	"""lines: (account, signed amount, extra fields); positive debits, negative credits. Must balance."""
	if sum(amount for _, amount, _ in lines) != 0:
		raise PermanentError(f"Journal for {reference} does not balance: {lines}")
	cost_center = settings.get("cost_center")
	accounts = []
	for account, amount, extra in lines:
		if not amount:
			continue
		row = {
			"account": account,
			"debit_in_account_currency": amount if amount > 0 else ZERO,
			"credit_in_account_currency": -amount if amount < 0 else ZERO,
			**extra,
		}
		if cost_center:
			row["cost_center"] = cost_center
		accounts.append(row)
	return {
		"doctype": "Journal Entry",
		"voucher_type": voucher_type,
		"company": required(settings, "company", "Company"),
		"posting_date": posting_date,
		"cheque_no": reference,
		"cheque_date": posting_date,
		"user_remark": remark,
		"accounts": accounts,
	}


def _with_optional(entry: dict, settings) -> dict:
	if settings.get("cost_center"):
		entry["cost_center"] = settings["cost_center"]
	if settings.get("mode_of_payment"):
		entry["mode_of_payment"] = settings["mode_of_payment"]
	return entry


def _id(value):
	if isinstance(value, dict):
		return value.get("id")
	return value
