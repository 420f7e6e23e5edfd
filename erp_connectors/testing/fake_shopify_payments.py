"""The fake Shopify's payments: an order's transactions (`order.transactions`), and Shopify Payments
(`shopifyPaymentsAccount { payouts, balanceTransactions }`), paged and filtered as Shopify's search
syntax says (`status:paid`, `issued_at:>'...'`, `payments_transfer_id:<payout id>`).

A payment through `shopify_payments` adds a CHARGE balance transaction with Shopify's fee
(2.9% + 30c, the US Basic rate); a refund through it a REFUND; a chargeback a DISPUTE_WITHDRAWAL
with its fee; `pay_out` settles every transaction not paid out yet in one PAID payout, as Shopify
does on its schedule. Every object has exactly the schema's fields, and every answer is checked
against the document by the contract, as for the rest of the fake.

Mixed into `FakeShopifyAdmin`.
"""

import base64
import itertools
import random
import re
import threading
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal

from graphql import FieldNode, IntValueNode

from erp_connectors.testing.fake_shopify_graphql import root_field

CENT = Decimal("0.01")
# Shopify's ids are unique for good; a fresh fake must not reuse the ids an earlier run left in a database.
_ids = itertools.count(random.SystemRandom().randrange(10**13, 10**15) * 1000)


def money(amount, currency: str) -> dict:
	return {"amount": str(Decimal(str(amount)).quantize(CENT)), "currencyCode": currency}


def selection_cost(root) -> float:
	"""Shopify's calculated query cost, as its rate-limit page describes it: an object costs 1, a
	scalar 0, a connection 2 plus `first` times the cost of one node."""

	def cost(node) -> float:
		total = 0.0
		for child in node.selection_set.selections if node.selection_set else ():
			if not isinstance(child, FieldNode) or not child.selection_set:
				continue
			first = next((a.value for a in child.arguments or () if a.name.value == "first"), None)
			if first is not None:
				size = int(first.value) if isinstance(first, IntValueNode) else 10
				nodes = next(
					(c for c in child.selection_set.selections if c.name.value in ("nodes", "edges")), None
				)
				total += 2 + size * (1 + (cost(nodes) if nodes else 0))
			else:
				total += 1 + cost(child)
		return total

	return 1 + cost(root.node)


selection_cost.wants_root = True


def _cursor(items: list, args: dict) -> tuple[list, dict]:
	start = int(base64.b64decode(args["after"]).decode()) if args.get("after") else 0
	page = items[start : start + int(args.get("first") or 50)]
	end = start + len(page)
	return page, {
		"hasNextPage": end < len(items),
		"hasPreviousPage": start > 0,
		"startCursor": base64.b64encode(str(start).encode()).decode() if page else None,
		"endCursor": base64.b64encode(str(end).encode()).decode() if page else None,
	}


def _connection(nodes: list, info: dict) -> dict:
	return {"nodes": nodes, "edges": [{"node": n, "cursor": ""} for n in nodes], "pageInfo": info}


