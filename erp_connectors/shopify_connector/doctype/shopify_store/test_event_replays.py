"""Replayed, stale and re-labelled Shopify deliveries through the real webhook endpoint, and the
privacy webhooks."""

import copy
import json
from pathlib import Path

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils.password import get_decrypted_password

from erp_connectors.connectors import processing
from erp_connectors.shopify_connector.bench_fixtures import (
	SHOP,
	cleanup,
	ensure_items,
	ensure_store,
	sample_order,
	signed_headers,
)
from erp_connectors.shopify_connector.doctype.shopify_store.test_shopify_store import events, order_link, post
from erp_connectors.testing.fake_shopify_admin import FakeShopifyAdmin

DATA = Path(frappe.get_app_path("erp_connectors")).parent / "tests" / "data"
ORDER_ID = 820982911946160001


def deliver(payload, topic="orders/create", **options):
	body = json.dumps(payload).encode()
	return post(body, signed_headers(body, topic=topic, **options))


def process_all():
	frappe.db.commit()  # end this connection's snapshot: the endpoint stored the events on its own
	for event in events(status="Queued"):
		processing.process_event(event.name)


def sales_order():
	return frappe.get_doc("Sales Order", order_link(ORDER_ID))


class TestReplays(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_store()
		ensure_items(["BENCH-V2-SKU"])

	def setUp(self):
		cleanup([ORDER_ID])

	def tearDown(self):
		cleanup([ORDER_ID])

	def test_a_captured_orders_create_replayed_as_cancelled_or_uninstalled_changes_nothing(self):
		order = sample_order(ORDER_ID)
		self.assertEqual(deliver(order).status_code, 200)
		process_all()
		self.assertEqual(sales_order().docstatus, 1)
		as_cancelled = deliver(order, topic="orders/cancelled", webhook_id="replay-1")
		self.assertEqual(as_cancelled.status_code, 200)  # an order body fits the topic; it is stored ...
		process_all()
		self.assertEqual(sales_order().docstatus, 1)  # ... and changes nothing: it is not cancelled
		as_uninstalled = deliver(order, topic="app/uninstalled", webhook_id="replay-2")
		self.assertEqual(as_uninstalled.status_code, 400, as_uninstalled.get_data(as_text=True))
		self.assertIn("does not fit the signed body", as_uninstalled.json["message"])
		frappe.db.commit()
		self.assertEqual(len(events()), 2)  # the uninstall was never stored
		self.assertEqual(frappe.db.get_value("Shopify Store", SHOP, "enabled"), 1)

	def test_orders_updated_v2_then_v1_leaves_v2s_lines(self):
		v1 = sample_order(ORDER_ID)
		v1["updated_at"] = "2026-11-22T10:00:00-05:00"
		self.assertEqual(deliver(v1, webhook_id="v1-create").status_code, 200)
		process_all()
		v2 = copy.deepcopy(v1)
		v2["updated_at"] = "2026-11-22T10:05:00-05:00"
		v2["line_items"][0]["sku"] = "BENCH-V2-SKU"
		v2["line_items"][0]["variant_id"] = None
		deliver(v2, topic="orders/updated", webhook_id="v2")
		process_all()
		after_v2 = sorted(row.item_code for row in sales_order().items)
		self.assertIn("BENCH-V2-SKU", after_v2)
		deliver(v1, topic="orders/updated", webhook_id="v1-late")  # Shopify's late retry of v1
		process_all()
		self.assertEqual(sorted(row.item_code for row in sales_order().items), after_v2)
		self.assertEqual(sales_order().docstatus, 1)
		self.assertEqual({e.status for e in events()}, {"Processed"})  # v1 recorded, nothing changed

	def test_two_deliveries_with_one_event_id_store_one_event(self):
		order = sample_order(ORDER_ID)
		first = deliver(order, webhook_id="delivery-a", event_id="event-1")
		second = deliver(order, webhook_id="delivery-b", event_id="event-1")
		self.assertEqual((first.status_code, second.json["message"]), (200, "duplicate"))
		(event,) = events()
		self.assertEqual(event.remote_event_id, "event-1")


class TestPrivacyAndUninstall(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.shopify = FakeShopifyAdmin(token="shpat_bench_token_123456").start()
		cls.shopify.shop_domain = SHOP
		cls.samples = json.loads((DATA / "shopify_webhook_privacy_2026-07_docs_samples.json").read_text())

	@classmethod
	def tearDownClass(cls):
		cls.shopify.stop()
		ensure_store()
		super().tearDownClass()

	def setUp(self):
		cleanup([ORDER_ID])
		ensure_store(base_url=self.shopify.url)
		self.shopify.token = "shpat_bench_token_123456"

	def sample(self, topic):
		return {**copy.deepcopy(self.samples[topic]), "shop_domain": SHOP}

	def test_app_uninstalled_disables_the_store_only_when_shopify_refuses_the_token(self):
		shop = json.loads((DATA / "shopify_webhook_app_uninstalled_2026-04_docs_sample.json").read_text())
		self.assertEqual(deliver(shop, topic="app/uninstalled", webhook_id="u-1").status_code, 200)
		process_all()
		self.assertEqual(frappe.db.get_value("Shopify Store", SHOP, "enabled"), 1)  # the token works
		self.shopify.token = None  # uninstalled: Shopify answers 401
		deliver(shop, topic="app/uninstalled", webhook_id="u-2")
		process_all()
		self.assertEqual(frappe.db.get_value("Shopify Store", SHOP, "enabled"), 0)

	def test_data_request_makes_a_task_listing_what_we_hold(self):
		order = sample_order(ORDER_ID)
		deliver(order)
		process_all()
		request = self.sample("customers/data_request")
		request["customer"]["id"] = order["customer"]["id"]
		request["orders_requested"] = [ORDER_ID]
		self.assertEqual(deliver(request, topic="customers/data_request").status_code, 200)
		process_all()
		event = events(topic="customers/data_request")[0]
		self.assertEqual(event.status, "Processed", event.last_error)
		todo = frappe.get_doc("ToDo", event.reference_name)
		self.assertIn(order_link(ORDER_ID), todo.description)
		self.assertIn("Customer", todo.description)
		self.assertEqual(
			(todo.reference_type, todo.reference_name, todo.role), ("Shopify Store", SHOP, "System Manager")
		)
		frappe.delete_doc("ToDo", todo.name, force=True)

	def test_customer_redact_raises_erpnexts_personal_data_deletion_request(self):
		frappe.db.delete("Personal Data Deletion Request", {"email": "john@example.com"})
		frappe.db.delete("Email Queue", {"message": ("like", "%Confirm Deletion of Account%")})
		self.assertEqual(deliver(self.sample("customers/redact"), topic="customers/redact").status_code, 200)
		process_all()
		event = events(topic="customers/redact")[0]
		self.assertEqual(event.status, "Processed", event.last_error)
		request = frappe.get_doc("Personal Data Deletion Request", event.reference_name)
		self.assertEqual((request.email, request.status), ("john@example.com", "Pending Approval"))
		self.assertEqual(
			frappe.db.count("Email Queue", {"message": ("like", "%Confirm Deletion of Account%")}), 0
		)
		frappe.delete_doc("Personal Data Deletion Request", request.name, force=True)

	def test_shop_redact_disables_the_store_and_removes_its_secrets_even_when_disabled(self):
		frappe.db.set_value("Shopify Store", SHOP, "enabled", 0)
		frappe.db.commit()
		redact = self.sample("shop/redact")
		self.assertEqual(deliver(redact, topic="shop/redact").status_code, 200)
		process_all()
		self.assertEqual(events(topic="shop/redact")[0].status, "Processed")
		self.assertEqual(frappe.db.get_value("Shopify Store", SHOP, "enabled"), 0)
		for field in ("access_token", "webhook_secret"):
			self.assertIsNone(get_decrypted_password("Shopify Store", SHOP, field, raise_exception=False))

	def test_a_privacy_request_for_another_shop_is_refused(self):
		redact = {**self.sample("shop/redact"), "shop_domain": "other.myshopify.com"}
		response = deliver(redact, topic="shop/redact")
		self.assertEqual(response.status_code, 400)
		self.assertEqual(events(topic="shop/redact"), [])
