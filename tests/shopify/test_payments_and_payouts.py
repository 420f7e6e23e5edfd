"""Payments by gateway, gift cards, tips and Shopify Payments payouts, through the schema-checked fake
Shopify and the in-memory books: every amount posted once, and the clearing account back to zero."""

import copy
from collections import defaultdict
from decimal import Decimal

import pytest

from erp_connectors.connectors.errors import AlreadyDone, NeedsAttention
from erp_connectors.connectors.gateway import AccountRef, InMemoryGateway
from erp_connectors.connectors.sources import SyncContext
from erp_connectors.shopify_connector import mapping, payments, payouts
from erp_connectors.shopify_connector.graphql_client import ShopifyGraphQL
from erp_connectors.shopify_connector.webhook import ShopifyWebhookSource
from erp_connectors.testing.fake_shopify_admin import FakeShopifyAdmin
from tests.shopify.test_order_mapping import SETTINGS, sample

STORE = AccountRef("Shopify Store", "acme.myshopify.com")
CLEARING, GIFT_CARDS, PAYPAL = "Shopify Payments Clearing - TC", "Gift Cards - TC", "PayPal - TC"
BOOKS = {
	**SETTINGS,
	"store_name": "acme.myshopify.com",
	"company_currency": "USD",
	"create_invoice": True,
	"create_payment": True,
	"gateways": {
		"shopify_payments": {"account": CLEARING, "mode_of_payment": "Shopify Payments"},
		"paypal": {"account": PAYPAL, "mode_of_payment": "PayPal"},
	},
	"gift_card_item": "GIFT-CARD",
	"gift_card_account": GIFT_CARDS,
	"tip_account": "Tips - TC",
	"payout_bank_account": "Bank - TC",
	"payout_fee_account": "Shopify Fees - TC",
	"payout_dispute_account": "Chargebacks - TC",
	"payout_reserve_account": "Reserves - TC",
	"payout_adjustment_account": "Payout Adjustments - TC",
}
HANDLERS = ShopifyWebhookSource.handlers


@pytest.fixture
def fake():
	with FakeShopifyAdmin(maximum=2000, restore_rate=1000) as service:
		yield service


class Books:
	def __init__(self, fake, settings=BOOKS):
		self.fake = fake
		self.gateway = InMemoryGateway()
		client = ShopifyGraphQL("acme.myshopify.com", fake.token, base_url=fake.url, sleep=lambda s: None)
		self.ctx = SyncContext(
			account=STORE, settings=copy.deepcopy(settings), gateway=self.gateway, client=client
		)
		self._order = 700

	def run(self, topic, payload):
		try:
			return HANDLERS[topic](self.ctx, payload)
		except AlreadyDone as done:
			return done.reference

	def follow_ups(self):
		"""Run the events the handlers left, as the processor would, until none are left."""
		done = set()
		while pending := [key for key in self.gateway.follow_ups if key not in done]:
			for key in pending:
				done.add(key)
				topic, payload = self.gateway.follow_ups[key]
				self.run(topic, payload)

	def order(self, *lines, tip=None):
		"""A paid order of the sample's first lines (or the given ones), with its Items."""
		self._order += 1
		order = sample()
		order.update(
			{
				"id": 5_000_000_000 + self._order,
				"name": f"#{self._order}",
				"financial_status": "paid",
				"test": False,
			}
		)
		order.update(
			{"cancelled_at": None, "total_discounts": "0.00", "discount_codes": [], "shipping_lines": []}
		)
		order["total_discounts_set"] = None
		chosen = [copy.deepcopy(line) for line in lines] or [copy.deepcopy(order["line_items"][0])]
		for line in chosen:
			line["discount_allocations"] = []
			if not line.get("gift_card"):
				self.gateway.docs.setdefault("Item", {})[line["sku"]] = {"item_code": line["sku"]}
		order["line_items"] = chosen
		total = sum(Decimal(line["price"]) * line["quantity"] for line in chosen)
		order.update({"total_price": str(total), "total_tax": "0.00", "total_tip_received": tip or "0.00"})
		order["total_price_set"] = order["total_tax_set"] = None
		return order

	def docs(self, doctype, **filters):
		return [
			d
			for d in self.gateway.docs.get(doctype, {}).values()
			if all(d.get(k) == v for k, v in filters.items())
		]

	def ledger(self) -> dict[str, Decimal]:
		"""Balances (debit positive) from Payment Entries (no deductions here) and Journal Entries."""
		balances = defaultdict(Decimal)
		for entry in self.docs("Payment Entry"):
			amount = Decimal(str(entry["paid_amount"]))
			if entry["payment_type"] == "Receive":
				balances[entry["paid_to"]] += amount
				balances["Debtors"] -= amount
			else:
				balances[entry["paid_from"]] -= amount
				balances["Debtors"] += amount
		for entry in self.docs("Journal Entry"):
			for row in entry["accounts"]:
				balances[row["account"]] += (
					row["debit_in_account_currency"] - row["credit_in_account_currency"]
				)
		return {account: amount for account, amount in balances.items() if amount}


