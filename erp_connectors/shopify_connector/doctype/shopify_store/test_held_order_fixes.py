"""A held Shopify order fixed from its own Connector Event: Create Item, Link to existing Item and
Map "<tax title>", then the event retries by itself and posts one Sales Order."""

import json

import frappe
from frappe.tests.utils import FrappeTestCase

from erp_connectors.connectors import processing
from erp_connectors.connectors.remedy_actions import apply_remedy, remedies_of
from erp_connectors.shopify_connector.bench_fixtures import (
	SHOP,
	TAX_ACCOUNT,
	cleanup,
	ensure_items,
	ensure_store,
	sample_order,
	signed_headers,
)
from erp_connectors.shopify_connector.doctype.shopify_store.test_shopify_store import (
	events,
	order_link,
	post,
)

NEW_SKU, LINK_SKU, EXISTING = "BENCH-FIX-NEW", "BENCH-FIX-LINK", "BENCH-FIX-EXISTING"
PLAIN_USER = "remedy-viewer@example.com"


class TestHeldOrderFixes(FrappeTestCase):
	ORDER_IDS = (820982911946177001, 820982911946177002, 820982911946177003)

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_store()
		ensure_items([EXISTING])
		if not frappe.db.exists("User", PLAIN_USER):
			frappe.get_doc(
				{"doctype": "User", "email": PLAIN_USER, "first_name": "Viewer", "send_welcome_email": 0}
			).insert(ignore_permissions=True)
		frappe.get_doc("User", PLAIN_USER).add_roles("Stock User")
		frappe.db.commit()

	def setUp(self):
		self.forget()

	def tearDown(self):
		frappe.set_user("Administrator")
		self.forget()

	def forget(self):
		cleanup(self.ORDER_IDS)
		frappe.db.delete(
			"Connector Link", {"account": SHOP, "remote_type": ("in", ["variant", "listed_item"])}
		)
		for code in (NEW_SKU, LINK_SKU):
			if frappe.db.exists("Item", code):
				frappe.delete_doc("Item", code, force=True, ignore_permissions=True)
		store = frappe.get_doc("Shopify Store", SHOP)
		store.tax_accounts = [row for row in store.tax_accounts if row.tax_title == "State Tax"]
		store.save(ignore_permissions=True)
		frappe.db.commit()

	def held_event(self, order):
		body = json.dumps(order).encode()
		self.assertEqual(post(body, signed_headers(body)).status_code, 200)
		(event,) = events()
		processing.process_event(event.name)
		(event,) = events()
		self.assertEqual(event.status, "Held", event.last_error)
		return event.name

	def two_unknown_skus(self, order_id):
		order = sample_order(order_id)
		order["line_items"][0].update({"sku": NEW_SKU, "variant_id": 49148385001})
		order["line_items"][3].update({"sku": LINK_SKU, "variant_id": 49148385002})
		return order

	def test_two_missing_skus_create_one_link_the_other_then_processed_with_one_sales_order(self):
		order = self.two_unknown_skus(self.ORDER_IDS[0])
		name = self.held_event(order)
		self.assertEqual(
			frappe.db.get_value("Connector Event", name, "held_reason"), "Shopify SKU with no Item"
		)
		shown = remedies_of(name)["remedies"]
		self.assertEqual([r["key"] for r in shown], ["variant:49148385001", "variant:49148385002"])
		self.assertEqual([r["resolved"] for r in shown], [False, False])
		create = next(a for a in shown[0]["actions"] if a["name"] == "create_item")
		prefill = {f["fieldname"]: f.get("default") for f in create["fields"]}
		self.assertEqual(prefill["item_code"], NEW_SKU)
		self.assertEqual(prefill["item_name"], order["line_items"][0]["name"])
		self.assertTrue(prefill["item_group"] and prefill["stock_uom"])
		self.assertEqual(
			[a["name"] for a in shown[1]["actions"]], ["create_item", "link_item"]
		)  # both offered for each SKU

		first = apply_remedy(name, "variant:49148385001", "create_item", json.dumps(prefill))
		self.assertFalse(first["retried"])
		self.assertEqual(frappe.db.get_value("Connector Event", name, "status"), "Held")
		self.assertEqual(frappe.db.get_value("Item", NEW_SKU, "item_name"), prefill["item_name"])

		second = apply_remedy(name, "variant:49148385002", "link_item", json.dumps({"item": EXISTING}))
		self.assertTrue(second["retried"])
		self.assertEqual(frappe.db.get_value("Connector Event", name, "status"), "Queued")

		processing.process_event(name)
		event = frappe.get_doc("Connector Event", name)
		self.assertEqual(event.status, "Processed", event.last_error)
		self.assertIsNone(event.remedies)
		self.assertEqual(frappe.db.count("Sales Order", {"po_no": order["name"], "docstatus": 1}), 1)
		so = frappe.get_doc("Sales Order", order_link(order["id"]))
		self.assertEqual((event.reference_doctype, event.reference_name), ("Sales Order", so.name))
		codes = {row.item_code for row in so.items}
		self.assertIn(NEW_SKU, codes)
		self.assertIn(EXISTING, codes)
		self.assertNotIn(LINK_SKU, codes)

	def test_a_missing_tax_title_mapped_from_the_event_then_processed(self):
		order = taxed_order(self.ORDER_IDS[1], "Bench Provincial Tax")
		name = self.held_event(order)
		(remedy,) = remedies_of(name)["remedies"]
		self.assertEqual(remedy["key"], "tax:Bench Provincial Tax")
		(action,) = remedy["actions"]
		self.assertEqual(action["label"], 'Map "Bench Provincial Tax"')
		(field,) = action["fields"]
		self.assertEqual(field["get_query"]["filters"]["company"], "Test Company")

		with self.assertRaises(frappe.ValidationError):  # another company's account is refused
			apply_remedy(name, remedy["key"], "map_tax", json.dumps({"account": "Cash - WP"}))
		result = apply_remedy(name, remedy["key"], "map_tax", json.dumps({"account": TAX_ACCOUNT}))
		self.assertTrue(result["retried"])
		mapped = frappe.get_all(
			"Shopify Store Tax Account", filters={"parent": SHOP}, fields=["tax_title", "account"]
		)
		self.assertIn({"tax_title": "Bench Provincial Tax", "account": TAX_ACCOUNT}, mapped)

		processing.process_event(name)
		event = frappe.get_doc("Connector Event", name)
		self.assertEqual(event.status, "Processed", event.last_error)
		so = frappe.get_doc("Sales Order", order_link(order["id"]))
		self.assertEqual(
			{t.description for t in so.taxes if t.account_head == TAX_ACCOUNT}, {"Bench Provincial Tax"}
		)

	def test_who_may_not_write_events_sees_no_fix_and_cannot_apply_one(self):
		name = self.held_event(self.two_unknown_skus(self.ORDER_IDS[2]))
		frappe.set_user(PLAIN_USER)
		with self.assertRaises(frappe.PermissionError):
			remedies_of(name)
		with self.assertRaises(frappe.PermissionError):
			apply_remedy(name, "variant:49148385002", "link_item", json.dumps({"item": EXISTING}))
		frappe.set_user("Administrator")
		self.assertFalse(frappe.db.exists("Connector Link", {"account": SHOP, "remote_type": "variant"}))

	def test_an_event_cannot_be_edited_through_a_save(self):
		name = self.held_event(self.two_unknown_skus(self.ORDER_IDS[2]))
		event = frappe.get_doc("Connector Event", name)
		event.status = "Processed"
		with self.assertRaises(frappe.PermissionError):
			event.save()
		frappe.db.rollback()
		self.assertEqual(frappe.db.get_value("Connector Event", name, "status"), "Held")


def taxed_order(order_id: int, title: str) -> dict:
	"""One line of 3 at 33.33 less 10.00, taxed 6.53, and shipping 10.00 taxed 0.73: 107.25."""
	order = sample_order(order_id)
	line = order["line_items"][0]
	line.update({"quantity": 3, "price": "33.33", "price_set": None})
	line["discount_allocations"] = [{"amount": "10.00", "discount_application_index": 0}]
	line["tax_lines"] = [{"title": title, "price": "6.53", "rate": 0.0725}]
	order["line_items"] = [line]
	order["shipping_lines"][0].update(
		{
			"price": "10.00",
			"price_set": None,
			"tax_lines": [{"title": title, "price": "0.73", "rate": 0.0725}],
		}
	)
	order["tax_lines"] = [{"title": title, "price": "7.26", "rate": 0.0725}]
	order.update(
		{
			"total_tax": "7.26",
			"total_tax_set": None,
			"total_discounts": "10.00",
			"total_discounts_set": None,
			"total_price": "107.25",
			"total_price_set": None,
		}
	)
	return order
