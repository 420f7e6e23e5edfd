"""The Connectors workspace's charts and cues against events, calls and orders this test creates."""

import json
from datetime import datetime, timedelta

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import getdate, now_datetime

from erp_connectors.connectors import cues, processing
from erp_connectors.connectors.charts import percentile
from erp_connectors.connectors.dashboard_chart_source.connector_call_error_rate import (
	connector_call_error_rate,
)
from erp_connectors.connectors.dashboard_chart_source.connector_calls_by_service import (
	connector_calls_by_service,
)
from erp_connectors.connectors.dashboard_chart_source.connector_events_by_status import (
	connector_events_by_status,
)
from erp_connectors.connectors.dashboard_chart_source.connector_processing_lag import (
	connector_processing_lag,
)
from erp_connectors.shopify_connector.bench_fixtures import (
	SHOP,
	cleanup,
	ensure_items,
	ensure_store,
	sample_order,
	signed_headers,
)
from erp_connectors.shopify_connector.doctype.shopify_store.test_shopify_store import post
from erp_connectors.shopify_connector.remedies import missing_item, unmapped_tax

SOURCE = "Workspace Test"


class TestWorkspaceCharts(FrappeTestCase):
	"""Run in a transaction of their own, rolled back: every figure is the site's plus ours, so each
	is read before and after our rows are added."""

	def tearDown(self):
		frappe.db.rollback()

	def event(self, status, received_at, processed_at=None, account=SHOP, **values):
		doc = frappe.get_doc(
			{
				"doctype": "Connector Event",
				"source": SOURCE,
				"account_doctype": "Shopify Store",
				"account": account,
				"topic": values.pop("topic", "orders/create"),
				"remote_event_id": frappe.generate_hash(length=12),
				"status": status,
				"received_at": received_at,
				"processed_at": processed_at,
				"payload": "{}",
				**values,
			}
		)
		doc.db_insert()
		return doc.name

	def test_events_by_status_counts_each_day_and_status(self):
		today = datetime.combine(getdate(), datetime.min.time())
		label = today.strftime("%d %b")

		def today_counts():
			data = connector_events_by_status.get()
			index = data["labels"].index(label)
			return {d["name"]: d["values"][index] for d in data["datasets"]}, data

		before, data = today_counts()
		self.assertEqual(len(data["labels"]), 30)
		self.assertEqual(
			[d["name"] for d in data["datasets"]], ["Processed", "Queued", "Failed", "Held", "Dead"]
		)
		for status, n in (("Processed", 3), ("Held", 2), ("Dead", 1), ("Processing", 1)):
			for _ in range(n):
				self.event(status, today + timedelta(hours=1))
		self.event("Processed", today - timedelta(days=40))  # outside the 30 days
		after, _ = today_counts()
		self.assertEqual(
			{status: after[status] - before[status] for status in after},
			{"Processed": 3, "Queued": 1, "Failed": 0, "Held": 2, "Dead": 1},
		)

	def test_processing_lag_percentiles_are_the_database_s_own(self):
		day = datetime.combine(getdate() - timedelta(days=3), datetime.min.time()) + timedelta(hours=9)
		frappe.db.delete(
			"Connector Event", {"received_at": ("between", [day.date(), day.date() + timedelta(days=1)])}
		)
		lags = [0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 8.0, 30.0, 60.0, 600.0]
		for seconds in lags:
			self.event("Processed", day, day + timedelta(seconds=seconds))
		self.event("Held", day)  # not processed: no lag
		data = connector_processing_lag.get()
		index = data["labels"].index(day.strftime("%d %b"))
		p50, p95 = (d["values"][index] for d in data["datasets"])
		self.assertEqual(p50, round(percentile(lags, 0.5), 2))  # 3.5 s
		self.assertEqual(p95, round(percentile(lags, 0.95), 2))  # 357 s
		self.assertEqual((p50, p95), (3.5, 357.0))

	def test_calls_and_error_rate_per_service(self):
		def figures():
			calls = connector_calls_by_service.get()
			rate = connector_call_error_rate.get()
			found = {}
			for n, service in enumerate(calls["labels"]):
				found[service] = (calls["datasets"][0]["values"][n], calls["datasets"][1]["values"][n])
			rates = dict(zip(rate["labels"], rate["datasets"][0]["values"], strict=True))
			return found, rates

		frappe.db.delete("Connector Call Log", {"service": ("in", ["ws-test-a", "ws-test-b"])})
		for service, codes in (("ws-test-a", [200, 200, 201, 429, 0]), ("ws-test-b", [200, 200, 200, 200])):
			for code in codes:
				frappe.get_doc(
					{
						"doctype": "Connector Call Log",
						"service": service,
						"method": "POST",
						"url": "https://example.invalid/",
						"status_code": code,
					}
				).db_insert()
		found, rates = figures()
		self.assertEqual(found["ws-test-a"], (3, 2))  # answered, failed (429 and no answer)
		self.assertEqual(found["ws-test-b"], (4, 0))
		self.assertEqual((rates["ws-test-a"], rates["ws-test-b"]), (40.0, 0))