def gift_card_line(line_id=9001, price="50.00"):
	line = copy.deepcopy(sample()["line_items"][0])
	line.update({"id": line_id, "gift_card": True, "title": "Gift card", "price": price, "sku": "GC-50"})
	line.update({"price_set": None, "variant_id": None, "product_id": 4321, "tax_lines": []})
	return line


def test_an_order_paid_by_gift_card_and_card_posts_two_entries_into_two_accounts(fake):
	books = Books(fake)
	order = books.order(sample()["line_items"][0], sample()["line_items"][3])  # 89.99 + 159.99
	fake.add_order(order)
	fake.transact(order, "gift_card", "100.00")
	fake.transact(order, "shopify_payments", "149.98")
	fake.transact(order, "shopify_payments", "5.00", kind="AUTHORIZATION")  # moves nothing
	books.run("orders/create", order)
	assert books.docs("Payment Entry") == []  # the payments are their own event
	books.follow_ups()
	books.follow_ups()
	entries = {
		e["paid_to"]: (
			Decimal(str(e["paid_amount"])),
			e["mode_of_payment"] if "mode_of_payment" in e else None,
		)
		for e in books.docs("Payment Entry")
	}
	assert entries == {
		GIFT_CARDS: (Decimal("100.00"), None),
		CLEARING: (Decimal("149.98"), "Shopify Payments"),
	}
	# a second paid webhook of the same order posts nothing new
	books.run("orders/paid", {**order, "updated_at": "2026-11-23T10:00:00-05:00"})
	books.follow_ups()
	assert len(books.docs("Payment Entry")) == 2


def test_an_unmapped_gateway_holds_the_payment_not_the_order(fake):
	books = Books(fake)
	order = books.order()
	fake.add_order(order)
	fake.transact(order, "cash_on_delivery", order["total_price"])
	books.run("orders/create", order)
	[(topic, payload)] = books.gateway.follow_ups.values()
	with pytest.raises(NeedsAttention) as held:
		books.run(topic, payload)
	assert "gateway 'cash_on_delivery'" in str(held.value)
	assert "Payments and Payouts > Gateways" in str(held.value)
	assert books.gateway.find_link(STORE, "order", order["id"])  # the order stands
	assert books.gateway.find_link(STORE, "invoice", order["id"])
	assert books.docs("Payment Entry") == []


def test_a_gift_card_sold_is_a_liability_and_a_tip_has_its_own_account(fake):
	books = Books(fake)
	tip = copy.deepcopy(sample()["line_items"][1])
	tip.update(
		{
			"id": 9100,
			"title": "Tip",
			"price": "5.00",
			"price_set": None,
			"product_id": None,
			"variant_id": None,
		}
	)
	tip.update({"sku": "", "tax_lines": []})
	order = books.order(sample()["line_items"][0], gift_card_line(), tip, tip="5.00")
	doc = mapping.sales_order(
		order, books.ctx.settings, "C", {str(sample()["line_items"][0]["id"]): "SKU2006-001"}
	)
	assert [row["item_code"] for row in doc["items"]] == ["SKU2006-001", "GIFT-CARD"]
	assert {
		"account_head": "Tips - TC",
		"description": "Tip",
		"tax_amount": Decimal("5.00"),
		"charge_type": "Actual",
	} in doc["taxes"]
	assert mapping.erp_grand_total(doc) == Decimal(order["total_price"])
	fake.add_order(order)
	books.run("orders/create", order)
	[invoice] = books.docs("Sales Invoice")
	assert [row.get("income_account") for row in invoice["items"]] == [None, GIFT_CARDS]
	settings = {**books.ctx.settings, "gift_card_item": None}
	with pytest.raises(NeedsAttention, match="no Gift Card Item"):
		mapping.sales_order(order, settings, "C", {})


def test_a_refund_pays_back_per_gateway_once(fake):
	books = Books(fake)
	order = books.order()
	fake.add_order(order)
	fake.transact(order, "paypal", order["total_price"])
	books.run("orders/create", order)
	books.follow_ups()
	back = fake.transact(order, "paypal", "30.00", kind="REFUND")
	refund = {
		"id": 881,
		"order_id": order["id"],
		"created_at": "2026-11-25T10:00:00-05:00",
		"transactions": [back],
	}
	books.gateway.queue_follow_up(
		STORE,
		payments.REFUND_PAYMENTS,
		"r",
		{
			"refund_id": 881,
			"credit_note": "CN-1",
			"transactions": [{**back, "processed_at": refund["created_at"]}],
		},
	)
	books.gateway.insert(
		{
			"doctype": "Sales Invoice",
			"name": "CN-1",
			"customer": "C",
			"items": [],
			"outstanding_amount": Decimal("-30.00"),
		},
		submit=True,
	)
	books.follow_ups()
	books.follow_ups()
	[pay] = books.docs("Payment Entry", payment_type="Pay")
	assert (pay["paid_from"], Decimal(str(pay["paid_amount"]))) == (PAYPAL, Decimal("30.00"))


