"""Payouts: a paid payout moves its amount from the clearing account to the bank, once.

Before posting, an automatic payout is reconciled with the balance transactions
it settles (`GET /v1/balance_transactions?payout=...`, every page): they must add
up to the payout, and each must already be in the books. Any not yet posted
(their events are late or lost) are posted now from Stripe's current objects; a
kind we cannot post automatically holds the payout with a list of what to do.
So the clearing account holds exactly what Stripe still owes us.

The payout itself is posted by the path every connector's payouts share
(`connectors.payouts`): one Bank Entry equal to the deposit, bound to the payout id, and a
Connector Payout record of what it settled. Stripe's fees were booked with each payment (a
deduction on its Payment Entry), so each transaction clears its net from the clearing account.
"""

from erp_connectors.connectors.errors import NeedsAttention, TransientError
from erp_connectors.connectors.payouts import Payout, SettledTransaction, post_payout
from erp_connectors.connectors.sources import SyncContext
from erp_connectors.stripe_connector.amounts import from_minor, normalise_currency
from erp_connectors.stripe_connector.mapping import (
	balance_amounts,
	balance_journal_entry,
	payout_bank_account,
	required,
	stripe_date,
)
from erp_connectors.stripe_connector.posting import bind, linked, object_id, post
from erp_connectors.stripe_connector.sync_disputes import sync_dispute
from erp_connectors.stripe_connector.sync_payments import post_payment_for_charge
from erp_connectors.stripe_connector.sync_refunds import sync_refund

CHARGE_TYPES = ("charge", "payment")
REFUND_TYPES = ("refund", "payment_refund")
DISPUTE_CATEGORIES = ("dispute", "dispute_reversal")
FEE_TYPES = ("stripe_fee", "tax_fee", "stripe_fx_fee")


def sync_payout(ctx: SyncContext, payout_id: str):
	existing = linked(ctx, "payout", payout_id)
	if existing:
		return existing
	payout = ctx.client.retrieve_payout(payout_id)
	if payout.get("status") != "paid":
		return None  # in transit, failed or canceled: no money reached the bank
	currency = normalise_currency(payout["currency"])
	bank = payout_bank_account(ctx.settings, currency)  # fail early if unset
	clearing = required(ctx.settings, "clearing_account", "Stripe Clearing Account")
	if payout.get("automatic"):
		own, settled = reconcile(ctx, payout)
		transactions = [settled_transaction(ctx, t, clearing) for t in settled]
	else:  # a manual payout moves part of the balance, whatever it holds
		own = object_id(payout.get("balance_transaction"))
		amount = from_minor(payout["amount"], currency)
		transactions = [
			SettledTransaction(
				id=own or payout["id"],
				kind="adjustment",
				type="payout",
				amount=amount,
				fee=from_minor(0, currency),
				net=amount,
				account=clearing,
				fee_booked=True,
				description="Manual payout of the Stripe balance",
			)
		]
	posted = post_payout(
		ctx.gateway,
		Payout(
			source="Stripe",
			account=ctx.account,
			payout_id=payout["id"],
			currency=currency,
			date=stripe_date(payout.get("arrival_date") or payout.get("created")),
			net=from_minor(payout["amount"], currency),
			bank_account=bank,
			company=required(ctx.settings, "company", "Company"),
			transactions=transactions,
			fee_account=ctx.settings.get("fee_account"),
			clearing_account=clearing,
			cost_center=ctx.settings.get("cost_center"),
			remark=f"Stripe payout {payout['id']}: {currency} {from_minor(payout['amount'], currency)} to the bank.",
		),
	)
	if own and not linked(ctx, "balance_transaction", own):
		bind(ctx, [("balance_transaction", own)], *posted)
	return posted


def settled_transaction(ctx: SyncContext, transaction: dict, clearing: str) -> SettledTransaction:
	"""A balance transaction as the shared payout path takes it; it already sits in clearing at its net."""
	amounts = balance_amounts(transaction)
	kind, category = transaction.get("type"), transaction.get("reporting_category")
	if kind in CHARGE_TYPES:
		line = "charge"
	elif kind in REFUND_TYPES:
		line = "refund"
	elif category in DISPUTE_CATEGORIES:
		line = "dispute"
	elif kind in FEE_TYPES or category == "fee":
		line = "fee"
	else:
		line = "adjustment"
	booked = linked(ctx, "balance_transaction", amounts.id) or ("", "")
	return SettledTransaction(
		id=amounts.id,
		kind=line,
		type=kind or "",
		amount=amounts.gross,
		fee=amounts.fee,
		net=amounts.net,
		account=clearing,
		fee_booked=True,
		order=amounts.source or "",
		order_id=amounts.source or "",
		reference_doctype=booked[0],
		reference_name=booked[1],
		description=transaction.get("description") or "",
	)


def reconcile(ctx: SyncContext, payout: dict) -> tuple[str | None, list[dict]]:
	"""Check and complete the books for the payout's transactions; return the payout's own transaction
	id and the transactions it settles."""
	transactions = ctx.client.list_payout_balance_transactions(payout["id"])
	own = [
		t for t in transactions if t.get("type") == "payout" and object_id(t.get("source")) == payout["id"]
	]
	settled = [t for t in transactions if t not in own]
	total = sum(t["net"] for t in settled)
	if total != payout["amount"]:
		currency = payout["currency"]
		raise NeedsAttention(
			f"Stripe payout {payout['id']} is {currency.upper()} {from_minor(payout['amount'], currency)} but "
			f"its {len(settled)} balance transactions add up to {from_minor(total, currency)}. Nothing was "
			"posted; compare the payout's reconciliation report in the Stripe Dashboard, then retry."
		)
	unpostable = []
	for transaction in settled:
		if not linked(ctx, "balance_transaction", transaction["id"]):
			if not post_balance_transaction(ctx, transaction):
				unpostable.append(transaction)
	if unpostable:
		listed = "; ".join(
			f"{t['id']} ({t.get('type')}/{t.get('reporting_category')}, {t['currency'].upper()} "
			f"{from_minor(t['net'], t['currency'])} net, source {object_id(t.get('source'))})"
			for t in unpostable
		)
		raise NeedsAttention(
			f"Stripe payout {payout['id']} settles balance transactions with no automatic posting: {listed}. "
			"Post them by hand to the Stripe clearing account, then mark this event resolved."
		)
	waiting = [t["id"] for t in settled if not linked(ctx, "balance_transaction", t["id"])]
	if waiting:
		raise TransientError(f"Payout {payout['id']} waits for these to be posted: {', '.join(waiting)}")
	return (own[0]["id"] if own else None), settled


def post_balance_transaction(ctx: SyncContext, transaction: dict) -> bool:
	"""Post the object behind one balance transaction; False if it is a kind we do not post."""
	kind, category, source = (
		transaction.get("type"),
		transaction.get("reporting_category"),
		object_id(transaction.get("source")),
	)
	if kind in CHARGE_TYPES and source:
		post_payment_for_charge(ctx, source)
	elif kind in REFUND_TYPES and source:
		sync_refund(ctx, source)
	elif category in DISPUTE_CATEGORIES and source:
		sync_dispute(ctx, source)
	elif kind in FEE_TYPES or category == "fee":
		fees = balance_amounts(transaction)
		doc = balance_journal_entry(
			fees,
			counter_account=required(ctx.settings, "fee_account", "Stripe Fee Expense Account"),
			settings=ctx.settings,
			remark=f"Stripe {kind} {transaction.get('description') or ''} ({fees.id}).".replace("  ", " "),
		)
		post(ctx, doc, [("balance_transaction", fees.id)])
	else:
		return False
	return True
