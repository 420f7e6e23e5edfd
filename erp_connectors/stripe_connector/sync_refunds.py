"""Refunds: each succeeded Stripe refund becomes one Pay Payment Entry back to the customer.

A refund event can arrive before the payment's own event. We do not wait for
it: the payment is posted first from Stripe's current objects
(`post_payment_for_charge`), then the refunds. If the payment cannot be posted
(unknown invoice, amount mismatch) the refund is held with that same message,
so nothing is ever refunded in the books that was not received in the books.
"""

from erp_connectors.connectors.sources import SyncContext
from erp_connectors.stripe_connector.mapping import balance_amounts, refund_payment_entry
from erp_connectors.stripe_connector.posting import linked, object_id, post
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
	if existing:
		return existing
	# pending / requires_action: money has not left yet, a later event says when. failed / canceled: it never will.
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
	)
	return post(ctx, doc, [("refund", refund["id"]), ("balance_transaction", fees.id)])


def sync_refund(ctx: SyncContext, refund_id: str):
	refund = ctx.client.retrieve_refund(refund_id)
	return sync_refunds(ctx, object_id(refund.get("charge")))
