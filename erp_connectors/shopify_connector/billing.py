"""Paid Shopify orders: a Sales Invoice from the Sales Order, then a Payment Entry, once each.

Both are optional per store (Create Invoice, Create Payment). The invoice is ERPNext's own
mapping of the Sales Order, so it carries the same lines, taxes and discount, and its total
is checked against Shopify's to the cent. The payment settles what the invoice says is
outstanding, into the store's clearing account: amounts come from the ERP documents.
"""

from decimal import Decimal

from erp_connectors.connectors.errors import AlreadyDone, NeedsAttention
from erp_connectors.connectors.sources import SyncContext
from erp_connectors.shopify_connector.mapping import erp_grand_total, order_date
from erp_connectors.shopify_connector.money import shop_amount

# Statuses in which the customer has paid the whole order (a later refund does not undo that).
PAID = {"paid", "partially_refunded", "refunded"}


def bill_order(ctx: SyncContext, order: dict, sales_order: str):
	if not ctx.settings.get("create_invoice") or order.get("financial_status") not in PAID:
		return None
	invoice = ctx.gateway.find_link(ctx.account, "invoice", order["id"])
	if not invoice:
		draft = ctx.gateway.draft_invoice(sales_order)
		date = order_date(order, ctx.settings)
		draft.update({"posting_date": date, "set_posting_time": 1, "due_date": date})
		expected, mapped = shop_amount(order, "total_price"), erp_grand_total(draft)
		if mapped != expected:
			raise NeedsAttention(
				f"The invoice for Shopify order {order.get('name')} would total {mapped}, but Shopify says {expected} "
				f"(Sales Order {sales_order} may have been edited or partly billed). Nothing was posted; invoice it "
				"by hand or correct the order, then retry."
			)
		name = ctx.gateway.insert(draft, submit=True)
		invoice = bind(ctx, "invoice", order["id"], "Sales Invoice", name)
	if ctx.settings.get("create_payment"):
		settle(ctx, "payment", order["id"], invoice[1], order.get("name"), order_date(order, ctx.settings))
	return invoice


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
