"""fulfillments/create: a fulfillment made in Shopify (a partial one too) becomes a Delivery Note;
with Invoice at Fulfillment, the one that completes the order also invoices it (billing).

Our own pushes (a Delivery Note made here, sent to Shopify) come back as this webhook too. The
push holds the Sales Order's row while it creates and links the fulfillment, and this handler
takes the same row before it looks for the link, so an echo always finds it and adds nothing.
"""

from erp_connectors.connectors.errors import NeedsAttention, TransientError
from erp_connectors.connectors.sources import SyncContext
from erp_connectors.shopify_connector.billing import bind, invoice_fulfilled_order
from erp_connectors.shopify_connector.orders import item_codes

DONE = ("success",)


def fulfillment_gid(fulfillment: dict) -> str:
	return fulfillment.get("admin_graphql_api_id") or f"gid://shopify/Fulfillment/{fulfillment['id']}"


def import_fulfillment(ctx: SyncContext, fulfillment: dict):
	order = ctx.gateway.find_link(ctx.account, "order", fulfillment["order_id"])
	if not order:
		raise TransientError(
			f"Shopify order {fulfillment['order_id']} is not imported yet; its fulfillment waits"
		)
	ctx.gateway.lock(*order)
	gid = fulfillment_gid(fulfillment)
	done = ctx.gateway.find_link(ctx.account, "fulfillment_id", gid, latest=True)
	date = str(fulfillment.get("created_at") or "")[:10] or None
	if done:
		# our own fulfillment's echo: the Delivery Note was made here; it may complete the order
		invoice_fulfilled_order(ctx, fulfillment["order_id"], order[1], date)
		return done
	if fulfillment.get("status") not in DONE:
		return None  # pending, cancelled or failed: nothing left the warehouse
	items = item_codes(ctx, {"line_items": fulfillment.get("line_items") or []})
	doc = delivery_note(ctx.gateway.draft_delivery(order[1]), fulfillment, items, ctx.settings)
	name = ctx.gateway.insert(doc, submit=True)
	bind(ctx, "fulfillment", f"{name}:{order[1]}", "Delivery Note", name)  # so it is not pushed back
	bound = bind(ctx, "fulfillment_id", gid, "Delivery Note", name)
	invoice_fulfilled_order(ctx, fulfillment["order_id"], order[1], date)
	return bound


def delivery_note(draft: dict, fulfillment: dict, item_for_line: dict[str, str], settings: dict) -> dict:
	"""The draft (what the order has left to deliver) cut down to what Shopify fulfilled. Pure."""
	wanted: dict[str, int] = {}
	missing = []
	for line in fulfillment.get("line_items") or []:
		item_code = item_for_line.get(str(line["id"]))
		if not item_code:
			missing.append(f"'{line.get('title')}' (SKU '{line.get('sku') or ''}')")
			continue
		wanted[item_code] = wanted.get(item_code, 0) + int(line.get("quantity") or 0)
	if missing:
		raise NeedsAttention(
			f"Shopify fulfillment {fulfillment.get('name') or fulfillment['id']} ships lines with no Item in ERPNext: "
			f"{', '.join(missing)}. Link or create the Items, then retry."
		)
	location = fulfillment.get("location_id")
	warehouse = (settings.get("location_warehouses") or {}).get(str(location)) if location else None
	rows = []
	for row in draft.get("items") or []:
		take = min(wanted.get(row["item_code"], 0), int(row.get("qty") or 0))
		if take <= 0:
			continue
		wanted[row["item_code"]] -= take
		rows.append({**row, "qty": take, **({"warehouse": warehouse} if warehouse else {})})
	over = {code: qty for code, qty in wanted.items() if qty > 0}
	if over:
		listed = ", ".join(f"{qty} x {code}" for code, qty in over.items())
		raise NeedsAttention(
			f"Shopify fulfillment {fulfillment.get('name') or fulfillment['id']} ships {listed} more than the Sales "
			"Order has left to deliver. Nothing was posted; check the order's deliveries, then retry."
		)
	date = str(fulfillment.get("created_at") or "")[:10]
	doc = {**draft, "items": rows}
	if date:
		doc.update({"posting_date": date, "set_posting_time": 1})
	if fulfillment.get("tracking_number"):
		doc.update({"lr_no": fulfillment["tracking_number"], "lr_date": date or None})
	return doc
