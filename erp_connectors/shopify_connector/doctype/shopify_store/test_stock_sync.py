"""Stock ERPNext → Shopify on real ERPNext: variants linked by SKU, movements pushed, nothing twice."""

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, nowdate

from erp_connectors.connectors.bench_fixtures import ensure_customer, ensure_item
from erp_connectors.shopify_connector import stock_sync
from erp_connectors.shopify_connector.bench_fixtures import COMPANY, SHOP, ensure_store
from erp_connectors.shopify_connector.catalog_sync import link_store_variants, push_store_prices
from erp_connectors.testing.fake_shopify_admin import FakeShopifyAdmin

SKU = "SHOPIFY-STOCK-A"
LOCATION = "gid://shopify/Location/655441491"


def receive(qty: float):
	entry = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Material Receipt",
			"company": COMPANY,
			"items": [{"item_code": SKU, "qty": qty, "t_warehouse": "Stores - TC", "basic_rate": 10}],
		}
	).insert(ignore_permissions=True)
	entry.submit()
	frappe.db.commit()


class TestStockSync(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.shopify = FakeShopifyAdmin(token="shpat_bench_token_123456").start()
		ensure_store(
			base_url=cls.shopify.url,
			sync_stock=1,
			locations=[
				{"shopify_location_id": "655441491", "location_name": "Main", "warehouse": "Stores - TC"}
			],
		)
		ensure_item(SKU)
		cls.variant = cls.shopify.add_variant(SKU, variant_id=44_000_000_000_001)
		cls.shopify.add_variant("NOT-AN-ITEM-IN-ERPNEXT", variant_id=44_000_000_000_002)

	@classmethod
	def tearDownClass(cls):
		cls.shopify.stop()
		ensure_store()
		super().tearDownClass()

	def setUp(self):
		frappe.db.delete(
			"Connector Link", {"account": SHOP, "remote_type": ("in", ["variant", "inventory_item"])}
		)
		frappe.db.delete("Shopify Inventory Level", {"store": SHOP})
		frappe.db.commit()

	def available(self):
		actual, reserved = frappe.db.get_value(
			"Bin", {"item_code": SKU, "warehouse": "Stores - TC"}, ["actual_qty", "reserved_qty"]
		) or (0, 0)
		return int(actual - reserved)

	def test_linked_variant_gets_each_change_once(self):
		result = link_store_variants(SHOP)
		self.assertEqual((result.linked, result.unmatched), (1, ["NOT-AN-ITEM-IN-ERPNEXT"]))
		inventory_item = self.variant["inventoryItem"]["id"]

		receive(4)  # the ledger entry marks the item and queues the push
		self.assertIn(SKU, {m.decode() for m in frappe.cache.smembers(stock_sync.DIRTY)})
		stock_sync.push_changed()  # the queued job
		self.assertEqual(self.shopify.inventory[(inventory_item, LOCATION)], self.available())
		calls = self.shopify.mutation_calls

		stock_sync.push_changed()  # nothing marked: nothing sent
		stock_sync.reconcile_all()  # nothing differs from what was pushed: nothing sent
		self.assertEqual(self.shopify.mutation_calls, calls)

		order = frappe.get_doc(
			{
				"doctype": "Sales Order",
				"customer": ensure_customer("Stock Sync Bench Customer"),
				"company": COMPANY,
				"delivery_date": add_days(nowdate(), 3),
				"items": [{"item_code": SKU, "qty": 1, "rate": 10, "warehouse": "Stores - TC"}],
			}
		).insert(ignore_permissions=True)
		order.submit()  # reserves one: Shopify may sell one less
		frappe.db.commit()
		stock_sync.push_changed()
		self.assertEqual(self.shopify.inventory[(inventory_item, LOCATION)], self.available())
		self.assertEqual(self.shopify.mutation_calls, calls + 1)
		level = frappe.get_doc("Shopify Inventory Level", {"store": SHOP, "inventory_item": inventory_item})
		self.assertEqual((level.item_code, level.quantity), (SKU, self.available()))

		self.shopify.inventory[(inventory_item, LOCATION)] = 999  # someone changed it in Shopify
		stock_sync.reconcile_daily()  # the daily full push repairs it
		self.assertEqual(self.shopify.inventory[(inventory_item, LOCATION)], self.available())

	def test_item_prices_reach_linked_variants_where_they_differ(self):
		link_store_variants(SHOP)
		name = frappe.db.get_value("Item Price", {"item_code": SKU, "price_list": "Standard Selling"})
		if name:
			frappe.db.set_value("Item Price", name, "price_list_rate", 12.5)
		else:
			frappe.get_doc(
				{
					"doctype": "Item Price",
					"item_code": SKU,
					"price_list": "Standard Selling",
					"price_list_rate": 12.5,
				}
			).insert(ignore_permissions=True)
		frappe.db.commit()
		result = push_store_prices(SHOP)
		self.assertEqual(result.changed, {self.variant["id"]: "12.50"})
		self.assertEqual(self.variant["price"], "12.50")
		self.assertEqual(push_store_prices(SHOP).calls, 0)


class TestProductImport(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.shopify = FakeShopifyAdmin(token="shpat_bench_token_123456", maximum=4000.0).start()
		ensure_store(base_url=cls.shopify.url)
		ensure_item(SKU)  # the Item the mug's SKU must be linked to, not created again
		# The fake numbers its products the same way every run; forget what earlier runs linked.
		frappe.db.delete(
			"Connector Link",
			{"account": SHOP, "remote_type": ("in", ["product", "variant", "inventory_item"])},
		)
		frappe.db.commit()
		cls.suffix = frappe.generate_hash(length=5).upper()
		cls.product = cls.shopify.add_product(
			"Bench Tee",
			f"bench-tee-{cls.suffix.lower()}",
			[
				(f"BT-{cls.suffix}-RED-S", {"Colour": "Red", "Size": "S"}, "19.00"),
				(f"BT-{cls.suffix}-BLUE-M", {"Colour": "Blue", "Size": "M"}, "21.00"),
			],
		)
		cls.shopify.add_product("Bench Mug", f"bench-mug-{cls.suffix.lower()}", [(SKU, {}, "9.00")])

	@classmethod
	def tearDownClass(cls):
		cls.shopify.stop()
		super().tearDownClass()

	def test_products_become_a_template_with_variants_and_existing_items_are_linked(self):
		from erp_connectors.shopify_connector.catalog_sync import import_store_products

		result = import_store_products(SHOP)
		self.assertEqual(result.skipped, [])
		template = frappe.get_doc("Item", self.product["handle"])
		self.assertEqual(
			(template.has_variants, [a.attribute for a in template.attributes]), (1, ["Colour", "Size"])
		)
		blue = frappe.get_doc("Item", f"BT-{self.suffix}-BLUE-M")
		self.assertEqual(blue.variant_of, template.name)
		self.assertEqual(
			{a.attribute: a.attribute_value for a in blue.attributes}, {"Colour": "Blue", "Size": "M"}
		)
		self.assertIn(SKU, result.linked)  # the existing Item is linked, not created again
		self.assertEqual(import_store_products(SHOP).created, [])


class TestItemPush(FrappeTestCase):
	GROUP = "Shopify Push Bench"

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.shopify = FakeShopifyAdmin(token="shpat_bench_token_123456", maximum=4000.0).start()
		if not frappe.db.exists("Item Group", cls.GROUP):
			frappe.get_doc(
				{
					"doctype": "Item Group",
					"item_group_name": cls.GROUP,
					"parent_item_group": "All Item Groups",
				}
			).insert()
		ensure_store(base_url=cls.shopify.url, item_group=cls.GROUP)
		frappe.db.delete(
			"Connector Link",
			{"account": SHOP, "remote_type": ("in", ["product", "variant", "inventory_item", "listed_item"])},
		)
		cls.code = f"PUSH-{frappe.generate_hash(length=5).upper()}"
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": cls.code,
				"item_name": "Pushed Lamp",
				"item_group": cls.GROUP,
				"stock_uom": "Nos",
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		cls.shopify.stop()
		frappe.db.set_value("Item", cls.code, "disabled", 1)  # keep later runs' catalogue to their own Item
		frappe.db.commit()
		ensure_store()
		super().tearDownClass()

	def test_catalogue_items_become_products_once_and_are_linked(self):
		from erp_connectors.shopify_connector.catalog_sync import push_store_items

		result = push_store_items(SHOP)
		self.assertEqual(result.pushed, [self.code])
		[product] = [p for p in self.shopify.products if p["title"] == "Pushed Lamp"]
		[variant] = product["variants"]["nodes"]
		self.assertEqual(variant["sku"], self.code)
		bound = frappe.db.get_value(
			"Connector Link",
			{"account": SHOP, "remote_type": "variant", "remote_id": variant["legacyResourceId"]},
			"reference_name",
		)
		self.assertEqual(bound, self.code)
		self.assertEqual(push_store_items(SHOP).calls, 0)
