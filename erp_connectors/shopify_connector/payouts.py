"""Shopify Payments payouts: each paid payout becomes one Journal Entry equal to the deposit. Pure,
apart from the client and gateway it is given; the Frappe half is payouts_jobs.

The payout and its balance transactions come from `shopifyPaymentsAccount` (GraphQL, paged, through
the store's rate budget). Each transaction is classed by its type: charges and refunds clear the
Shopify Payments clearing account their Payment Entries went into (so it returns to zero), fees go
to the fees account, chargebacks and dispute reversals to the disputed-funds account (and the
invoice gets a comment), reserves and every other adjustment to their accounts. The shared path
(`connectors.payouts`) posts it once. Nothing is posted in part: a payout in another currency, a
transaction whose order we do not know or whose payment is not in the books, or a failed or
cancelled earlier payout coming back, holds the whole payout with the reason.
"""

from decimal import Decimal

from erp_connectors.connectors.errors import NeedsAttention
from erp_connectors.connectors.payouts import Payout, SettledTransaction, post_payout
from erp_connectors.connectors.sources import SyncContext
from erp_connectors.shopify_connector.graphql_client import legacy_id
from erp_connectors.shopify_connector.mapping import order_date
from erp_connectors.shopify_connector.payments import (
	TRANSACTION,
	client,
	gateway_row,
	post_order_payments,
	uses_gateways,
)

SOURCE = "Shopify Payments"
GATEWAY = "shopify_payments"
PAYOUT_TOPIC = "shopify_payments/payout"
PAGE = 100
MONEY = "amount currencyCode"
PAYOUTS = f"""
query Payouts($after: String, $query: String) {{
  shopifyPaymentsAccount {{
    id
    payouts(first: 50, after: $after, query: $query, sortKey: ISSUED_AT, reverse: true) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{ id legacyResourceId status transactionType issuedAt net {{ {MONEY} }} }}
    }}
  }}
}}
"""
BALANCE_TRANSACTIONS = f"""
query PayoutTransactions($after: String, $query: String!) {{
  shopifyPaymentsAccount {{
    id
    balanceTransactions(first: {PAGE}, after: $after, query: $query, hideTransfers: true) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{
        id type test transactionDate sourceOrderTransactionId adjustmentReason
        amount {{ {MONEY} }} fee {{ {MONEY} }} net {{ {MONEY} }}
        associatedOrder {{ id name }}
        associatedPayout {{ id status }}
      }}
    }}
  }}
}}
"""
# Shopify's balance transaction types (ShopifyPaymentsTransactionType) by how they are booked.
CHARGES = {"CHARGE"}
REFUNDS = {"REFUND"}
DISPUTES = {"DISPUTE_WITHDRAWAL", "DISPUTE_REVERSAL", "CHARGEBACK_HOLD", "CHARGEBACK_HOLD_RELEASE"}
FEES = {
	"CHARGEBACK_FEE",
	"CHARGEBACK_FEE_REFUND",
	"APPLICATION_FEE_REFUND",
	"ACH_BANK_FAILURE_DEBIT_FEE",
	"ACH_BANK_FAILURE_DEBIT_REVERSAL_FEE",
	"STRIPE_FEE",
}
RESERVES = {"RESERVED_FUNDS", "RESERVED_FUNDS_WITHDRAWAL", "RESERVED_FUNDS_REVERSAL"}
# Money that was part of an earlier payout or refund that did not reach its destination: a person
# must see where it was booked before anything is posted.
FOR_A_PERSON = {"TRANSFER", "TRANSFER_FAILURE", "TRANSFER_CANCEL", "TRANSFER_REFUND", "REFUND_FAILURE"}
ACCOUNT_FIELDS = {
	"fee": ("payout_fee_account", "Shopify Payments Fees Account"),
	"dispute": ("payout_dispute_account", "Chargebacks Account"),
	"reserve": ("payout_reserve_account", "Reserves Account"),
	"adjustment": ("payout_adjustment_account", "Payout Adjustments Account"),
}


def paid_payouts(shopify, since: str | None):
	"""Paid payouts, newest first, issued after `since` (ISO date-time) if given."""
	query = "status:paid" + (f" issued_at:>'{since}'" if since else "")
	after = None
	while True:
		account = shopify.execute(PAYOUTS, {"after": after, "query": query}, cost=52)[
			"shopifyPaymentsAccount"
		]
		if account is None:
			return  # Shopify Payments is not active on this shop
		page = account["payouts"]
		yield from page["nodes"]
		if not page["pageInfo"]["hasNextPage"]:
			return
		after = page["pageInfo"]["endCursor"]


