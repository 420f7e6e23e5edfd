"""Paid Shopify orders become invoices and payments, refunds become credit notes, on real ERPNext."""

import json
import random
import uuid
from decimal import Decimal

import frappe
from frappe.tests.utils import FrappeTestCase

from erp_connectors.connectors import processing
from erp_connectors.connectors.bench_fixtures import ensure_item
from erp_connectors.shopify_connector.bench_fixtures import (
	COMPANY,
	SHOP,
	ensure_store,
	sample_order,
	signed_headers,
)
from erp_connectors.shopify_connector.doctype.shopify_store.test_shopify_store import post

CLEARING = "Shopify Clearing - TC"


def ensure_clearing_account():
	if not frappe.db.exists("Account", CLEARING):
		frappe.get_doc(
			{
				"doctype": "Account",
				"account_name": "Shopify Clearing",
				"parent_account": "Bank Accounts - TC",
				"company": COMPANY,
				"account_type": "Bank",
			}
		).insert(ignore_permissions=True)


def deliver(payload: dict, topic: str):
	body = json.dumps(payload).encode()
	response = post(body, signed_headers(body, topic=topic, webhook_id=str(uuid.uuid4())))
	assert response.status_code == 200, response.get_data(as_text=True)
	frappe.db.commit()  # see what the request committed
	name = response.json["event"]
	processing.process_event(name)
	return frappe.db.get_value("Connector Event", name, ["name", "status", "last_error"], as_dict=True)


def link(remote_type: str, remote_id) -> str | None:
	return frappe.db.get_value(
		"Connector Link",
		{"account": SHOP, "remote_type": remote_type, "remote_id": str(remote_id)},
		"reference_name",
	)


def refund_for(order: dict, line: dict, qty: int, amount: str) -> dict:
	return {
		"id": random.randint(10**17, 10**18),
		"order_id": order["id"],
		"created_at": "2026-11-22T09:00:00-05:00",
		"note": "Arrived damaged",
		"refund_line_items": [
			{
				"id": random.randint(10**17, 10**18),
				"line_item_id": line["id"],
				"quantity": qty,
				"restock_type": "no_restock",
				"location_id": None,
				"subtotal": amount,
				"total_tax": "0.00",
				"line_item": line,
			}
		],
		"refund_shipping_lines": [],
		"order_adjustments": [],
		"transactions": [
			{"kind": "refund", "status": "success", "amount": amount, "gateway": "shopify_payments"}
		],
	}


class TestShopifyBillingAndRefunds(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_clearing_account()
		ensure_store(create_invoice=1, create_payment=1, payment_account=CLEARING)

	@classmethod
	def tearDownClass(cls):
		ensure_store()
		super().tearDownClass()

	def paid_order(self):
		order = sample_order(random.randint(10**17, 10**18))
		status = deliver(order, "orders/create")
		self.assertEqual(status.status, "Processed", status.last_error)
		return order

	def test_paid_order_gets_invoice_and_payment_with_shopify_total(self):
		order = self.paid_order()
		invoice = frappe.get_doc("Sales Invoice", link("invoice", order["id"]))
		self.assertEqual(invoice.docstatus, 1)
		self.assertEqual(Decimal(str(invoice.grand_total)), Decimal(order["total_price"]))
		self.assertEqual({row.sales_order for row in invoice.items}, {link("order", order["id"])})
		payment = frappe.get_doc("Payment Entry", link("payment", order["id"]))
		self.assertEqual((payment.paid_to, payment.reference_no), (CLEARING, order["name"]))
		self.assertEqual(Decimal(str(payment.paid_amount)), Decimal(order["total_price"]))
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, "status"), "Paid")
		deliver({**order, "updated_at": "2026-11-22T12:00:00-05:00"}, "orders/updated")  # seen again
		self.assertEqual(
			frappe.db.count("Sales Invoice Item", {"sales_order": link("order", order["id"])}),
			len(invoice.items),
		)

	def test_partial_refund_gives_one_credit_note_and_one_payment_back(self):
		order = self.paid_order()
		line = order["line_items"][0]
		refund = refund_for(order, line, 1, line["price"])
		status = deliver(refund, "refunds/create")
		self.assertEqual(status.status, "Processed", status.last_error)
		note = frappe.get_doc("Sales Invoice", link("refund", refund["id"]))
		self.assertEqual((note.is_return, note.return_against), (1, link("invoice", order["id"])))
		self.assertEqual(Decimal(str(note.grand_total)), -Decimal(line["price"]))
		self.assertEqual([(row.item_code, row.qty) for row in note.items], [(line["sku"], -1)])
		back = frappe.get_doc("Payment Entry", link("refund_payment", refund["id"]))
		self.assertEqual((back.payment_type, back.paid_from), ("Pay", CLEARING))
		self.assertEqual(Decimal(str(back.paid_amount)), Decimal(line["price"]))
		self.assertEqual(frappe.db.get_value("Sales Invoice", note.name, "outstanding_amount"), 0)
		again = deliver(refund, "refunds/create")  # redelivered under a new webhook id
		self.assertEqual(again.status, "Processed")
		self.assertEqual(
			frappe.db.count("Sales Invoice", {"return_against": note.return_against, "docstatus": 1}), 1
		)

	def test_refund_before_the_order_waits_then_posts(self):
		order = sample_order(random.randint(10**17, 10**18))
		line = order["line_items"][1]
		refund = refund_for(order, line, 1, line["price"])
		early = deliver(refund, "refunds/create")
		self.assertEqual(early.status, "Failed")
		self.assertIn("not imported yet", early.last_error)
		self.assertEqual(deliver(order, "orders/create").status, "Processed")
		processing.retry([early.name])  # as the sweep does once its backoff is over
		processing.process_event(early.name)
		self.assertEqual(frappe.db.get_value("Connector Event", early.name, "status"), "Processed")
		self.assertTrue(link("refund", refund["id"]))


