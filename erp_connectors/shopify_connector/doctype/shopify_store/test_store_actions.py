"""Shopify Store buttons against the fake Admin API."""

import frappe
from frappe.tests.utils import FrappeTestCase

from erp_connectors.connectors.bench_fixtures import remove_queued_jobs
from erp_connectors.shopify_connector import store_actions
from erp_connectors.shopify_connector.bench_fixtures import SHOP, ensure_store
from erp_connectors.shopify_connector.handlers import SUBSCRIBED
from erp_connectors.testing.fake_shopify_admin import FakeShopifyAdmin


class TestStoreActions(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.shopify = FakeShopifyAdmin(token="shpat_bench_token_123456").start()
		cls.shopify.shop_domain = SHOP
		ensure_store(base_url=cls.shopify.url)

	@classmethod
	def tearDownClass(cls):
		cls.shopify.stop()
		super().tearDownClass()

	def test_connection_names_the_shop_and_logs_the_call(self):
		frappe.db.delete("Connector Call Log", {"account": SHOP})
		shop = store_actions.test_connection(SHOP)
		frappe.db.commit()  # as the request's end would: the log follows the action's transaction
		self.assertEqual(shop["myshopifyDomain"], SHOP)
		logs = frappe.get_all("Connector Call Log", filters={"account": SHOP}, fields=["status_code", "url"])
		self.assertEqual(len(logs), 2)  # the shop, then the scopes it granted
		for log in logs:
			self.assertEqual(log.status_code, 200)
			self.assertTrue(log.url.endswith("/graphql.json"))

	def test_connection_names_each_flows_missing_scopes_and_the_version_answered(self):
		store = frappe.get_doc("Shopify Store", SHOP)
		store.db_set({"sync_orders": 1, "sync_stock": 1, "sync_prices": 1})
		frappe.db.commit()
		self.shopify.granted_scopes = "read_orders,read_customers,read_inventory"
		try:
			result = store_actions.test_connection(SHOP)
		finally:
			self.shopify.granted_scopes = (
				"read_orders,read_customers,write_inventory,read_inventory,read_products"
			)
		missing = {row["flow"]: row["scopes"] for row in result["missing"]}
		self.assertEqual(
			missing["Push Stock to Shopify"], ["write_inventory", "read_locations", "read_products"]
		)
		self.assertEqual(missing["Push Prices to Shopify"], ["write_products"])
		self.assertNotIn("Import Orders", missing)
		self.assertEqual(result["granted"], ["read_customers", "read_inventory", "read_orders"])
		self.assertEqual(result["answered_version"], "2026-10")
		self.assertEqual(frappe.db.get_value("Shopify Store", SHOP, "api_version_answered"), "2026-10")

	def test_a_token_of_another_shop_is_refused(self):
		self.shopify.shop_domain = "someone-else.myshopify.com"
		try:
			with self.assertRaises(frappe.ValidationError):
				store_actions.test_connection(SHOP)
		finally:
			self.shopify.shop_domain = SHOP

	def test_register_webhooks_subscribes_every_handled_topic_once(self):
		self.shopify.subscriptions.clear()
		first = store_actions.register_webhooks(SHOP)
		self.assertEqual(sorted(first["created"]), sorted(t.upper().replace("/", "_") for t in SUBSCRIBED))
		self.assertTrue(
			first["url"].endswith("/api/method/erp_connectors.shopify_connector.integration.webhook")
		)
		self.assertEqual({s["uri"] for s in self.shopify.subscriptions}, {first["url"]})
		second = store_actions.register_webhooks(SHOP)
		self.assertEqual((second["created"], sorted(second["existing"])), ([], sorted(first["created"])))
		self.assertEqual(len(self.shopify.subscriptions), len(SUBSCRIBED))

	def test_backfill_queues_one_bulk_job_in_the_long_queue(self):
		from frappe.utils.background_jobs import get_queue, is_job_enqueued

		store_actions.backfill_since(SHOP, "2026-01-01")
		store_actions.backfill_since(SHOP, "2026-01-01")  # a second click while it waits
		self.assertTrue(is_job_enqueued(f"shopify_backfill::{SHOP}"))
		backfill = "erp_connectors.shopify_connector.integration.backfill_store"
		jobs = [
			job.kwargs["kwargs"]
			for job in get_queue("long").jobs
			if job.kwargs.get("job_name") == backfill and job.kwargs.get("site") == frappe.local.site
		]
		self.assertEqual(jobs, [{"store_name": SHOP, "since": "2026-01-01T00:00:00Z"}])
		remove_queued_jobs(job_name=backfill)
