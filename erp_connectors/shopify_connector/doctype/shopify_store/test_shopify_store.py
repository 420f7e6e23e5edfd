"""Shopify orders through the real webhook endpoint (WSGI) into real ERPNext documents."""

import json
from decimal import Decimal

import frappe
from frappe.tests.test_api import make_request
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_test_client, get_url

from erp_connectors.connectors import processing
from erp_connectors.connectors.bench_fixtures import ensure_item, race
from erp_connectors.shopify_connector.bench_fixtures import (
	SHOP,
	TAX_ACCOUNT,
	WEBHOOK_PATH,
	cleanup,
	ensure_items,
	ensure_store,
	sample_order,
	signed_headers,
)

CLIENT = get_test_client()


def post(body: bytes, headers: dict):
	return make_request(
		target=CLIENT.post, args=(get_url() + WEBHOOK_PATH,), kwargs={"data": body, "headers": headers}
	)


def events(**filters):
	return frappe.get_all(
		"Connector Event", filters={"source": "Shopify", "account": SHOP, **filters}, fields=["*"]
	)


def order_link(order_id):
	return frappe.db.get_value(
		"Connector Link",
		{"account": SHOP, "remote_type": "order", "remote_id": str(order_id)},
		"reference_name",
	)


class TestShopifyOrderWebhooks(FrappeTestCase):
	ORDER_IDS = (
		820982911946154508,
		820982911946154509,
		820982911946154510,
		820982911946154511,
		820982911946154512,
	)

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_store()

	def setUp(self):
		cleanup(self.ORDER_IDS)

	def tearDown(self):
		cleanup(self.ORDER_IDS)

	def deliver(self, order, **header_options):
		body = json.dumps(order).encode()
		response = post(body, signed_headers(body, **header_options))
		return response

	def process_all(self):
		for event in events(status="Queued"):
			processing.process_event(event.name)

	def test_orders_create_gives_submitted_sales_order_with_shopify_total(self):
		order = sample_order(self.ORDER_IDS[0])
		response = self.deliver(order)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
		self.process_all()
		(event,) = events()
		self.assertEqual(event.status, "Processed", event.last_error)
		so = frappe.get_doc("Sales Order", order_link(order["id"]))
		self.assertEqual(so.docstatus, 1)
		self.assertEqual(Decimal(str(so.grand_total)), Decimal(order["total_price"]))
		self.assertEqual(so.po_no, order["name"])
		self.assertEqual(
			sorted(i.item_code for i in so.items), sorted(line["sku"] for line in order["line_items"])
		)
		self.assertEqual(frappe.db.get_value("Customer", so.customer, "email_id"), "john@example.com")
		self.assertEqual((event.reference_doctype, event.reference_name), ("Sales Order", so.name))

	def test_taxed_order_with_discounts_lands_on_the_cent(self):
		order = sample_order(self.ORDER_IDS[1])
		# 3 units at 33.33 with a 10.00 allocated discount and 7.25% tax, plus taxed shipping.
		line = order["line_items"][0]
		line.update({"quantity": 3, "price": "33.33", "price_set": None})
		line["discount_allocations"] = [{"amount": "10.00", "discount_application_index": 0}]
		line["tax_lines"] = [{"title": "State Tax", "price": "6.53", "rate": 0.0725}]
		order["line_items"] = [line]
		order["shipping_lines"][0].update(
			{
				"price": "10.00",
				"price_set": None,
				"tax_lines": [{"title": "State Tax", "price": "0.73", "rate": 0.0725}],
			}
		)
		order["tax_lines"] = [{"title": "State Tax", "price": "7.26", "rate": 0.0725}]
		order.update(
			{
				"total_tax": "7.26",
				"total_tax_set": None,
				"total_discounts": "10.00",
				"total_discounts_set": None,
			}
		)
		order.update({"total_price": "107.25", "total_price_set": None})  # 99.99 - 10 + 10 + 7.26
		self.assertEqual(self.deliver(order).status_code, 200)
		self.process_all()
		(event,) = events()
		self.assertEqual(event.status, "Processed", event.last_error)
		so = frappe.get_doc("Sales Order", order_link(order["id"]))
		self.assertEqual(Decimal(str(so.grand_total)), Decimal("107.25"))
		self.assertEqual(Decimal(str(so.net_total)), Decimal("89.99"))
		tax_row = next(t for t in so.taxes if t.account_head == TAX_ACCOUNT)
		self.assertEqual(Decimal(str(tax_row.tax_amount)), Decimal("7.26"))

	def test_same_order_delivered_five_times_concurrently_gives_one_sales_order(self):
		"""Five deliveries (distinct webhook ids, as for five subscriptions) processed by racing workers."""
		order = sample_order(self.ORDER_IDS[2])
		for _ in range(5):
			self.assertEqual(self.deliver(order).status_code, 200)
		names = [event.name for event in events()]
		self.assertEqual(len(names), 5)
		race(processing.process_event, [(name,) for name in names])  # a worker's crash fails the test
		frappe.db.rollback()  # end this connection's snapshot to see the workers' commits
		for _ in range(3):  # racing losers may be scheduled for a retry; run them as the sweep would
			for event in events(status="Failed"):
				frappe.db.set_value("Connector Event", event.name, "status", "Queued")
				processing.process_event(event.name)
		statuses = sorted(e.status for e in events())
		self.assertEqual(statuses, ["Processed"] * 5, [e.last_error for e in events()])
		self.assertEqual(frappe.db.count("Sales Order", {"po_no": order["name"], "docstatus": 1}), 1)
		self.assertEqual(len({e.reference_name for e in events()}), 1)

	def test_first_orders_of_a_new_stock_item_racing_are_retried_not_held(self):
		"""ERPNext makes an item's Bin at the first order's submit; two workers making it at once must
		end in a retry of the loser, not in an order held for a user (as at a new product's launch)."""
		self.deliver(sample_order(self.ORDER_IDS[2]))
		self.process_all()  # the customer exists: the race is the Bin's alone
		sku = f"BENCH-LAUNCH-{frappe.generate_hash(length=6).upper()}"
		ensure_item(sku)
		frappe.db.commit()
		orders = [sample_order(self.ORDER_IDS[index]) for index in (0, 1)]
		for order in orders:
			for line in order["line_items"]:
				line.update({"sku": sku, "variant_id": None})
			self.deliver(order)
		racing = [event.name for event in events(status="Queued")]
		race(processing.process_event, [(name,) for name in racing])
		frappe.db.rollback()
		after_race = {e.name: (e.status, e.last_error) for e in events() if e.name in racing}
		self.assertNotIn("Held", [status for status, _ in after_race.values()], after_race)
		for event in events(status="Failed"):
			frappe.db.set_value("Connector Event", event.name, "status", "Queued")
			processing.process_event(event.name)
		self.assertEqual([e.status for e in events() if e.name in racing], ["Processed"] * 2)
		self.assertTrue(all(order_link(order["id"]) for order in orders))
		self.assertEqual(frappe.db.count("Bin", {"item_code": sku}), 1)

	def test_duplicate_webhook_id_is_stored_once(self):
		order = sample_order(self.ORDER_IDS[3])
		first = self.deliver(order, webhook_id="b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
		second = self.deliver(order, webhook_id="b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
		self.assertEqual((first.status_code, second.status_code), (200, 200))
		self.assertEqual(second.json["message"], "duplicate")
		self.assertEqual(len(events()), 1)

	def test_unknown_sku_is_held_then_succeeds_after_the_item_exists(self):
		order = sample_order(self.ORDER_IDS[4])
		order["line_items"][0]["sku"] = "BENCH-NEW-SKU-1"
		frappe.db.delete("Item", {"name": "BENCH-NEW-SKU-1"})
		frappe.db.commit()
		self.deliver(order)
		self.process_all()
		(event,) = events()
		self.assertEqual(event.status, "Held")
		self.assertIn("SKU 'BENCH-NEW-SKU-1'", event.last_error)
		self.assertIn("then retry this event", event.last_error)
		self.assertIsNone(order_link(order["id"]))
		ensure_items(["BENCH-NEW-SKU-1"])
		frappe.db.commit()
		processing.retry([event.name])
		processing.process_event(event.name)
		self.assertEqual(frappe.db.get_value("Connector Event", event.name, "status"), "Processed")
		self.assertTrue(order_link(order["id"]))

	def test_cancellation_cancels_the_sales_order(self):
		order = sample_order(self.ORDER_IDS[0])
		self.deliver(order)
		self.process_all()
		order["cancelled_at"] = "2026-11-22T10:00:00-05:00"
		order["cancel_reason"] = "customer"
		self.deliver(order, topic="orders/cancelled")
		self.process_all()
		self.assertEqual(frappe.db.get_value("Sales Order", order_link(order["id"]), "docstatus"), 2)


class TestShopifyWebhookRejections(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_store()

	def setUp(self):
		cleanup()

	def test_bad_hmac_is_401_and_nothing_stored(self):
		body = json.dumps(sample_order(1)).encode()
		response = post(body, signed_headers(body, secret="wrong-secret"))
		self.assertEqual(response.status_code, 401)
		self.assertEqual(events(), [])

	def test_tampered_body_is_401(self):
		body = json.dumps(sample_order(1)).encode()
		headers = signed_headers(body)
		response = post(body.replace(b"404.95", b"0.01"), headers)
		self.assertEqual(response.status_code, 401)
		self.assertEqual(events(), [])

	def test_malformed_json_is_400_and_nothing_stored(self):
		body = b'{"id": 1, "line_items": ['
		response = post(body, signed_headers(body))
		self.assertEqual(response.status_code, 400, response.get_data(as_text=True))
		self.assertIn("Malformed payload", response.json["message"])
		self.assertEqual(events(), [])

	def test_malformed_json_with_a_bad_signature_is_401(self):
		body = b'{"id": 1, "line_items": ['
		response = post(body, signed_headers(body, secret="wrong-secret"))
		self.assertEqual(response.status_code, 401)
		self.assertEqual(events(), [])

	def test_oversized_body_is_413(self):
		body = b'{"padding": "' + b"x" * (2 * 1024 * 1024 + 1) + b'"}'
		response = post(body, signed_headers(body))
		self.assertEqual(response.status_code, 413)
		self.assertEqual(events(), [])

	def test_unknown_shop_domain_is_rejected(self):
		body = json.dumps(sample_order(1)).encode()
		response = post(body, signed_headers(body, shop="stranger.myshopify.com"))
		# Answered as a bad signature is: nobody learns which shops are configured.
		self.assertEqual((response.status_code, response.json), (401, {"message": "Signature rejected"}))
		self.assertEqual(frappe.db.count("Connector Event", {"account": "stranger.myshopify.com"}), 0)

	def test_endpoint_only_accepts_post(self):
		response = make_request(target=CLIENT.get, args=(get_url() + WEBHOOK_PATH,))
		self.assertNotEqual(response.status_code, 200)


class TestShopifyStoreRecord(FrappeTestCase):
	def test_domain_is_normalised_to_what_webhooks_send(self):
		store = ensure_store(shop_domain="HTTPS://Bench-Test.MyShopify.com/")
		self.assertEqual(store.name, SHOP)
		self.assertEqual(store.shop_domain, SHOP)

	def test_a_domain_outside_myshopify_is_refused(self):
		with self.assertRaises(frappe.ValidationError):
			ensure_store(shop_domain="shop.example.com")
		ensure_store()

	def test_secrets_are_stored_encrypted_not_in_the_table(self):
		store = ensure_store()
		raw = frappe.db.get_value("Shopify Store", store.name, ["access_token", "webhook_secret"])
		self.assertTrue(all(value in (None, "", "*" * len(value or "")) for value in raw), raw)
		self.assertEqual(store.get_password("webhook_secret"), "shpss_bench_0f9e8d7c6b5a4")