def payout_transactions(shopify, payout_id) -> list[dict]:
	"""Every balance transaction the payout settles (every page), the payout's own transfer left out."""
	found, after = [], None
	query = f"payments_transfer_id:{payout_id}"
	while True:
		data = shopify.execute(BALANCE_TRANSACTIONS, {"after": after, "query": query}, cost=PAGE * 5 + 2)
		account = data["shopifyPaymentsAccount"]
		if account is None:
			raise NeedsAttention("Shopify Payments is not active on this shop; nothing was posted.")
		page = account["balanceTransactions"]
		found += page["nodes"]
		if not page["pageInfo"]["hasNextPage"]:
			return found
		after = page["pageInfo"]["endCursor"]


def kind_of(transaction_type: str) -> str:
	if transaction_type in CHARGES:
		return "charge"
	if transaction_type in REFUNDS:
		return "refund"
	if transaction_type in DISPUTES:
		return "dispute"
	if transaction_type in FEES:
		return "fee"
	if transaction_type in RESERVES:
		return "reserve"
	return "adjustment"


def required(settings, field: str, label: str, payout_id) -> str:
	value = settings.get(field)
	if not value:
		raise NeedsAttention(
			f"Shopify Payments payout {payout_id} needs '{label}' on Shopify Store "
			f"{settings.get('store_name') or ''} (Payments and Payouts). Nothing was posted; set it, then retry."
		)
	return value


def _money(value: dict, currency: str, where: str) -> Decimal:
	if value["currencyCode"] != currency:
		raise NeedsAttention(
			f"{where} is in {value['currencyCode']}, not the payout's {currency}. Nothing was posted; post "
			"this payout by hand."
		)
	return Decimal(value["amount"])


def build_payout(ctx: SyncContext, node: dict, transactions: list[dict]) -> Payout:
	"""The payout as the shared path takes it, or NeedsAttention saying why it cannot be posted."""
	settings, payout_id = ctx.settings, node["legacyResourceId"]
	currency = node["net"]["currencyCode"]
	company_currency = settings.get("company_currency")
	if company_currency and currency != company_currency:
		raise NeedsAttention(
			f"Shopify Payments payout {payout_id} is in {currency}, but {settings.get('company')} books in "
			f"{company_currency}. Nothing was posted; post this payout by hand (with its exchange rate)."
		)
	bank = required(settings, "payout_bank_account", "Payout Bank Account", payout_id)
	clearing = gateway_row(settings, GATEWAY)["account"] if uses_gateways(settings) else None
	clearing = clearing or required(settings, "payment_account", "Payment Account", payout_id)
	for_a_person = [t for t in transactions if t["type"] in FOR_A_PERSON]
	if for_a_person:
		listed = ", ".join(f"{legacy_id(t)} ({t['type']} {t['net']['amount']})" for t in for_a_person)
		raise NeedsAttention(
			f"Shopify Payments payout {payout_id} carries money from an earlier payout or refund that did not "
			f"reach its destination: {listed}. Nothing was posted; book it by hand, then mark this event resolved."
		)
	settled, unknown, unposted = [], [], []
	# Two look-ups for the whole payout, however many transactions it settles.
	orders = ctx.gateway.find_links(
		ctx.account, "order", {_order_id(t) for t in transactions if _order_id(t)}
	)
	entries = ctx.gateway.find_links(
		ctx.account,
		TRANSACTION,
		{t["sourceOrderTransactionId"] for t in transactions if t.get("sourceOrderTransactionId")},
	)
	for t in transactions:
		tid, kind = legacy_id(t), kind_of(t["type"])
		where = f"Balance transaction {tid} of payout {payout_id}"
		amount, fee, net = (_money(t[key], currency, where) for key in ("amount", "fee", "net"))
		order = t.get("associatedOrder") or {}
		order_id = _order_id(t)
		reference = ("", "")
		if kind in ("charge", "refund"):
			if not order_id or order_id not in orders:
				unknown.append(f"{tid} ({t['type']} {amount}, order {order.get('name') or order_id or '?'})")
				continue
			reference = entries.get(str(t.get("sourceOrderTransactionId"))) or booked(ctx, t, order_id, kind)
			if reference is None:
				unposted.append(f"{tid} ({t['type']} {amount}, order {order.get('name')})")
				continue
			account = clearing
		else:
			field, label = ACCOUNT_FIELDS[kind]
			account = required(settings, field, label, payout_id)
		settled.append(
			SettledTransaction(
				id=tid,
				kind=kind,
				type=t["type"],
				amount=amount,
				fee=fee,
				net=net,
				account=account,
				order=order.get("name") or "",
				order_id=order_id,
				reference_doctype=reference[0],
				reference_name=reference[1],
				description=t.get("adjustmentReason") or "",
			)
		)
	if unknown:
		raise NeedsAttention(
			f"Shopify Payments payout {payout_id} settles {len(unknown)} transactions of orders this store has not "
			f"imported: {'; '.join(unknown[:20])}. Nothing was posted; import those orders (Backfill Orders Since), "
			"then retry."
		)
	if unposted:
		raise NeedsAttention(
			f"Shopify Payments payout {payout_id} settles {len(unposted)} payments or refunds that are not in the "
			f"books yet: {'; '.join(unposted[:20])}. Nothing was posted; see their held Connector Events (an "
			"unmapped gateway, an order invoiced at fulfillment and not fulfilled yet), then retry."
		)
	sign = -1 if node.get("transactionType") == "WITHDRAWAL" else 1
	return Payout(
		source=SOURCE,
		account=ctx.account,
		payout_id=payout_id,
		currency=currency,
		date=order_date({"processed_at": node["issuedAt"]}, settings),
		net=sign * Decimal(node["net"]["amount"]),
		bank_account=bank,
		company=settings["company"],
		transactions=settled,
		fee_account=settings.get("payout_fee_account"),
		clearing_account=clearing,
		cost_center=settings.get("cost_center"),
	)