class TestWorkspaceCues(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_store()

	def tearDown(self):
		frappe.db.rollback()

	def held(self, remedies, reason):
		doc = frappe.get_doc(
			{
				"doctype": "Connector Event",
				"source": SOURCE,
				"account_doctype": "Shopify Store",
				"account": SHOP,
				"topic": "orders/create",
				"remote_event_id": frappe.generate_hash(length=12),
				"status": "Held",
				"received_at": now_datetime(),
				"held_reason": reason,
				"remedies": json.dumps([r.as_dict() for r in remedies]),
				"payload": "{}",
			}
		)
		doc.db_insert()

	def test_unmapped_skus_counts_each_open_sku_once_and_opens_the_held_orders(self):
		before = cues.unmapped_skus()["value"]
		line = {"id": 1, "title": "Lamp", "sku": "WS-CUE-LAMP", "variant_id": 9001}
		other = {"id": 2, "title": "Rug", "sku": "WS-CUE-RUG", "variant_id": 9002}
		known = {"id": 3, "title": "Known", "sku": "WS-CUE-KNOWN", "variant_id": 9003}
		ensure_items(["WS-CUE-KNOWN"])
		self.held([missing_item(line), missing_item(other), missing_item(known)], "Shopify SKU with no Item")
		self.held(
			[missing_item(line), unmapped_tax("GST")],
			"Shopify SKU with no Item and Shopify tax title with no account",
		)
		card = cues.unmapped_skus()
		self.assertEqual(
			card["value"] - before, 2
		)  # the lamp (twice) and the rug; the known SKU has its Item
		self.assertEqual(card["route"], ["List", "Connector Event"])
		self.assertEqual(card["route_options"]["status"], "Held")
		frappe.get_doc(
			{
				"doctype": "Connector Link",
				"account_doctype": "Shopify Store",
				"account": SHOP,
				"remote_type": "variant",
				"remote_id": "9002",
				"reference_doctype": "Item",
				"reference_name": "WS-CUE-KNOWN",
			}
		).insert(ignore_permissions=True)
		self.assertEqual(cues.unmapped_skus()["value"] - before, 1)  # the rug is linked now

	def test_alerts_name_a_store_to_reconnect(self):
		self.assertNotIn(SHOP, json.dumps(cues.alerts()))
		frappe.db.set_value("Shopify Store", SHOP, "connection_status", "Reconnect Needed")
		(alert,) = [a for a in cues.alerts() if SHOP in a["message"]]
		self.assertEqual((alert["level"], alert["route"]), ("red", ["Form", "Shopify Store", SHOP]))
		self.assertIn("Reconnect to Shopify", alert["message"])


class TestOrdersToInvoiceCue(FrappeTestCase):
	ORDER_ID = 820982911946166001

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_store()

	def setUp(self):
		cleanup([self.ORDER_ID])

	def tearDown(self):
		cleanup([self.ORDER_ID])

	def test_a_shopify_order_not_invoiced_is_counted_until_closed(self):
		before = cues.orders_to_invoice()["value"]
		order = sample_order(self.ORDER_ID)
		body = json.dumps(order).encode()
		response = post(body, signed_headers(body))
		self.assertEqual(response.status_code, 200)
		event = response.json["event"]
		processing.process_event(event)
		so = frappe.db.get_value("Connector Event", event, "reference_name")
		card = cues.orders_to_invoice()
		self.assertEqual(card["value"] - before, 1)
		self.assertEqual(card["route"], ["List", "Sales Order"])
		self.assertIn(so, card["route_options"]["name"][1])
		frappe.get_doc("Sales Order", so).update_status("Closed")
		self.assertEqual(cues.orders_to_invoice()["value"], before)
		frappe.get_doc("Sales Order", so).update_status("Draft")  # reopened, so the cleanup can cancel it