def payout_of_three_orders_a_refund_and_a_chargeback(books, fake):
	orders = []
	for line in sample()["line_items"][:3]:
		order = books.order(line)
		fake.add_order(order)
		fake.transact(order, "shopify_payments", order["total_price"])
		books.run("orders/create", order)
		orders.append(order)
	books.follow_ups()
	refunded = fake.transact(orders[0], "shopify_payments", "20.00", kind="REFUND")
	credit_note = books.gateway.insert(
		{
			"doctype": "Sales Invoice",
			"name": "CN-P",
			"customer": "C",
			"items": [],
			"outstanding_amount": Decimal("-20.00"),
		},
		submit=True,
	)
	books.run(
		payments.REFUND_PAYMENTS,
		{
			"refund_id": 1,
			"credit_note": credit_note,
			"transactions": [{**refunded, "processed_at": "2026-11-23T10:00:00Z"}],
		},
	)
	fake.chargeback(orders[1], orders[1]["total_price"])
	return orders, fake.pay_out()


def test_a_payout_posts_one_entry_equal_to_the_deposit_and_empties_clearing(fake):
	books = Books(fake)
	orders, payout = payout_of_three_orders_a_refund_and_a_chargeback(books, fake)
	result = books.run(payouts.PAYOUT_TOPIC, payout)
	again = books.run(payouts.PAYOUT_TOPIC, payout)
	[journal] = books.docs("Journal Entry")
	assert result == again == ("Journal Entry", journal["name"])
	rows = [
		(r["account"], r["debit_in_account_currency"] - r["credit_in_account_currency"])
		for r in journal["accounts"]
	]
	gross = sum(Decimal(o["total_price"]) for o in orders)
	fees = sum(
		(Decimal(o["total_price"]) * Decimal("0.029") + Decimal("0.30")).quantize(Decimal("0.01"))
		for o in orders
	)
	net = gross - fees - Decimal("20.00") - Decimal(orders[1]["total_price"]) - Decimal("15.00")
	assert rows == [
		("Bank - TC", net),
		("Shopify Fees - TC", fees + Decimal("15.00")),
		(CLEARING, -gross),
		(CLEARING, Decimal("20.00")),
		("Chargebacks - TC", Decimal(orders[1]["total_price"])),
	]
	assert Decimal(payout["net"]["amount"]) == net
	assert CLEARING not in books.ledger()  # settled orders leave nothing in clearing
	[record] = books.docs("Connector Payout")
	assert (record["net"], record["transaction_count"], record["fees"]) == (net, 5, fees + Decimal("15.00"))
	[note] = [c for c in books.gateway.comments if "DISPUTE_WITHDRAWAL" in c[2]]
	assert note[:2] == tuple(books.gateway.find_link(STORE, "invoice", orders[1]["id"]))


def test_a_payout_with_an_order_we_do_not_know_is_held_and_posts_nothing(fake):
	books = Books(fake)
	known = books.order()
	fake.add_order(known)
	fake.transact(known, "shopify_payments", known["total_price"])
	books.run("orders/create", known)
	books.follow_ups()
	stranger = books.order()
	fake.transact(stranger, "shopify_payments", "12.00")  # an order this store never imported
	payout = fake.pay_out()
	with pytest.raises(NeedsAttention) as held:
		books.run(payouts.PAYOUT_TOPIC, payout)
	assert f"order {stranger['name']}" in str(held.value) and "has not imported" in str(held.value)
	assert books.docs("Journal Entry") == [] and books.docs("Connector Payout") == []


def test_a_payout_in_another_currency_is_held(fake):
	books = Books(fake, {**BOOKS, "company_currency": "EUR"})
	payout = fake.pay_out()
	with pytest.raises(NeedsAttention, match="is in USD, but Test Company books in EUR"):
		books.run(payouts.PAYOUT_TOPIC, payout)


def test_payouts_and_their_transactions_are_read_across_pages(fake):
	books = Books(fake)
	for index in range(230):
		fake.balance(None, "ADJUSTMENT", "1.00", "0.00", reason=f"adjustment {index}")
	payout = fake.pay_out()
	found = payouts.payout_transactions(books.ctx.client, payout["legacyResourceId"])
	assert len(found) == 230 and len({t["id"] for t in found}) == 230
	for _ in range(60):
		fake.pay_out()
	assert len(list(payouts.paid_payouts(books.ctx.client, None))) == 61


def test_a_balance_transaction_type_for_a_person_holds_the_payout(fake):
	books = Books(fake)
	fake.balance(None, "TRANSFER_FAILURE", "40.00", "0.00")
	with pytest.raises(NeedsAttention, match="did not reach its destination"):
		books.run(payouts.PAYOUT_TOPIC, fake.pay_out())
