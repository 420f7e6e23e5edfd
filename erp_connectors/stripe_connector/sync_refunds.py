"""Refunds: each succeeded Stripe refund becomes one Pay Payment Entry back to the customer.

A refund made from ERPNext (*Refund via Stripe* on a credit note, refund_actions) names its credit
note in its metadata: its entry is allocated against that credit note, and a refund that fails, or
pays back less than the credit note owes, says so on the credit note's timeline, once.

A refund event can arrive before the payment's own event. We do not wait for
it: the payment is posted first from Stripe's current objects
(`post_payment_for_charge`), then the refunds. If the payment cannot be posted
(unknown invoice, amount mismatch) the refund is held with that same message,
so nothing is ever refunded in the books that was not received in the books.
"""

from decimal import Decimal

from erp_connectors.connectors.sources import SyncContext
from erp_connectors.stripe_connector import references
from erp_connectors.stripe_connector.amounts import from_minor, normalise_currency
from erp_connectors.stripe_connector.mapping import balance_amounts, refund_payment_entry
from erp_connectors.stripe_connector.posting import linked, note, object_id, post
from erp_connectors.stripe_connector.sync_payments import post_payment_for_charge


def sync_refunds(ctx: SyncContext, charge_id: str):
	"""Post every succeeded refund of the charge not posted yet. Returns the last refund entry, or the payment."""
	payment = post_payment_for_charge(ctx, charge_id)
	payment_doc = ctx.gateway.get(*payment)
	result = payment
	for refund in sorted(ctx.client.list_refunds(charge_id), key=lambda r: (r.get("created") or 0, r["id"])):
		posted = post_refund(ctx, refund, payment_doc)
		result = posted or result
	return result


def post_refund(ctx: SyncContext, refund: dict, payment_doc: dict):
	existing = linked(ctx, "refund", refund["id"])
	credit_note = credit_note_of(ctx, refund)
	if refund.get("status") in ("failed", "canceled"):
		if credit_note:
			refund_failed(ctx, refund, credit_note, existing)
		return existing
	if existing:
		return existing
	# pending / requires_action: money has not left yet, a later event says when.
	if refund.get("status") != "succeeded":
		return None
	transaction_id = object_id(refund.get("balance_transaction"))
	if not transaction_id:
		return None
	fees = balance_amounts(ctx.client.retrieve_balance_transaction(transaction_id))
	doc = refund_payment_entry(
		payment_doc,
		refund_id=refund["id"],
		refund_currency=refund["currency"],
		fees=fees,
		settings=ctx.settings,
		credit_note=credit_note,
	)
	posted = post(ctx, doc, [("refund", refund["id"]), ("balance_transaction", fees.id)])
	if credit_note:
		still_owed = -Decimal(
			str(ctx.gateway.get("Sales Invoice", credit_note["name"]).get("outstanding_amount") or 0)
		)
		if still_owed > 0:
			note(
				ctx,
				f"refund_partial:{refund['id']}",
				"Sales Invoice",
				credit_note["name"],
				f"Stripe refunded {fees.currency} {-fees.gross} ({refund['id']}, {posted[1]}); {fees.currency} "
				f"{still_owed} of this credit note is still owed to the customer. Pay it back another way.",
			)
	return posted


def credit_note_of(ctx: SyncContext, refund: dict) -> dict | None:
	"""The credit note a refund made from ERPNext pays back, if it still exists and is submitted."""
	name = (refund.get("metadata") or {}).get(references.CREDIT_NOTE)
	if not name or not ctx.gateway.find("Sales Invoice", {"name": name, "docstatus": 1}):
		return None
	return ctx.gateway.get("Sales Invoice", name)


def refund_failed(ctx: SyncContext, refund: dict, credit_note: dict, posted) -> None:
	currency = normalise_currency(refund["currency"])
	amount = from_minor(refund["amount"], currency)
	text = (
		f"Stripe refund {refund['id']} of {currency} {amount} {refund['status']}"
		f" ({refund.get('failure_reason') or 'no reason given'}): nothing reached the customer, and "
		"Stripe returned the money to your balance."
	)
	if posted:
		text += f" Cancel {posted[0]} {posted[1]}, which recorded it as paid."
	text += " Refund via Stripe again, or pay it back another way."
	note(ctx, f"refund_failed:{refund['id']}", "Sales Invoice", credit_note["name"], text)


def sync_refund(ctx: SyncContext, refund_id: str):
	refund = ctx.client.retrieve_refund(refund_id)
	return sync_refunds(ctx, object_id(refund.get("charge")))
