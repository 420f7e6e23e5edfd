"""Shopify payments by gateway: one Payment Entry per gateway transaction, into the account the
store maps that gateway to. Pure, apart from the client and the gateway it is given.

An order paid half by gift card and half by card is two transactions at Shopify (gateways
`gift_card` and `shopify_payments`), so it is two Payment Entries: the gift card's from the
gift-card liability (a redemption), the card's into the Shopify Payments clearing account that
the payout later empties. Refunds go back the same way, one Pay entry per refund transaction.

Payments are posted apart from their order, by a follow-up event (`erp/order_payments`,
`erp/refund_payments`) that the order or refund handler leaves in its own transaction: a gateway
the store does not map holds that event with a message naming the gateway and where to map it,
while the order, its invoice and its credit notes stand. Each transaction is bound to its entry
by its Shopify id under Connector Link's unique index, so a redelivery, a second paid webhook or
a payout that needs it first posts it once. Amounts are Shopify's, checked against what the
invoice leaves outstanding.
"""

from decimal import Decimal

from erp_connectors.connectors.errors import AlreadyDone, NeedsAttention, TransientError
from erp_connectors.connectors.sources import SyncContext
from erp_connectors.shopify_connector.graphql_client import legacy_id
from erp_connectors.shopify_connector.mapping import order_date

ORDER_TRANSACTIONS = """
query OrderTransactions($id: ID!) {
  order(id: $id) {
    id
    name
    transactions(first: 100) {
      id gateway kind status test processedAt createdAt
      amountSet { shopMoney { amount currencyCode } }
    }
  }
}
"""
# The kinds by which money reaches the shop; an authorization moves nothing until it is captured.
PAID_KINDS = ("sale", "capture")
GIFT_CARD = "gift_card"
ORDER_PAYMENTS = "erp/order_payments"
REFUND_PAYMENTS = "erp/refund_payments"
TRANSACTION = "transaction"  # link type: a Shopify order transaction -> its Payment Entry
ZERO = Decimal(0)


def uses_gateways(settings) -> bool:
	"""Stores that map gateways post per transaction; the others one entry into Payment Account."""
	return bool(settings.get("gateways"))


def gateway_row(settings, gateway: str) -> dict:
	"""{account, mode_of_payment} for a gateway name as Shopify reports it, or NeedsAttention."""
	row = (settings.get("gateways") or {}).get(gateway)
	if row and row.get("account"):
		return row
	if gateway == GIFT_CARD and settings.get("gift_card_account"):
		return {"account": settings["gift_card_account"], "mode_of_payment": None}
	raise NeedsAttention(
		f"Shopify reports a payment by gateway '{gateway}', which Shopify Store "
		f"{settings.get('store_name') or ''} does not map. Nothing was posted for it. Add a row with gateway "
		f"'{gateway}' under Payments and Payouts > Gateways on the Shopify Store (its Mode of Payment and "
		"clearing account), then retry this event."
	)


def order_transactions(client, order_id) -> list[dict]:
	"""The order's transactions, REST-shaped: id, gateway, kind, status, amount (shop money), date."""
	data = client.execute(ORDER_TRANSACTIONS, {"id": f"gid://shopify/Order/{order_id}"}, cost=12)
	order = data.get("order")
	if order is None:
		raise TransientError(f"Shopify does not show order {order_id} yet")
	return [
		{
			"id": legacy_id(t),
			"gateway": t.get("gateway") or "",
			"kind": (t.get("kind") or "").lower(),
			"status": (t.get("status") or "").lower(),
			"amount": Decimal(t["amountSet"]["shopMoney"]["amount"]),
			"processed_at": t.get("processedAt") or t.get("createdAt"),
			"test": t.get("test"),
		}
		for t in order["transactions"]
	]


def money_moved(transactions: list[dict], kinds) -> list[dict]:
	"""Successful transactions of `kinds` that moved money, oldest first."""
	found = [
		t
		for t in transactions
		if t.get("kind") in kinds and t.get("status") == "success" and Decimal(str(t["amount"])) > 0
	]
	return sorted(found, key=lambda t: (str(t.get("processed_at") or ""), str(t["id"])))


def queue_order_payments(ctx: SyncContext, order: dict) -> None:
	"""Leave the order's payments to their own event; one per state of the order Shopify sent."""
	key = f"payments:{order['id']}:{order.get('financial_status')}:{order.get('updated_at')}"
	ctx.gateway.queue_follow_up(
		ctx.account, ORDER_PAYMENTS, key, {"order_id": order["id"], "name": order.get("name")}
	)


