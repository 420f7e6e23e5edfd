"""Shopify orders billed: a Sales Invoice from the Sales Order, then its payments, once each.

Both are optional per store (Create Invoice, Create Payment). The invoice is ERPNext's own
mapping of the Sales Order, so it carries the same lines, taxes and discount, and its total
is checked against Shopify's to the cent. Gift cards sold on it are credited to the store's
gift-card liability account, not revenue. An order is invoiced when it is paid, or, with
*Invoice at Fulfillment*, when it is fulfilled (fulfillments_in), whichever the store chooses.

Payments: a store that maps its gateways posts one Payment Entry per Shopify transaction
(`payments`, through a follow-up event, so an unmapped gateway holds the payment and not the
order); one that does not settles what the invoice leaves outstanding into its Payment Account.
"""

from decimal import Decimal

from erp_connectors.connectors.errors import AlreadyDone, NeedsAttention
from erp_connectors.connectors.sources import SyncContext
from erp_connectors.shopify_connector.mapping import erp_grand_total, order_date
from erp_connectors.shopify_connector.money import shop_amount
from erp_connectors.shopify_connector.payments import queue_order_payments, uses_gateways

# Statuses in which the customer has paid the whole order (a later refund does not undo that).
PAID = {"paid", "partially_refunded", "refunded"}


def bill_order(ctx: SyncContext, order: dict, sales_order: str):
	paid = order.get("financial_status") in PAID
	invoice = ctx.gateway.find_link(ctx.account, "invoice", order["id"])
	if not invoice:
		if not ctx.settings.get("create_invoice") or not paid or ctx.settings.get("invoice_at_fulfillment"):
			return None
		invoice = make_invoice(
			ctx,
			order["id"],
			sales_order,
			expected=shop_amount(order, "total_price"),
			date=order_date(order, ctx.settings),
			label=f"Shopify order {order.get('name')}",
		)
	if ctx.settings.get("create_payment") and paid:
		if uses_gateways(ctx.settings):
			queue_order_payments(ctx, order)
		else:
			settle(
				ctx, "payment", order["id"], invoice[1], order.get("name"), order_date(order, ctx.settings)
			)
	return invoice


def make_invoice(ctx: SyncContext, order_id, sales_order: str, *, expected: Decimal, date: str, label: str):
	"""The Sales Invoice of the whole Sales Order, dated `date`, equal to `expected` or held."""
	draft = ctx.gateway.draft_invoice(sales_order)
	draft.update({"posting_date": date, "set_posting_time": 1, "due_date": date})
	gift_card_item = ctx.settings.get("gift_card_item")
	for row in draft.get("items") or []:
		if gift_card_item and row.get("item_code") == gift_card_item:
			# A gift card sold is money owed to its holder until redeemed: a liability, not revenue.
			row["income_account"] = gift_card_liability(ctx.settings, label)
	mapped = erp_grand_total(draft)
	if mapped != expected:
		raise NeedsAttention(
			f"The invoice for {label} would total {mapped}, but Shopify says {expected} (Sales Order "
			f"{sales_order} may have been edited or partly billed). Nothing was posted; invoice it by hand or "
			"correct the order, then retry."
		)
	name = ctx.gateway.insert(draft, submit=True)
	return bind(ctx, "invoice", order_id, "Sales Invoice", name)


def invoice_fulfilled_order(ctx: SyncContext, order_id, sales_order: str, date: str | None):
	"""Invoice at Fulfillment: once the order is wholly delivered, its invoice, dated that day; its
	payments (when Shopify has them, e.g. cash collected on delivery) follow as their own event."""
	settings = ctx.settings
	if not (settings.get("create_invoice") and settings.get("invoice_at_fulfillment")):
		return None
	if ctx.gateway.find_link(ctx.account, "invoice", order_id):
		return None
	order = ctx.gateway.get("Sales Order", sales_order)
	if order.get("docstatus") != 1 or Decimal(str(order.get("per_delivered") or 0)) < 100:
		return None  # partly shipped: invoiced when the rest ships
	label = f"Shopify order {order.get('po_no') or order_id}"
	invoice = make_invoice(
		ctx,
		order_id,
		sales_order,
		expected=Decimal(str(order["grand_total"])),  # Shopify's total, checked when the order came
		date=date or order.get("transaction_date"),
		label=label,
	)
	if settings.get("create_payment") and uses_gateways(settings):
		queue_order_payments(
			ctx,
			{"id": order_id, "name": order.get("po_no"), "financial_status": "fulfilled", "updated_at": date},
		)
	return invoice


def gift_card_liability(settings, label: str) -> str:
	account = settings.get("gift_card_account")
	if not account:
		raise NeedsAttention(
			f"{label} sells a gift card, but the Shopify Store has no Gift Card Liability Account. Set it under "
			"Payments and Payouts, then retry."
		)
	return account


def settle(ctx: SyncContext, kind: str, remote_id, document: str, reference: str, date: str, expected=None):
	"""A Payment Entry for what `document` has outstanding, bound to (kind, remote_id)."""
	done = ctx.gateway.find_link(ctx.account, kind, remote_id)
	if done:
		return done
	account = ctx.settings.get("payment_account")
	if not account:
		raise NeedsAttention(
			"Set 'Payment Account' (the account Shopify payouts clear through) on the Shopify Store, or turn "
			"off 'Create Payment', then retry this event."
		)
	draft = ctx.gateway.draft_payment("Sales Invoice", document, account)
	if expected is not None and Decimal(str(draft["paid_amount"])) != expected:
		raise NeedsAttention(
			f"Shopify moved {expected} for {reference}, but {document} leaves {draft['paid_amount']} to settle. "
			"Nothing was posted; record this payment by hand."
		)
	draft.update({"reference_no": str(reference), "reference_date": date, "posting_date": date})
	name = ctx.gateway.insert(draft, submit=True)
	return bind(ctx, kind, remote_id, "Payment Entry", name)


def bind(ctx: SyncContext, kind: str, remote_id, doctype: str, name: str):
	bound = ctx.gateway.add_link(ctx.account, kind, remote_id, doctype, name)
	if bound != (doctype, name):
		raise AlreadyDone(bound)  # another worker posted it first; ours rolls back
	return bound
