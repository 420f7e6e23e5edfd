"""A webhook that never arrived is picked up by the reconciliation poll, once."""

import json

import frappe
from frappe.tests.utils import FrappeTestCase

from erp_connectors.connectors import processing
from erp_connectors.connectors.intake import store_event
from erp_connectors.connectors.registry import get_binding
from erp_connectors.shopify_connector.bench_fixtures import SHOP, cleanup, ensure_store, sample_order
from erp_connectors.shopify_connector.integration import poll_store
from erp_connectors.testing.fake_shopify_admin import FakeShopifyAdmin

MISSED, BOTH = 820982911946155001, 820982911946155002


def shopify_events(**filters):
	return frappe.get_all(
		"Connector Event", filters={"source": "Shopify", "account": SHOP, **filters}, pluck="name"
	)


def process_queued():
	for name in shopify_events(status="Queued"):
		processing.process_event(name)


class TestReconciliationPoll(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.shopify = FakeShopifyAdmin(token="shpat_bench_token_123456").start()

	@classmethod
	def tearDownClass(cls):
		cls.shopify.stop()
		super().tearDownClass()

	def setUp(self):
		cleanup([MISSED, BOTH])
		ensure_store(base_url=self.shopify.url)
		self.shopify.orders.clear()

	def tearDown(self):
		cleanup([MISSED, BOTH])

	def test_missed_webhook_is_imported_by_the_poll_and_not_twice(self):
		missed = sample_order(MISSED)
		self.shopify.add_order(missed, updated_at="2026-11-22T10:00:00Z")
		self.assertEqual(poll_store(SHOP), 1)
		process_queued()
		self.assertEqual(frappe.db.count("Sales Order", {"po_no": missed["name"], "docstatus": 1}), 1)
		self.assertEqual(
			str(frappe.db.get_value("Shopify Store", SHOP, "orders_synced_until")), "2026-11-22 10:00:00"
		)
		self.assertEqual(poll_store(SHOP), 0)  # nothing changed since: nothing stored again
		self.assertEqual(len(shopify_events()), 1)

	def test_an_order_seen_by_webhook_and_poll_gives_one_sales_order(self):
		order = sample_order(BOTH)
		source = get_binding("Shopify").source
		delivered = source.parse(
			json.dumps(order).encode(),
			{"x-shopify-topic": "orders/create", "x-shopify-webhook-id": "rc-both"},
		)
		store_event(source, SHOP, delivered, {})
		self.shopify.add_order(order, updated_at="2026-11-22T11:00:00Z")
		self.assertEqual(poll_store(SHOP), 1)
		process_queued()
		self.assertEqual(len(shopify_events(status="Processed")), 2)
		self.assertEqual(frappe.db.count("Sales Order", {"po_no": order["name"], "docstatus": 1}), 1)

	def test_bulk_backfill_imports_what_is_missing_and_a_rerun_adds_nothing(self):
		from erp_connectors.shopify_connector.integration import backfill_store

		missed = sample_order(MISSED)
		self.shopify.add_order(missed, updated_at="2026-06-01T10:00:00Z")
		self.shopify.add_order(sample_order(BOTH), updated_at="2025-01-01T10:00:00Z")  # before the date
		self.shopify.bulk_operations.clear()
		self.assertEqual(backfill_store(SHOP, "2026-01-01T00:00:00Z"), 1)
		process_queued()
		self.assertEqual(frappe.db.count("Sales Order", {"po_no": missed["name"], "docstatus": 1}), 1)
		self.assertEqual(frappe.db.count("Sales Order", {"po_no": sample_order(BOTH)["name"]}), 0)
		self.assertEqual(backfill_store(SHOP, "2026-01-01T00:00:00Z"), 0)
		self.assertEqual(len(self.shopify.bulk_operations), 2)