def queue_refund_payments(ctx: SyncContext, refund: dict, credit_note: str) -> None:
	transactions = [
		{
			"id": str(t["id"]),
			"gateway": t.get("gateway") or "",
			"kind": t.get("kind"),
			"status": t.get("status"),
			"amount": str(t.get("amount") or 0),
			"processed_at": t.get("processed_at") or t.get("created_at") or refund.get("created_at"),
		}
		for t in refund.get("transactions") or []
		if t.get("id") is not None
	]
	ctx.gateway.queue_follow_up(
		ctx.account,
		REFUND_PAYMENTS,
		f"refund_payments:{refund['id']}",
		{
			"refund_id": refund["id"],
			"order_id": refund.get("order_id"),
			"credit_note": credit_note,
			"transactions": transactions,
		},
	)


def post_order_payments(ctx: SyncContext, payload: dict):
	"""erp/order_payments: every paid transaction of the order not posted yet, against its invoice."""
	order_id = payload["order_id"]
	order = ctx.gateway.find_link(ctx.account, "order", order_id)
	if not order:
		raise TransientError(f"Shopify order {order_id} is not imported yet; its payments wait for it")
	invoice = ctx.gateway.find_link(ctx.account, "invoice", order_id)
	if not invoice:
		return None  # invoiced at fulfillment: the invoice queues the payments again
	name = payload.get("name") or order_id
	result = invoice
	for transaction in money_moved(order_transactions(client(ctx), order_id), PAID_KINDS):
		result = post_transaction(ctx, transaction, invoice[1], f"{name} {transaction['gateway']}")
	return result


def post_refund_payments(ctx: SyncContext, payload: dict):
	"""erp/refund_payments: each refund transaction paid back from its gateway's account."""
	result = ("Sales Invoice", payload["credit_note"])
	for transaction in money_moved(payload.get("transactions") or [], ("refund",)):
		result = post_transaction(
			ctx,
			{**transaction, "amount": Decimal(str(transaction["amount"]))},
			payload["credit_note"],
			f"refund {payload['refund_id']} {transaction['gateway']}",
		)
	return result


def post_transaction(ctx: SyncContext, transaction: dict, document: str, reference: str):
	"""One Payment Entry for one Shopify transaction against `document` (invoice or credit note)."""
	done = ctx.gateway.find_link(ctx.account, TRANSACTION, transaction["id"])
	if done:
		return done
	row = gateway_row(ctx.settings, transaction["gateway"])
	amount = Decimal(str(transaction["amount"]))
	draft = ctx.gateway.draft_payment("Sales Invoice", document, row["account"])
	left = Decimal(str(draft["paid_amount"]))
	if amount > left:
		raise NeedsAttention(
			f"Shopify moved {amount} through '{transaction['gateway']}' ({reference}, transaction "
			f"{transaction['id']}), but {document} leaves {left} to settle. Nothing was posted for it; check "
			"the order's payments in Shopify and record this one by hand if it is right."
		)
	date = order_date({"processed_at": transaction["processed_at"]}, ctx.settings)
	receive = draft["payment_type"] == "Receive"
	for reference_row in draft.get("references") or []:
		if reference_row.get("reference_name") == document:
			reference_row["allocated_amount"] = amount if receive else -amount
	draft.update(
		{
			"paid_amount": amount,
			"received_amount": amount,
			"reference_no": str(reference)[:140],
			"reference_date": date,
			"posting_date": date,
		}
	)
	if row.get("mode_of_payment"):
		draft["mode_of_payment"] = row["mode_of_payment"]
	name = ctx.gateway.insert(draft, submit=True)
	bound = ctx.gateway.add_link(ctx.account, TRANSACTION, transaction["id"], "Payment Entry", name)
	if bound != ("Payment Entry", name):
		raise AlreadyDone(bound)
	return bound


def client(ctx: SyncContext):
	"""The store's Admin API client, built only when a handler needs it."""
	if ctx.client is None:
		factory = ctx.extra.get("shopify")
		if factory is None:
			raise NeedsAttention("This Shopify Store has no Admin API client to read payments with")
		ctx.client = factory()
	return ctx.client


HANDLERS = {ORDER_PAYMENTS: post_order_payments, REFUND_PAYMENTS: post_refund_payments}
