"""refunds/create: a Shopify refund becomes a credit note against the order's invoice, and the money
paid back a Payment Entry (one per refund transaction, from its gateway's account, when the store
maps gateways), once each; stock comes back when Shopify restocked delivered goods."""

from erp_connectors.connectors.errors import NeedsAttention, TransientError
from erp_connectors.connectors.sources import SyncContext
from erp_connectors.shopify_connector.billing import bind, settle
from erp_connectors.shopify_connector.orders import item_codes
from erp_connectors.shopify_connector.payments import queue_refund_payments, uses_gateways
from erp_connectors.shopify_connector.refund_mapping import (
	credit_note,
	credit_note_total,
	money_refunded,
	refund_date,
	stock_returns,
)


def import_refund(ctx: SyncContext, refund: dict):
	done = ctx.gateway.find_link(ctx.account, "refund", refund["id"])
	if done:
		return done
	order_id = refund["order_id"]
	order = ctx.gateway.find_link(ctx.account, "order", order_id)
	if not order:
		raise TransientError(
			f"Shopify order {order_id} is not imported yet; its refund {refund['id']} waits for it"
		)
	invoice = ctx.gateway.find_link(ctx.account, "invoice", order_id)
	if not invoice:
		if ctx.settings.get("create_invoice"):
			raise TransientError(
				f"Shopify order {order_id} is not invoiced yet; its refund {refund['id']} waits for it"
			)
		ctx.gateway.comment(
			*order,
			f"Shopify refund {refund['id']} of {money_refunded(refund)} was made, but this store does not create "
			"invoices, so no credit note was posted. Credit the customer by hand if your books need it.",
		)
		return bind(ctx, "refund", refund["id"], *order)

	lines = {"line_items": [rl.get("line_item") or {} for rl in refund.get("refund_line_items") or []]}
	items = item_codes(ctx, lines)
	doc, expected = credit_note(refund, ctx.gateway.get(*invoice), ctx.settings, items)
	if doc is not None:
		mapped = -credit_note_total(doc)
		if mapped != expected:
			raise NeedsAttention(
				f"Shopify refund {refund['id']} totals {expected} but maps to a credit note of {mapped}. Nothing was "
				"posted; check the refund in Shopify and credit it by hand."
			)
		name = ctx.gateway.insert(doc, submit=True)
		result = bind(ctx, "refund", refund["id"], "Sales Invoice", name)
		money = money_refunded(refund)
		if ctx.settings.get("create_payment") and money and uses_gateways(ctx.settings):
			queue_refund_payments(ctx, refund, name)  # each refund transaction from its gateway's account
		elif ctx.settings.get("create_payment") and money:
			settle(
				ctx,
				"refund_payment",
				refund["id"],
				name,
				f"refund {refund['id']}",
				refund_date(refund),
				money,
			)
	else:
		result = bind(ctx, "refund", refund["id"], *order)
	for stock_return in stock_returns(refund, ctx.gateway.deliveries(order[1]), items, ctx.settings):
		returned = ctx.gateway.insert(stock_return, submit=True)
		bind(ctx, "restock", f"{refund['id']}:{stock_return['return_against']}", "Delivery Note", returned)
	return result