class TestShopifyRestock(FrappeTestCase):
	SKU = "SHOPIFY-RESTOCK-1"

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_clearing_account()
		ensure_store(create_invoice=1, create_payment=1, payment_account=CLEARING)
		ensure_item(cls.SKU, valuation_rate=20)
		entry = frappe.get_doc(
			{
				"doctype": "Stock Entry",
				"stock_entry_type": "Material Receipt",
				"company": COMPANY,
				"items": [{"item_code": cls.SKU, "qty": 5, "t_warehouse": "Stores - TC", "basic_rate": 20}],
			}
		).insert(ignore_permissions=True)
		entry.submit()
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		ensure_store()
		super().tearDownClass()

	def on_hand(self):
		return frappe.db.get_value("Bin", {"item_code": self.SKU, "warehouse": "Stores - TC"}, "actual_qty")

	def test_returned_goods_come_back_into_stock_with_the_credit_note(self):
		from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note

		order = sample_order(random.randint(10**17, 10**18))
		line = order["line_items"][0]
		line.update({"sku": self.SKU, "quantity": 2, "price": "50.00", "price_set": None, "variant_id": None})
		order["line_items"] = [line]
		order.update(
			{
				"total_discounts": "0.00",
				"total_discounts_set": None,
				"total_price": "110.00",
				"total_price_set": None,
			}
		)
		self.assertEqual(deliver(order, "orders/create").status, "Processed")
		note = make_delivery_note(link("order", order["id"]))
		note.insert(ignore_permissions=True).submit()
		frappe.db.commit()
		shipped = self.on_hand()

		refund = refund_for(order, line, 1, "50.00")
		refund["refund_line_items"][0]["restock_type"] = "return"
		status = deliver(refund, "refunds/create")
		self.assertEqual(status.status, "Processed", status.last_error)
		credit = frappe.get_doc("Sales Invoice", link("refund", refund["id"]))
		self.assertEqual(Decimal(str(credit.grand_total)), Decimal("-50.00"))
		stock_return = frappe.get_doc("Delivery Note", link("restock", f"{refund['id']}:{note.name}"))
		self.assertEqual((stock_return.is_return, stock_return.return_against), (1, note.name))
		self.assertEqual(self.on_hand(), shipped + 1)
		deliver(refund, "refunds/create")  # redelivered: nothing comes back twice
		self.assertEqual(self.on_hand(), shipped + 1)


class TestShopifyOrderEdits(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_store()

	def test_an_edited_order_is_amended_to_shopifys_new_total(self):
		order = sample_order(random.randint(10**17, 10**18))
		self.assertEqual(deliver(order, "orders/create").status, "Processed")
		first = link("order", order["id"])
		line = order["line_items"][0]
		line.update({"quantity": 3, "price_set": None})
		total = Decimal(order["total_price"]) + 2 * Decimal(line["price"])
		order.update(
			{"total_price": str(total), "total_price_set": None, "updated_at": "2026-11-22T12:00:00-05:00"}
		)
		status = deliver(order, "orders/updated")
		self.assertEqual(status.status, "Processed", status.last_error)
		amended = frappe.get_doc("Sales Order", link("order", order["id"]))
		self.assertEqual((amended.amended_from, amended.docstatus), (first, 1))
		self.assertEqual(Decimal(str(amended.grand_total)), total)
		self.assertEqual(frappe.db.get_value("Sales Order", first, "docstatus"), 2)
		self.assertEqual(deliver(order, "orders/updated").status, "Processed")  # same edit again
		self.assertEqual(link("order", order["id"]), amended.name)
