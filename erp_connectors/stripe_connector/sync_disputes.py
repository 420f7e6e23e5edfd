"""Disputes: flag the invoice, post the withdrawn funds and fee, then their release or loss.

Every dispute event (created, funds withdrawn or reinstated, closed) runs the same
idempotent step against the dispute's current state fetched from Stripe:
- the invoice gets a `dispute` link and a comment (the flag);
- each dispute balance transaction not yet posted becomes a Journal Entry
  (clearing, dispute fee, disputed-funds account), so a withdrawal and a later
  reinstatement each post once, in whatever order the events come;
- a lost dispute moves the principal still withheld out of the disputed-funds
  account, once.
Inquiries (`warning_*`) withdraw no funds, so they only flag the invoice.
"""

from erp_connectors.connectors.errors import NeedsAttention
from erp_connectors.connectors.sources import SyncContext
from erp_connectors.stripe_connector.amounts import from_minor, normalise_currency
from erp_connectors.stripe_connector.mapping import (
	balance_amounts,
	balance_journal_entry,
	dispute_loss_journal_entry,
	required,
	stripe_date,
)
from erp_connectors.stripe_connector.posting import bind, linked, note, object_id, post
from erp_connectors.stripe_connector.sync_payments import post_payment_for_charge


def sync_dispute(ctx: SyncContext, dispute_id: str, as_of: int | None = None):
	"""`as_of`: when the triggering event happened (dates a loss); defaults to Stripe's own dates."""
	dispute = ctx.client.retrieve_dispute(dispute_id)
	payment = post_payment_for_charge(ctx, object_id(dispute.get("charge")))
	invoice_name = _invoice_of(ctx.gateway.get(*payment))
	invoice = ctx.gateway.get("Sales Invoice", invoice_name)
	currency = normalise_currency(dispute["currency"])

	if not linked(ctx, "dispute", dispute["id"]):
		bind(ctx, [("dispute", dispute["id"])], "Sales Invoice", invoice_name)
	note(
		ctx,
		f"dispute_opened:{dispute['id']}",
		"Sales Invoice",
		invoice_name,
		f"Stripe dispute {dispute['id']} opened on payment {payment[1]}: {currency} "
		f"{from_minor(dispute['amount'], currency)}, reason '{dispute.get('reason')}', status "
		f"'{dispute.get('status')}'. Respond in the Stripe Dashboard{_due(dispute)}.",
	)

	withheld = []
	result = ("Sales Invoice", invoice_name)
	for transaction in dispute.get("balance_transactions") or []:
		if isinstance(transaction, str):
			transaction = ctx.client.retrieve_balance_transaction(transaction)
		fees = balance_amounts(transaction)
		withheld.append(fees.gross)
		if linked(ctx, "balance_transaction", fees.id):
			continue
		if fees.currency != currency:
			raise NeedsAttention(
				f"Stripe settled dispute {dispute['id']} in {fees.currency}, not {currency} "
				f"(balance transaction {fees.id}). Post it by hand, then mark this event resolved."
			)
		doc = balance_journal_entry(
			fees,
			counter_account=required(ctx.settings, "dispute_account", "Disputed Funds Account"),
			settings=ctx.settings,
			remark=f"Stripe dispute {dispute['id']} on {invoice_name}: {fees.reporting_category or fees.type} "
			f"{fees.currency} {fees.gross}, fee {fees.fee}.",
		)
		result = post(ctx, doc, [("balance_transaction", fees.id)])

	status = dispute.get("status")
	if status == "lost":
		held = -sum(withheld)
		if held > 0 and not linked(ctx, "dispute_lost", dispute["id"]):
			doc = dispute_loss_journal_entry(
				invoice,
				amount=held,
				dispute_id=dispute["id"],
				closed_on=stripe_date(as_of or _closed_at(dispute)),
				settings=ctx.settings,
			)
			result = post(ctx, doc, [("dispute_lost", dispute["id"])])
	if status in ("won", "lost", "warning_closed"):
		note(
			ctx,
			f"dispute_closed:{dispute['id']}",
			"Sales Invoice",
			invoice_name,
			f"Stripe dispute {dispute['id']} closed: {status}.",
		)
	return result


def _invoice_of(payment_doc: dict) -> str:
	for row in payment_doc.get("references") or []:
		if row.get("reference_doctype") == "Sales Invoice":
			return row["reference_name"]
	raise NeedsAttention(f"Payment Entry {payment_doc.get('name')} references no Sales Invoice to flag")


def _due(dispute: dict) -> str:
	due = (dispute.get("evidence_details") or {}).get("due_by")
	return f" by {stripe_date(due)}" if due else ""


def _closed_at(dispute: dict):
	transactions = [t for t in dispute.get("balance_transactions") or [] if isinstance(t, dict)]
	return max((t.get("created") or 0 for t in transactions), default=None) or dispute.get("created")
