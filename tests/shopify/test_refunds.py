"""Paid orders get an invoice and a payment; a refund becomes a credit note and a payment back, once each."""

import copy
import json
from decimal import Decimal

import pytest

from erp_connectors.connectors.errors import AlreadyDone, NeedsAttention, TransientError
from erp_connectors.connectors.gateway import AccountRef, InMemoryGateway
from erp_connectors.connectors.sources import SyncContext
from erp_connectors.shopify_connector import refund_mapping
from erp_connectors.shopify_connector.handlers import HANDLERS
from tests.shopify.test_order_mapping import DATA, SETTINGS, line, money, order_of, sample

STORE = AccountRef("Shopify Store", "acme.myshopify.com")
BOOKS = {
	**SETTINGS,
	"create_invoice": True,
	"create_payment": True,
	"payment_account": "Shopify Clearing - TC",
}


def refund_sample():
	return json.loads((DATA / "shopify_webhook_refunds_create_2026-04_docs_sample.json").read_text())


def paid(order):
	order = copy.deepcopy(order)
	order.update({"financial_status": "paid", "test": False, "cancelled_at": None})
	return order


class Books:
	"""An in-memory ERP with the order's items, and the handlers as the processor runs them."""

	def __init__(self, settings=BOOKS):
		self.gateway = InMemoryGateway()
		self.ctx = SyncContext(account=STORE, settings=settings, gateway=self.gateway)

	def items(self, order):
		for row in order["line_items"]:
			self.gateway.insert({"doctype": "Item", "name": row["sku"], "item_code": row["sku"]})

	def run(self, topic, payload):
		try:
			return HANDLERS[topic](self.ctx, payload)
		except AlreadyDone as done:
			return done.reference

	def docs(self, doctype, **filters):
		return [
			d
			for d in self.gateway.docs.get(doctype, {}).values()
			if all(d.get(k) == v for k, v in filters.items())
		]


def invoice_of(name, items, taxes) -> dict:
	"""A submitted Sales Invoice as the gateway returns it, in USD for customer C."""
	return {
		"name": name,
		"customer": "C",
		"company": "Test Company",
		"currency": "USD",
		"items": items,
		"taxes": taxes,
	}


def refund_line(line_item, qty, subtotal, tax="0.00", restock="no_restock", line_id=None):
	return {
		"id": (line_id or line_item["id"]) + 7,
		"line_item_id": line_item["id"],
		"quantity": qty,
		"restock_type": restock,
		"location_id": None,
		"subtotal_set": money(subtotal),
		"total_tax_set": money(tax),
		"line_item": line_item,
	}


def refund_of(order, lines, transactions=(), shipping=()):
	return {
		"id": 990000000000000001,
		"order_id": order["id"],
		"created_at": "2026-11-22T09:00:00-05:00",
		"note": "damaged",
		"refund_line_items": lines,
		"refund_shipping_lines": [
			{"subtotal_amount_set": money(amount), "tax_amount_set": money(tax)} for amount, tax in shipping
		],
		"order_adjustments": [],
		"transactions": [
			{"kind": "refund", "status": "success", "amount": amount} for amount in transactions
		],
	}


def test_a_paid_order_gets_one_invoice_and_one_payment_for_its_total():
	books = Books()
	order = paid(sample())
	books.items(order)
	for topic in ("orders/create", "orders/paid", "orders/updated"):
		books.run(topic, order)
	[invoice] = books.docs("Sales Invoice")
	[payment] = books.docs("Payment Entry")
	assert invoice["docstatus"] == 1 and payment["docstatus"] == 1
	assert payment["paid_amount"] == Decimal("404.95")
	assert payment["paid_to"] == "Shopify Clearing - TC"
	assert payment["references"][0]["reference_name"] == invoice["name"]


def test_unpaid_orders_and_stores_without_invoicing_get_no_invoice():
	books = Books()
	order = {**paid(sample()), "financial_status": "pending"}
	books.items(order)
	books.run("orders/create", order)
	assert books.docs("Sales Invoice") == []
	books = Books({**BOOKS, "create_invoice": False})
	books.items(order)
	books.run("orders/create", paid(sample()))
	assert books.docs("Sales Invoice") == []