def _order_id(transaction: dict) -> str:
	order = transaction.get("associatedOrder") or {}
	return order["id"].rsplit("/", 1)[-1] if order.get("id") else ""


def booked(ctx: SyncContext, transaction: dict, order_id: str, kind: str) -> tuple[str, str] | None:
	"""The entry that put this charge or refund into the clearing account, when the payout's look-up
	did not find it: a charge's is posted now if its own event has not done it yet. None when it is
	not in the books."""
	source = transaction.get("sourceOrderTransactionId")
	if not uses_gateways(ctx.settings):  # one entry per order, into Payment Account
		kind_link = "payment" if kind == "charge" else None
		found = kind_link and ctx.gateway.find_link(ctx.account, kind_link, order_id)
		return tuple(found) if found else (("", "") if kind == "refund" else None)
	if kind == "charge" and source:
		post_order_payments(ctx, {"order_id": order_id})
		found = ctx.gateway.find_link(ctx.account, TRANSACTION, source)
		return tuple(found) if found else None
	return None


def flag_disputes(ctx: SyncContext, payout: Payout) -> None:
	"""A comment on the invoice of each order a chargeback or its reversal touched, once each."""
	for t in payout.transactions:
		if t.kind != "dispute" or not t.order_id:
			continue
		key = f"dispute_note:{t.id}"
		if ctx.gateway.find_link(ctx.account, "note", key):
			continue
		invoice = ctx.gateway.find_link(ctx.account, "invoice", t.order_id)
		target = invoice or ctx.gateway.find_link(ctx.account, "order", t.order_id)
		if not target:
			continue
		what = "withdrawn for a chargeback" if t.amount < 0 else "returned (dispute reversed)"
		ctx.gateway.comment(
			*target,
			f"Shopify Payments {t.type}: {payout.currency} {abs(t.amount)} {what}, fee {t.fee}, in payout "
			f"{payout.payout_id} of {payout.date}. Respond to the dispute in Shopify admin.",
		)
		ctx.gateway.add_link(ctx.account, "note", key, *target)


def post_shopify_payout(ctx: SyncContext, node: dict):
	"""shopify_payments/payout: the payout's Journal Entry, once."""
	done = ctx.gateway.find_link(ctx.account, "payout", node["legacyResourceId"])
	if done:
		return done
	if node.get("status") != "PAID":
		return None  # scheduled, failed or cancelled: no money reached the bank
	shopify = client(ctx)
	payout = build_payout(ctx, node, payout_transactions(shopify, node["legacyResourceId"]))
	flag_disputes(ctx, payout)
	return post_payout(ctx.gateway, payout)


HANDLERS = {PAYOUT_TOPIC: post_shopify_payout}
