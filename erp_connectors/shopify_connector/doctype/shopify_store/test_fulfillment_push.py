"""A Delivery Note of a Shopify order becomes a fulfillment at (fake) Shopify; a later label adds tracking."""

import json

import frappe
from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note
from frappe.tests.utils import FrappeTestCase

from erp_connectors.connectors import processing
from erp_connectors.connectors.intake import store_event
from erp_connectors.connectors.registry import get_binding
from erp_connectors.shipping_connector.bench_fixtures import address, delete_shipment, make_shipment
from erp_connectors.shopify_connector.bench_fixtures import SHOP, cleanup, ensure_store, sample_order
from erp_connectors.shopify_connector.fulfillment_push import push_delivery_note
from erp_connectors.testing.fake_shopify_admin import FakeShopifyAdmin

ORDER_ID = 820982911946154777


class FulfillmentCase(FrappeTestCase):
	"""A fake Shopify with the order's fulfillment orders, and the order imported here."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.shopify = FakeShopifyAdmin(token="shpat_bench_token_123456").start()
		ensure_store(base_url=cls.shopify.url, sync_fulfillments=1)

	@classmethod
	def tearDownClass(cls):
		cls.shopify.stop()
		super().tearDownClass()

	def setUp(self):
		cleanup([ORDER_ID])
		self.shopify.fulfillment_orders.clear()
		self.shopify.fulfillments.clear()
		order = sample_order(ORDER_ID)
		self.shopify.add_order(order)
		source = get_binding("Shopify").source
		event = source.parse(
			json.dumps(order).encode(),
			{"x-shopify-topic": "orders/create", "x-shopify-webhook-id": f"fp-{ORDER_ID}"},
		)
		name, _ = store_event(source, SHOP, event, {})
		processing.process_event(name)
		self.sales_order = frappe.get_doc("Connector Event", name).reference_name
		self.assertTrue(self.sales_order)

	def tearDown(self):
		for dn in frappe.get_all(
			"Delivery Note Item",
			filters={"against_sales_order": self.sales_order},
			pluck="parent",
			distinct=True,
		):
			frappe.db.delete("Delivery Note Item", {"parent": dn})
			frappe.db.delete("Delivery Note", {"name": dn})
		frappe.db.delete(
			"Connector Link", {"account": SHOP, "remote_type": ("in", ["fulfillment", "fulfillment_id"])}
		)
		frappe.db.commit()
		cleanup([ORDER_ID])


class TestFulfillmentPush(FulfillmentCase):
	def test_delivery_note_becomes_a_fulfillment_and_a_label_adds_tracking(self):
		note = make_delivery_note(self.sales_order)
		note.insert(ignore_permissions=True)
		note.submit()
		frappe.db.commit()
		push_delivery_note(note.name)
		(fulfillment,) = self.shopify.fulfillments
		self.assertEqual(
			sorted(sku for sku, _ in fulfillment["lines"]),
			sorted(line["sku"] for line in sample_order()["line_items"]),
		)
		self.assertEqual(fulfillment["trackingInfo"], [])

		shipment = make_shipment(
			address("Fulfil Warehouse"),
			address("Fulfil Customer"),
			shipment_delivery_note=[{"delivery_note": note.name}],
			value_of_goods=404.95,
			description_of_content="Shopify order",
		)
		frappe.db.set_value(
			"Shipment",
			shipment,
			{
				"awb_number": "9400111899223197428490",
				"carrier": "USPS",
				"tracking_url": "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111899223197428490",
			},
		)
		frappe.db.commit()

		push_delivery_note(note.name)  # as enqueued after the label is bought
		self.assertEqual(
			len(self.shopify.fulfillments), 1, "tracking updates the fulfillment, never a second one"
		)
		(tracking,) = self.shopify.fulfillments[0]["trackingInfo"]
		self.assertEqual((tracking["number"], tracking["company"]), ("9400111899223197428490", "USPS"))
		self.assertIn("9400111899223197428490", tracking["url"])
		delete_shipment(shipment)

	def test_submitting_a_delivery_note_enqueues_the_push(self):
		from frappe.utils.background_jobs import get_queue

		note = make_delivery_note(self.sales_order)
		note.insert(ignore_permissions=True)
		note.submit()
		frappe.db.commit()
		pushes = [
			job.kwargs
			for job in get_queue("default").jobs
			if job.kwargs.get("job_name")
			== "erp_connectors.shopify_connector.fulfillment_push.push_delivery_note"
		]
		self.assertIn(note.name, [push["kwargs"]["delivery_note"] for push in pushes])


class TestFulfillmentsFromShopify(FulfillmentCase):
	"""fulfillments/create through the signed webhook endpoint."""

	def deliver(self, fulfillment):
		from erp_connectors.shopify_connector.doctype.shopify_store.test_billing_and_refunds import deliver

		return deliver(fulfillment, "fulfillments/create")

	def fulfillment(self, lines, gid="gid://shopify/Fulfillment/9001"):
		return {
			"id": int(gid.rsplit("/", 1)[1]),
			"admin_graphql_api_id": gid,
			"order_id": ORDER_ID,
			"status": "success",
			"created_at": frappe.utils.nowdate(),
			"tracking_number": "1Z999AA10123456784",
			"location_id": None,
			"name": "#T4777.1",
			"line_items": [{**line, "quantity": qty} for line, qty in lines],
		}

	def deliveries(self):
		return frappe.get_all(
			"Delivery Note Item",
			filters={"against_sales_order": self.sales_order, "docstatus": 1},
			fields=["parent", "item_code", "qty"],
		)

	def test_a_partial_shopify_fulfillment_becomes_a_delivery_note_and_is_not_pushed_back(self):
		first = sample_order(ORDER_ID)["line_items"][0]
		status = self.deliver(self.fulfillment([(first, 1)]))
		self.assertEqual(status.status, "Processed", status.last_error)
		[row] = self.deliveries()
		self.assertEqual((row.item_code, row.qty), (first["sku"], 1))
		self.assertEqual(frappe.db.get_value("Delivery Note", row.parent, "lr_no"), "1Z999AA10123456784")
		self.assertLess(frappe.db.get_value("Sales Order", self.sales_order, "per_delivered"), 100)
		push_delivery_note(row.parent)  # what its submission enqueued
		self.assertEqual(self.shopify.fulfillments, [])

	def test_the_echo_of_our_own_fulfillment_adds_no_delivery(self):
		note = make_delivery_note(self.sales_order)
		note.insert(ignore_permissions=True)
		note.submit()
		frappe.db.commit()
		push_delivery_note(note.name)
		[pushed] = self.shopify.fulfillments
		echo = self.fulfillment(
			[(line, 1) for line in sample_order(ORDER_ID)["line_items"]], gid=pushed["id"]
		)
		status = self.deliver(echo)
		self.assertEqual(status.status, "Processed", status.last_error)
		self.assertEqual({row.parent for row in self.deliveries()}, {note.name})