def test_payment_needs_the_clearing_account():
	books = Books({**BOOKS, "payment_account": None})
	order = paid(sample())
	books.items(order)
	with pytest.raises(NeedsAttention, match="Payment Account"):
		books.run("orders/create", order)


def test_official_refund_sample_credits_exactly_its_lines():
	books = Books()
	order = paid(sample())
	books.items(order)
	books.run("orders/create", order)
	refund = refund_sample()
	# The sample refunds all five lines at list price; its own transactions (75 + 10) are made up.
	refund["transactions"] = [{**refund["transactions"][0], "amount": "414.95"}]
	books.run("refunds/create", refund)
	[invoice] = books.docs("Sales Invoice", is_return=None)
	[note] = books.docs("Sales Invoice", is_return=1)
	assert note["return_against"] == invoice["name"]
	assert [(row["item_code"], row["qty"], row["rate"]) for row in note["items"]] == [
		(line["sku"], -1, Decimal(line["price"])) for line in order["line_items"]
	]
	[back] = books.docs("Payment Entry", payment_type="Pay")
	assert back["paid_amount"] == Decimal("414.95")
	assert back["paid_from"] == "Shopify Clearing - TC"
	books.run("refunds/create", refund)  # redelivered
	assert len(books.docs("Sales Invoice", is_return=1)) == 1
	assert len(books.docs("Payment Entry", payment_type="Pay")) == 1


def test_official_refund_sample_with_its_own_transactions_is_held_not_posted():
	books = Books()
	order = paid(sample())
	books.items(order)
	books.run("orders/create", order)
	with pytest.raises(NeedsAttention, match="moved 85.00 for refund"):
		books.run("refunds/create", refund_sample())


def test_partial_quantity_with_uneven_rates_and_tax_lands_on_shopify_refund():
	item = line(1, "10.00", 3, taxes=[("State Tax", "2.32")], discounts=["1.00"])
	order = order_of([item], total="31.32", total_tax="2.32")
	invoice = invoice_of(
		"SINV-1",
		[
			{"name": "r1", "item_code": "SKU-1", "qty": 1, "rate": Decimal("9.66")},
			{"name": "r2", "item_code": "SKU-1", "qty": 2, "rate": Decimal("9.67")},
		],
		[{"account_head": "State Tax - TC", "description": "State Tax", "tax_amount": Decimal("2.32")}],
	)
	refund = refund_of(order, [refund_line(item, 2, "19.33", "1.55")])
	doc, expected = refund_mapping.credit_note(refund, invoice, SETTINGS, {"1": "SKU-1"})
	assert expected == Decimal("20.88")
	assert -refund_mapping.credit_note_total(doc) == expected
	assert [(r["qty"], r["rate"], r["sales_invoice_item"]) for r in doc["items"]] == [
		(-1, Decimal("9.67"), "r2"),
		(-1, Decimal("9.66"), "r2"),
	]
	assert [(t["account_head"], t["tax_amount"]) for t in doc["taxes"]] == [
		("State Tax - TC", Decimal("-1.55"))
	]


def test_tax_inclusive_refund_nets_the_tax_out_of_the_rows():
	item = line(1, "12.10", 2, taxes=[("GST", "4.20")])
	order = order_of([item], total="24.20", total_tax="4.20", included=True)
	invoice = invoice_of(
		"SINV-2",
		[{"name": "r1", "item_code": "SKU-1", "qty": 2, "rate": Decimal("10.00")}],
		[
			{
				"account_head": "GST - TC",
				"description": "GST (included in Shopify prices)",
				"tax_amount": Decimal("4.20"),
			}
		],
	)
	doc, expected = refund_mapping.credit_note(
		refund_of(order, [refund_line(item, 1, "12.10", "2.10")]), invoice, SETTINGS, {"1": "SKU-1"}
	)
	assert expected == Decimal("12.10")
	assert [(r["qty"], r["rate"]) for r in doc["items"]] == [(-1, Decimal("10.00"))]
	assert [t["tax_amount"] for t in doc["taxes"]] == [Decimal("-2.10")]
	assert -refund_mapping.credit_note_total(doc) == expected


