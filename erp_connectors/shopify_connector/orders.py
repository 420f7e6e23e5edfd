"""Shopify orders -> ERPNext Customers and Sales Orders, idempotent through links.

Versions: the order link keeps the `updated_at` of the last version applied. An order event older than
that (a late retry, a replay, a shard that drained behind another) is recorded and changes nothing;
the link row is locked before the comparison, so two workers applying versions of one order take turns.
"""

from datetime import datetime, timezone

from erp_connectors.connectors.errors import AlreadyDone, TransientError
from erp_connectors.connectors.sources import SyncContext
from erp_connectors.shopify_connector import mapping
from erp_connectors.shopify_connector.billing import bill_order
from erp_connectors.shopify_connector.order_edits import apply_edits


def upsert_customer(ctx: SyncContext, order: dict) -> str:
	"""Match by Shopify customer id, then by email; otherwise create. Returns the Customer name."""
	gateway, account = ctx.gateway, ctx.account
	remote = order.get("customer") or {}
	remote_id = remote.get("id")
	if remote_id is not None:
		linked = gateway.find_link(account, "customer", remote_id)
		if linked:
			return linked[1]
	doc = mapping.customer_doc(order, ctx.settings)
	name = gateway.find("Customer", {"email_id": doc["email_id"]}) if doc.get("email_id") else None
	if not name:
		name = gateway.insert(doc)
		for kind, address in mapping.address_docs(order, name):
			address["links"] = [{"link_doctype": "Customer", "link_name": name}]
			address_name = gateway.insert(address)
			gateway.add_link(account, "address", f"{order['id']}:{kind}", "Address", address_name)
	if remote_id is not None:
		bound = gateway.add_link(account, "customer", remote_id, "Customer", name)
		if bound[1] != name:
			# Another worker created this customer a moment ago; start over to use theirs.
			raise TransientError(f"Shopify customer {remote_id} was created concurrently")
	return name


def item_codes(ctx: SyncContext, order: dict) -> dict[str, str]:
	"""Line id -> Item: the variant's link first, then an Item whose code is the SKU."""
	lines = order.get("line_items") or []
	variants = [str(line["variant_id"]) for line in lines if line.get("variant_id")]
	linked = ctx.gateway.find_links(ctx.account, "variant", variants) if variants else {}
	items = ctx.gateway.existing("Item", {line["sku"] for line in lines if line.get("sku")})
	by_lower = {code.lower(): code for code in items}  # an Item code matches its SKU as MariaDB compares
	found = {}
	for line in lines:
		bound = linked.get(str(line.get("variant_id")))
		code = by_lower.get(str(line.get("sku") or "").lower())
		if bound:
			found[str(line["id"])] = bound[1]
		elif code:
			found[str(line["id"])] = code
	return found


def order_version(order: dict) -> str | None:
	"""The order's updated_at as sortable UTC text (REST payloads carry the shop's offset, GraphQL UTC)."""
	value = order.get("updated_at")
	if not value:
		return None
	try:
		moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
	except ValueError:
		return None  # not a time Shopify writes: no version to compare
	if moment.tzinfo is None:
		moment = moment.replace(tzinfo=timezone.utc)
	return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def is_stale(ctx: SyncContext, order: dict) -> bool:
	"""Whether a newer version of this linked order was applied already. Locks the order's link row."""
	applied = ctx.gateway.link_version(ctx.account, "order", order["id"])
	version = order_version(order)
	return bool(applied and version and version < applied)


def record_version(ctx: SyncContext, order: dict):
	version = order_version(order)
	if version and version > (ctx.gateway.link_version(ctx.account, "order", order["id"]) or ""):
		ctx.gateway.set_link_version(ctx.account, "order", order["id"], version)


def import_order(ctx: SyncContext, order: dict):
	"""orders/create, orders/updated, orders/paid and the reconciliation poll all land here."""
	linked = ctx.gateway.find_link(ctx.account, "order", order["id"])
	if linked:
		if is_stale(ctx, order):
			return linked  # an older version than the one applied: recorded, changes nothing
		if order.get("cancelled_at"):
			return cancel_order(ctx, order)
		linked = apply_edits(ctx, order, linked, item_codes(ctx, order))
		record_version(ctx, order)
		bill_order(ctx, order, linked[1])
		return linked
	if order.get("test") and not ctx.settings.get("import_test_orders"):
		return None
	if order.get("cancelled_at"):
		return None  # cancelled before we ever saw it: nothing to undo
	customer = upsert_customer(ctx, order)
	doc = mapping.sales_order(order, ctx.settings, customer, item_codes(ctx, order))
	name = ctx.gateway.insert(doc, submit=True)
	bound = ctx.gateway.add_link(ctx.account, "order", order["id"], "Sales Order", name)
	if bound != ("Sales Order", name):
		# Another worker imported it first; ours rolls back. If ours is the newer version, it comes
		# back (retried) as an edit of theirs rather than being dropped.
		if not is_stale(ctx, order) and order_version(order) != ctx.gateway.link_version(
			ctx.account, "order", order["id"]
		):
			raise TransientError(f"Shopify order {order['id']} was imported concurrently at another version")
		raise AlreadyDone(bound)
	record_version(ctx, order)
	bill_order(ctx, order, name)
	return bound


def cancel_order(ctx: SyncContext, order: dict):
	"""orders/cancelled. Only a payload that is itself cancelled (its signed `cancelled_at`) cancels:
	the topic header is not signed, so any captured order body could arrive under this topic."""
	if not order.get("cancelled_at"):
		return None
	linked = ctx.gateway.find_link(ctx.account, "order", order["id"])
	if not linked:
		return None
	record_version(ctx, order)
	doctype, name = linked
	current = ctx.gateway.get(doctype, name)
	if current.get("docstatus") != 1:
		return linked
	if (current.get("per_delivered") or 0) > 0 or (current.get("per_billed") or 0) > 0:
		ctx.gateway.comment(
			doctype,
			name,
			f"Cancelled in Shopify ({order.get('cancel_reason') or 'no reason given'}), but this order is already "
			"delivered or invoiced, so it was left open. Return or credit it by hand.",
		)
		return linked
	ctx.gateway.cancel(doctype, name)
	return linked
