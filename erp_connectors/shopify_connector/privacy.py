"""Shopify's mandatory privacy webhooks, and the app/uninstalled check. Pure: they act through the
gateway and the callbacks the Frappe half puts in `ctx.extra` (privacy_sync):
- `shopify`: a zero-argument factory of the store's GraphQL client;
- `request_erasure(email, note)`: raise ERPNext's own Personal Data Deletion Request;
- `forget_store()`: disable the store and remove every secret it holds.

customers/data_request: a ToDo for the store's System Managers listing what we hold for the customer
(the Customer, its addresses, the Sales Orders of the orders named), due in 30 days.
customers/redact: a Personal Data Deletion Request for the customer's email, which a System Manager
approves in ERPNext (Shopify sends it ten days after the merchant's request, or six months after the
last order; the orders named are listed on it).
shop/redact: the store is disabled and its secrets removed (Shopify sends it 48 hours after uninstall).
"""

from datetime import date, timedelta
from html import escape

from erp_connectors.connectors.errors import AuthError, NeedsAttention
from erp_connectors.connectors.sources import SyncContext
from erp_connectors.shopify_connector.auth import ReconnectRequired
from erp_connectors.shopify_connector.shop import shop_info

DATA_REQUEST_DAYS = 30


def held_for_customer(ctx: SyncContext, customer_id, order_ids) -> list[tuple[str, str, str]]:
	"""(what, doctype, name) we hold for a Shopify customer and the orders named."""
	held = []
	customer = ctx.gateway.find_link(ctx.account, "customer", customer_id) if customer_id else None
	if customer:
		held.append(("Customer", *customer))
	for order_id in order_ids or []:
		order = ctx.gateway.find_link(ctx.account, "order", order_id)
		if order:
			held.append((f"Shopify order {order_id}", *order))
		for kind in ("billing", "shipping"):
			address = ctx.gateway.find_link(ctx.account, "address", f"{order_id}:{kind}")
			if address:
				held.append((f"{kind.title()} address of order {order_id}", *address))
	return held


def data_request(ctx: SyncContext, payload: dict):
	customer = payload.get("customer") or {}
	held = held_for_customer(ctx, customer.get("id"), payload.get("orders_requested"))
	request_id = (payload.get("data_request") or {}).get("id")
	rows = "".join(
		f"<li>{escape(what)}: {escape(doctype)} {escape(str(name))}</li>" for what, doctype, name in held
	)
	description = (
		f"<p>Shopify data request {escape(str(request_id))} from {escape(ctx.account.name)}: send the "
		f"customer (Shopify id {escape(str(customer.get('id')))}, {escape(str(customer.get('email') or '-'))}) "
		"what ERPNext holds about them.</p>"
		+ (f"<ul>{rows}</ul>" if rows else "<p>Nothing in ERPNext is linked to this customer.</p>")
	)
	name = ctx.gateway.insert(
		{
			"doctype": "ToDo",
			"status": "Open",
			"priority": "High",
			"role": "System Manager",
			"date": (date.today() + timedelta(days=DATA_REQUEST_DAYS)).isoformat(),
			"description": description,
			"reference_type": ctx.account.doctype,
			"reference_name": ctx.account.name,
		}
	)
	return ("ToDo", name)


def customer_redact(ctx: SyncContext, payload: dict):
	customer = payload.get("customer") or {}
	email = customer.get("email")
	linked = (
		ctx.gateway.find_link(ctx.account, "customer", customer.get("id")) if customer.get("id") else None
	)
	if not email and linked:
		email = ctx.gateway.get(*linked).get("email_id")
	if not email:
		raise NeedsAttention(
			f"Shopify asks to erase customer {customer.get('id')}, who has no email address in Shopify or "
			"ERPNext, and ERPNext's Personal Data Deletion Request needs one. Erase the customer's data by "
			"hand, then mark this event done by retrying it after adding the email to the Customer."
		)
	orders = ", ".join(str(order_id) for order_id in payload.get("orders_to_redact") or []) or "none"
	note = (
		f"Requested by Shopify store {ctx.account.name} for customer {customer.get('id')} "
		f"(orders {orders})." + (f" Linked Customer: {linked[1]}." if linked else "")
	)
	return ctx.extra["request_erasure"](email, note)


def shop_redact(ctx: SyncContext, payload: dict):
	ctx.extra["forget_store"]()
	return (ctx.account.doctype, ctx.account.name)


def uninstalled(ctx: SyncContext, payload: dict):
	"""app/uninstalled disables the store only once Shopify itself refuses our credentials: the topic
	header is unsigned, so a captured body replayed as this topic must change nothing."""
	try:
		shop_info(ctx.extra["shopify"]())
	except AuthError:
		pass  # Shopify no longer accepts us: the app really is uninstalled
	except ReconnectRequired as error:
		if not error.refused:
			raise  # the refresh token only lapsed: nothing says the app is gone
	else:
		return None  # the app still has access: not uninstalled, nothing changes
	ctx.gateway.set_value(ctx.account.doctype, ctx.account.name, {"enabled": 0})
	return (ctx.account.doctype, ctx.account.name)
