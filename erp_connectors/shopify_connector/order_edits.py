"""orders/updated with edited lines: a Sales Order not yet delivered or invoiced is replaced by an
amended one that matches Shopify again (cancel, amend, relink, in one transaction); one already
delivered or invoiced keeps its lines and gets a note saying what to adjust by hand.

Most orders/updated deliveries change nothing we map (tags, notes, payment status), so the mapped
order is compared with the current one first and only a real difference touches anything.
"""

from decimal import Decimal

from erp_connectors.connectors.sources import SyncContext
from erp_connectors.shopify_connector import mapping


def apply_edits(
	ctx: SyncContext, order: dict, linked: tuple[str, str], item_for_line: dict
) -> tuple[str, str]:
	ctx.gateway.lock(*linked)
	linked = ctx.gateway.find_link(ctx.account, "order", order["id"], latest=True) or linked
	current = ctx.gateway.get(*linked)
	if current.get("docstatus") != 1:
		return linked
	wanted = mapping.sales_order(order, ctx.settings, current["customer"], item_for_line)
	if same_order(current, wanted):
		return linked
	if (current.get("per_delivered") or 0) > 0 or (current.get("per_billed") or 0) > 0:
		key = f"{order['id']}:{order.get('updated_at')}"
		if not ctx.gateway.find_link(ctx.account, "edit_note", key):
			ctx.gateway.comment(
				*linked,
				f"Shopify order {order.get('name')} was edited (now {mapping.erp_grand_total(wanted)} "
				f"{order.get('currency')}), but this Sales Order is already delivered or invoiced, so its lines were "
				"left as they are. Adjust the delivery or invoice by hand.",
			)
			ctx.gateway.add_link(ctx.account, "edit_note", key, *linked)
		return linked
	ctx.gateway.cancel(*linked)
	name = ctx.gateway.insert({**wanted, "amended_from": linked[1]}, submit=True)
	ctx.gateway.relink(ctx.account, "order", order["id"], "Sales Order", name)
	return ("Sales Order", name)


def same_order(current: dict, wanted: dict) -> bool:
	def lines(doc):
		return sorted((row["item_code"], _d(row["qty"]), _d(row["rate"])) for row in doc.get("items") or [])

	def charges(doc):
		return sorted((row["account_head"], _d(row["tax_amount"])) for row in doc.get("taxes") or [])

	return (
		lines(current) == lines(wanted)
		and charges(current) == charges(wanted)
		and _d(current.get("discount_amount")) == _d(wanted.get("discount_amount"))
	)


def _d(value) -> Decimal:
	return Decimal(str(value or 0)).normalize()