class ShopifyPayments:
	def __init__(self, *args, currency: str = "USD", **kwargs):
		super().__init__(*args, **kwargs)
		self.payments_currency = currency
		self.order_transactions: dict[str, list[dict]] = {}  # order gid -> OrderTransaction objects
		self.balance_transactions: list[dict] = []  # newest last
		self.payouts: list[dict] = []
		self.payments_active = True
		self._payments_lock = threading.RLock()

	# what happens at Shopify ----------------------------------------------------------------------
	def transact(self, order: dict, gateway: str, amount, kind="SALE", status="SUCCESS", when=None) -> dict:
		"""A transaction on the order; returns it REST-shaped (as a refunds/create payload carries it)."""
		order_gid = f"gid://shopify/Order/{order['id']}"
		currency = order.get("currency") or self.payments_currency
		number = next(_ids)
		when = when or "2026-11-22T15:00:00Z"
		node = {
			"id": f"gid://shopify/OrderTransaction/{number}",
			"gateway": gateway,
			"kind": kind,
			"status": status,
			"test": False,
			"processedAt": when,
			"createdAt": when,
			"amountSet": {"shopMoney": money(amount, currency), "presentmentMoney": money(amount, currency)},
		}
		with self._payments_lock:
			self.order_transactions.setdefault(order_gid, []).append(node)
			if gateway == "shopify_payments" and status == "SUCCESS":
				amount = Decimal(str(amount))
				if kind in ("SALE", "CAPTURE"):
					fee = (amount * Decimal("0.029") + Decimal("0.30")).quantize(CENT, ROUND_HALF_UP)
					self.balance(order, "CHARGE", amount, fee, number, when)
				elif kind == "REFUND":
					self.balance(order, "REFUND", -amount, Decimal(0), number, when)
		return {
			"id": number,
			"gateway": gateway,
			"kind": kind.lower(),
			"status": status.lower(),
			"amount": str(amount),
		}

	def balance(self, order, type_, amount, fee, source=None, when=None, reason=None) -> dict:
		"""A balance transaction not paid out yet."""
		currency = (order or {}).get("currency") or self.payments_currency
		amount, fee = Decimal(str(amount)), Decimal(str(fee))
		number = next(_ids)
		node = {
			"id": f"gid://shopify/ShopifyPaymentsBalanceTransaction/{number}",
			"type": type_,
			"test": False,
			"transactionDate": when or "2026-11-22T15:00:00Z",
			"sourceOrderTransactionId": str(source) if source else None,
			"adjustmentReason": reason,
			"amount": money(amount, currency),
			"fee": money(fee, currency),
			"net": money(amount - fee, currency),
			"associatedOrder": {"id": f"gid://shopify/Order/{order['id']}", "name": order["name"]}
			if order
			else None,
			"associatedPayout": {"id": None, "status": "PENDING"},
			"_payout": None,
		}
		with self._payments_lock:
			self.balance_transactions.append(node)
		return node

	def chargeback(self, order: dict, amount, fee="15.00") -> dict:
		return self.balance(order, "DISPUTE_WITHDRAWAL", -Decimal(str(amount)), Decimal(fee))

	def pay_out(self, issued_at: str = "2026-11-24T09:00:00Z", status: str = "PAID") -> dict:
		"""One payout of every balance transaction not paid out yet."""
		with self._payments_lock:
			pending = [t for t in self.balance_transactions if t["_payout"] is None]
			number = next(_ids)
			net = sum((Decimal(t["net"]["amount"]) for t in pending), Decimal(0))
			currency = pending[0]["net"]["currencyCode"] if pending else self.payments_currency
			zero = money(0, currency)
			payout = {
				"id": f"gid://shopify/ShopifyPaymentsPayout/{number}",
				"legacyResourceId": str(number),
				"status": status,
				"transactionType": "DEPOSIT" if net >= 0 else "WITHDRAWAL",
				"issuedAt": issued_at,
				"net": money(abs(net), currency),
				"externalTraceId": None,
				"summary": {
					"chargesGross": money(self._sum(pending, "CHARGE", "amount"), currency),
					"chargesFee": money(self._sum(pending, "CHARGE", "fee"), currency),
					"refundsFeeGross": money(self._sum(pending, "REFUND", "amount"), currency),
					"refundsFee": money(self._sum(pending, "REFUND", "fee"), currency),
					**{
						key: zero
						for key in (
							"adjustmentsFee",
							"adjustmentsGross",
							"advanceFees",
							"advanceGross",
							"reservedFundsFee",
							"reservedFundsGross",
							"retriedPayoutsFee",
							"retriedPayoutsGross",
							"usdcRebateCreditAmount",
						)
					},
				},
			}
			for t in pending:
				t["_payout"] = str(number)
				t["associatedPayout"] = {"id": payout["id"], "status": status}
			self.payouts.append(payout)
		return payout

	@staticmethod
	def _sum(transactions, type_, key) -> Decimal:
		return sum((Decimal(t[key]["amount"]) for t in transactions if t["type"] == type_), Decimal(0))

	# the Admin API ------------------------------------------------------------------------------
	@root_field("query", "shopifyPaymentsAccount", selection_cost)
	def _payments_account(self, root):
		if not self.payments_active:
			return None
		return {
			"id": "gid://shopify/ShopifyPaymentsAccount/1",
			"activated": True,
			"defaultCurrency": self.payments_currency,
			"payouts": self._payouts,
			"balanceTransactions": self._balance_transactions,
		}

	def _payouts(self, **args):
		query = args.get("query") or ""
		status = re.search(r"status:(\w+)", query)
		since = re.search(r"issued_at:>'([^']+)'", query)
		with self._payments_lock:
			found = [
				p
				for p in self.payouts
				if (not status or p["status"] == status.group(1).upper())
				and (not since or _at(p["issuedAt"]) > _at(since.group(1)))
			]
		found.sort(key=lambda p: p["issuedAt"], reverse=bool(args.get("reverse")))
		return _connection(*_cursor(found, args))

	def _balance_transactions(self, **args):
		query = args.get("query") or ""
		payout = re.search(r"payments_transfer_id:(\d+)", query)
		with self._payments_lock:
			found = [
				{k: v for k, v in t.items() if not k.startswith("_")}
				for t in self.balance_transactions
				if not payout or t["_payout"] == payout.group(1)
			]
		if args.get("hideTransfers"):
			found = [t for t in found if t["type"] != "TRANSFER"]
		return _connection(*_cursor(found, args))

	def transactions_of(self, order_gid: str):
		"""The `transactions(first:)` field of an Order the fake holds."""

		def field(first=None, **_):
			with self._payments_lock:
				found = list(self.order_transactions.get(order_gid, []))
			return found[:first] if first else found

		return field


def _at(stamp: str) -> datetime:
	moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
	return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