def test_shipping_refund_becomes_a_negative_shipping_charge():
	invoice = invoice_of(
		"SINV-3",
		[{"name": "r1", "item_code": "SKU-1", "qty": 1, "rate": Decimal("20.00")}],
		[
			{
				"account_head": "Freight - TC",
				"description": "Shipping: Standard",
				"tax_amount": Decimal("5.00"),
			}
		],
	)
	order = order_of([line(1, "20.00", 1)], total="25.00")
	doc, expected = refund_mapping.credit_note(
		refund_of(order, [], shipping=[("5.00", "0.00")]), invoice, SETTINGS, {}
	)
	assert expected == Decimal("5.00")
	assert doc["items"] == [] and [(t["account_head"], t["tax_amount"]) for t in doc["taxes"]] == [
		("Freight - TC", Decimal("-5.00"))
	]


def test_refunding_more_than_invoiced_or_a_discrepancy_is_held():
	item = line(1, "10.00", 1)
	invoice = invoice_of(
		"SINV-4", [{"name": "r1", "item_code": "SKU-1", "qty": 1, "rate": Decimal("10.00")}], []
	)
	with pytest.raises(NeedsAttention, match="more of SKU-1"):
		refund_mapping.credit_note(
			refund_of(order_of([item]), [refund_line(item, 2, "20.00")]), invoice, SETTINGS, {"1": "SKU-1"}
		)
	refund = refund_of(order_of([item]), [refund_line(item, 1, "10.00")])
	refund["order_adjustments"] = [{"kind": "refund_discrepancy", "amount_set": money("-3.00")}]
	with pytest.raises(NeedsAttention, match="discrepancy"):
		refund_mapping.credit_note(refund, invoice, SETTINGS, {"1": "SKU-1"})


def test_a_refund_waits_for_its_order_and_invoice():
	books = Books()
	order = paid(sample())
	books.items(order)
	with pytest.raises(TransientError, match="not imported yet"):
		books.run("refunds/create", refund_sample())
	books.run("orders/create", {**order, "financial_status": "pending"})
	with pytest.raises(TransientError, match="not invoiced yet"):
		books.run("refunds/create", refund_sample())


def test_restocked_lines_come_back_on_a_return_of_the_delivery_that_shipped_them():
	order = paid(sample())
	first, second = order["line_items"][0], order["line_items"][1]
	deliveries = [
		{
			"name": "DN-1",
			"customer": "C",
			"company": "Test Company",
			"currency": "USD",
			"items": [
				{
					"name": "d1",
					"item_code": first["sku"],
					"qty": 1,
					"warehouse": "Stores - TC",
					"rate": 89.99,
				},
				{
					"name": "d2",
					"item_code": second["sku"],
					"qty": 1,
					"warehouse": "Stores - TC",
					"rate": 19.99,
				},
			],
		}
	]
	refund = refund_of(
		order,
		[refund_line(first, 1, first["price"], restock="return"), refund_line(second, 1, second["price"])],
	)
	refund["refund_line_items"][0]["location_id"] = 48752903
	items = {str(first["id"]): first["sku"], str(second["id"]): second["sku"]}
	settings = {**SETTINGS, "location_warehouses": {"48752903": "Returns - TC"}}
	[stock_return] = refund_mapping.stock_returns(refund, deliveries, items, settings)
	assert (stock_return["is_return"], stock_return["return_against"]) == (1, "DN-1")
	assert stock_return["items"] == [
		{"item_code": first["sku"], "qty": -1, "rate": 89.99, "dn_detail": "d1", "warehouse": "Returns - TC"}
	]
	assert (
		refund_mapping.stock_returns(refund, [], items, settings) == []
	)  # never shipped: nothing to bring back
	assert refund_mapping.money_refunded(refund_sample()) == Decimal("85.00")
