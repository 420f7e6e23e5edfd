"""Account Health's figures against events and calls this test creates: last webhook, last answered
call, backlog, held and dead counts per account, the last error and the verdict."""

import json
from datetime import datetime

import frappe
from frappe.tests.utils import FrappeTestCase

from erp_connectors.connectors.report.account_health.account_health import execute
from erp_connectors.shopify_connector.bench_fixtures import SHOP, ensure_store, sample_order, signed_headers
from erp_connectors.shopify_connector.doctype.shopify_store.test_shopify_store import post

OTHER = "bench-health-other.myshopify.com"


def at(text: str) -> datetime:
	return datetime.fromisoformat(text)


class TestAccountHealth(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_store()
		if frappe.db.exists("Shopify Store", OTHER):
			frappe.delete_doc("Shopify Store", OTHER, force=True, ignore_permissions=True)
		other = frappe.copy_doc(frappe.get_doc("Shopify Store", SHOP))
		other.shop_domain = OTHER
		other.access_token = "shpat_bench_other_654321"
		other.insert(ignore_permissions=True)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		cls.forget()
		frappe.delete_doc("Shopify Store", OTHER, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()

	@staticmethod
	def forget():
		for store in (SHOP, OTHER):
			frappe.db.delete("Connector Event", {"account": store})
			frappe.db.delete("Connector Call Log", {"account": store})
		frappe.db.commit()

	def setUp(self):
		self.forget()

	def event(self, store, status, received_at, origin="Webhook", last_error=None):
		doc = frappe.get_doc(
			{
				"doctype": "Connector Event",
				"source": "Shopify",
				"account_doctype": "Shopify Store",
				"account": store,
				"topic": "orders/create",
				"remote_event_id": f"health-{frappe.generate_hash(length=10)}",
				"status": status,
				"origin": origin,
				"received_at": at(received_at),
				"last_error": last_error,
				"payload": "{}",
			}
		)
		doc.db_insert()
		# It last changed when it was received (its last error is as old as that).
		frappe.db.set_value("Connector Event", doc.name, "modified", at(received_at), update_modified=False)

	def call(self, store, status_code, created, error=None):
		doc = frappe.get_doc(
			{
				"doctype": "Connector Call Log",
				"service": "shopify",
				"method": "POST",
				"url": f"https://{store}/admin/api/2026-10/graphql.json",
				"status_code": status_code,
				"account_doctype": "Shopify Store",
				"account": store,
				"error": error,
			}
		)
		doc.db_insert()
		frappe.db.set_value("Connector Call Log", doc.name, "creation", at(created), update_modified=False)

	def rows(self, **filters):
		_, data = execute({"account_doctype": "Shopify Store", **filters})
		return {row["account"]: row for row in data if row["account"] in (SHOP, OTHER)}

	def test_figures_per_account_from_the_events_and_calls_made_here(self):
		self.event(SHOP, "Processed", "2026-12-01 10:00:00")
		self.event(SHOP, "Held", "2026-12-02 09:30:00", last_error="No Item for SKU 'X'")
		self.event(SHOP, "Queued", "2026-12-02 11:00:00", origin="Poll")  # newer, but polled
		self.event(SHOP, "Failed", "2026-12-02 10:15:00")
		self.call(SHOP, 200, "2026-12-02 10:59:00")
		self.call(SHOP, 200, "2026-12-02 11:01:00")
		self.event(OTHER, "Held", "2026-11-30 08:00:00", last_error="Tax 'GST' has no account")
		self.event(OTHER, "Held", "2026-11-30 08:05:00")
		self.event(OTHER, "Dead", "2026-11-30 08:10:00", last_error="Gave up after 8 attempts")
		self.call(OTHER, 200, "2026-11-30 07:00:00")
		self.call(OTHER, 503, "2026-11-30 09:00:00", error="Service Unavailable")
		frappe.db.commit()

		rows = self.rows()
		shop, other = rows[SHOP], rows[OTHER]
		self.assertEqual(shop["last_webhook"], at("2026-12-02 10:15:00"))
		self.assertEqual(shop["last_ok_call"], at("2026-12-02 11:01:00"))
		self.assertEqual((shop["backlog"], shop["held"], shop["dead"]), (2, 1, 0))
		self.assertEqual(shop["health_level"], "orange")
		self.assertIn("1 held event(s) to fix", shop["reasons"])

		self.assertEqual(other["last_webhook"], at("2026-11-30 08:10:00"))
		self.assertEqual(other["last_ok_call"], at("2026-11-30 07:00:00"))
		self.assertEqual((other["backlog"], other["held"], other["dead"]), (0, 2, 1))
		self.assertEqual(other["health_level"], "red")
		self.assertEqual(
			(other["last_error"], other["last_error_at"]), ("Service Unavailable", at("2026-11-30 09:00:00"))
		)
		self.assertTrue(
			other["reasons"].startswith("1 dead event(s) to retry; Last call failed (503)"), other["reasons"]
		)

	def test_a_webhook_through_the_endpoint_is_the_store_s_last_webhook(self):
		order = sample_order(820982911946188001)
		body = json.dumps(order).encode()
		self.assertEqual(post(body, signed_headers(body)).status_code, 200)
		stored = frappe.get_all(
			"Connector Event", filters={"account": SHOP}, fields=["received_at", "origin", "status"]
		)
		self.assertEqual([(e.origin, e.status) for e in stored], [("Webhook", "Queued")])
		shop = self.rows()[SHOP]
		self.assertEqual(shop["last_webhook"], stored[0].received_at)
		self.assertEqual(shop["backlog"], 1)

	def test_a_store_shopify_will_not_renew_is_red_and_says_reconnect(self):
		frappe.db.set_value(
			"Shopify Store",
			OTHER,
			{
				"connection_method": "Connect to Shopify (authorization code)",
				"connection_status": "Reconnect Needed",
			},
		)
		other = self.rows()[OTHER]
		self.assertEqual(other["health_level"], "red")
		self.assertIn("Reconnect Needed", other["connection"])
		frappe.db.set_value("Shopify Store", OTHER, "enabled", 0)
		self.assertNotIn(OTHER, self.rows())
		self.assertEqual(self.rows(show_disabled=1)[OTHER]["health_level"], "grey")
		frappe.db.rollback()
