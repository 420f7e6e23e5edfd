"""The Connectors workspace's setup steps are done when their checks pass: a Shopify store set up
step by step against the fake Shopify (Fetch Locations, Fetch Tax Titles, Register Webhooks, Test
Connection), a step that is only visited stays open and says what is missing, and a store that loses
what a step checks reopens it."""

import json

import frappe
from frappe.tests.utils import FrappeTestCase

from erp_connectors.connectors import onboarding, remedies
from erp_connectors.shopify_connector import store_actions
from erp_connectors.shopify_connector.bench_fixtures import SHOP, TAX_ACCOUNT, ensure_store, sample_order
from erp_connectors.shopify_connector.remedies import unmapped_tax
from erp_connectors.testing.fake_shopify_admin import FakeShopifyAdmin

SHOPIFY_STEPS = [
	"Connect a Shopify Store",
	"Map Shopify Company and Warehouse",
	"Map Shopify Locations",
	"Map Shopify Tax Titles",
	"Register Shopify Webhooks",
	"Test the Shopify Connection",
]


# Every scope a store's flows may need.
ALL_SCOPES = (
	"read_orders,read_customers,write_merchant_managed_fulfillment_orders,write_fulfillments,"
	"write_inventory,read_locations,read_products,write_products"
)


def states() -> dict:
	return {step: frappe.db.get_value("Onboarding Step", step, "is_complete") for step in SHOPIFY_STEPS}


class TestShopifyOnboarding(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.shopify = FakeShopifyAdmin(token="shpat_bench_token_123456").start()
		cls.shopify.shop_domain = SHOP
		cls.shopify.granted_scopes = ALL_SCOPES
		cls.shopify.add_location("Ottawa Warehouse", location_id=71_001)
		cls.shopify.add_location("Montreal Pop-up", location_id=71_002)
		taxed = sample_order(820982911946199001)
		taxed["line_items"][0]["tax_lines"] = [{"title": "GST", "price": "1.00", "rate": 0.05}]
		taxed["tax_lines"] = [{"title": "GST", "price": "1.00", "rate": 0.05}]
		taxed["shipping_lines"][0]["tax_lines"] = [{"title": "State Tax", "price": "0.50", "rate": 0.05}]
		cls.shopify.add_order(taxed, updated_at=frappe.utils.now_datetime().strftime("%Y-%m-%dT%H:%M:%SZ"))
		ensure_store(base_url=cls.shopify.url)
		frappe.db.delete("Connector Event", {"account": SHOP})
		frappe.get_doc(  # an order held for a tax title no recent order shows
			{
				"doctype": "Connector Event",
				"source": "Shopify",
				"account_doctype": "Shopify Store",
				"account": SHOP,
				"topic": "orders/create",
				"remote_event_id": "onboarding-held-tax",
				"status": "Held",
				"remedies": remedies.dump([unmapped_tax("Eco Levy")]),
				"payload": "{}",
			}
		).db_insert()
		cls.others = frappe.get_all("Shopify Store", {"enabled": 1, "name": ("!=", SHOP)}, pluck="name")
		for name in cls.others:  # the steps check every enabled store: only ours here
			frappe.db.set_value("Shopify Store", name, "enabled", 0)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		cls.shopify.stop()
		for name in cls.others:
			frappe.db.set_value("Shopify Store", name, "enabled", 1)
		ensure_store()
		frappe.db.delete("Connector Event", {"account": SHOP})
		frappe.db.commit()
		onboarding.refresh()
		frappe.db.commit()
		super().tearDownClass()

	def test_each_step_is_done_when_its_check_passes(self):
		onboarding.refresh("Shopify Store")
		self.assertEqual(
			states(),
			{
				"Connect a Shopify Store": 1,  # its legacy token
				"Map Shopify Company and Warehouse": 1,  # Test Company, Stores - TC
				"Map Shopify Locations": 0,
				"Map Shopify Tax Titles": 0,
				"Register Shopify Webhooks": 0,
				"Test the Shopify Connection": 0,
			},
		)
		self.assertEqual(frappe.db.get_value("Module Onboarding", "Shopify Setup", "is_complete"), 0)

		# Visiting a step is not doing it: the widget's "mark done" says what is missing.
		with self.assertRaises(frappe.ValidationError) as refused:
			onboarding.update_onboarding_step("Map Shopify Locations", "is_complete", 1)
		self.assertIn("Fetch Locations", str(refused.exception))
		self.assertEqual(states()["Map Shopify Locations"], 0)

		fetched = store_actions.fetch_locations(SHOP)
		self.assertEqual(
			[(row["shopify_location_id"], row["location_name"]) for row in fetched["new"]],
			[("71001", "Ottawa Warehouse"), ("71002", "Montreal Pop-up")],
		)
		store = frappe.get_doc("Shopify Store", SHOP)
		store.append("locations", {**fetched["new"][0], "warehouse": "Stores - TC"})
		store.save()
		frappe.db.commit()  # as the request saving the form would
		self.assertEqual(states()["Map Shopify Locations"], 1)

		titles = store_actions.fetch_tax_titles(SHOP)
		# The recent orders' titles, then those held orders wait for; State Tax is mapped already.
		expected = ["GST", "State Tax", "Eco Levy"]
		self.assertEqual((titles["titles"], titles["new"]), (expected, ["GST", "Eco Levy"]))
		self.assertEqual(json.loads(frappe.db.get_value("Shopify Store", SHOP, "tax_titles_seen")), expected)
		for title, done in (("GST", 0), ("Eco Levy", 1)):  # done once every title seen has an account
			self.assertEqual(states()["Map Shopify Tax Titles"], 0)
			store = frappe.get_doc("Shopify Store", SHOP)
			store.append("tax_accounts", {"tax_title": title, "account": TAX_ACCOUNT})
			store.save()
			frappe.db.commit()  # as the request saving the form would
			self.assertEqual(states()["Map Shopify Tax Titles"], done)

		store_actions.register_webhooks(SHOP)
		self.assertEqual(states()["Register Shopify Webhooks"], 1)
		self.shopify.granted_scopes = "read_orders"  # not enough for the store's flows: not green
		store_actions.test_connection(SHOP)
		self.assertEqual(states()["Test the Shopify Connection"], 0)
		self.shopify.granted_scopes = ALL_SCOPES
		store_actions.test_connection(SHOP)
		self.assertEqual(set(states().values()), {1})
		self.assertEqual(frappe.db.get_value("Module Onboarding", "Shopify Setup", "is_complete"), 1)

		# A form saved from before the buttons ran keeps what they recorded.
		stale = frappe.get_doc("Shopify Store", SHOP)
		stale.tax_titles_seen, stale.connection_tested_at = None, None
		stale.save()
		frappe.db.commit()
		self.assertEqual(set(states().values()), {1})

		# A store that loses what a step checks reopens it, and the onboarding with it.
		store = frappe.get_doc("Shopify Store", SHOP)
		store.locations = []
		store.save()
		frappe.db.commit()  # as the request saving the form would
		self.assertEqual(states()["Map Shopify Locations"], 0)
		self.assertEqual(frappe.db.get_value("Module Onboarding", "Shopify Setup", "is_complete"), 0)

	def test_a_step_passed_by_its_check_is_marked_done_through_the_widget(self):
		frappe.db.set_value("Onboarding Step", "Connect a Shopify Store", "is_complete", 0)
		onboarding.update_onboarding_step("Connect a Shopify Store", "is_complete", 1)
		self.assertEqual(frappe.db.get_value("Onboarding Step", "Connect a Shopify Store", "is_complete"), 1)
		# Skipping stays Frappe's own business.
		onboarding.update_onboarding_step("Register Shopify Webhooks", "is_skipped", 1)
		self.assertEqual(frappe.db.get_value("Onboarding Step", "Register Shopify Webhooks", "is_skipped"), 1)
		frappe.db.set_value("Onboarding Step", "Register Shopify Webhooks", "is_skipped", 0)


class TestCarrierRatesStep(FrappeTestCase):
	def test_rates_are_proven_by_an_answered_rate_request_or_dhl_flat_rates(self):
		account = frappe._dict(doctype="Carrier Account", name="Onboarding Rates Bench", provider="EasyPost")
		frappe.db.delete("Connector Call Log", {"account": account.name})
		self.assertFalse(onboarding.carrier_rates(account))
		for status, url in (
			(401, "https://api.easypost.com/v2/shipments"),
			(200, "https://api.easypost.com/v2/trackers"),
		):
			frappe.get_doc(
				{
					"doctype": "Connector Call Log",
					"service": "easypost",
					"method": "POST",
					"url": url,
					"status_code": status,
					"account_doctype": "Carrier Account",
					"account": account.name,
				}
			).db_insert()
		self.assertFalse(onboarding.carrier_rates(account))  # refused, or not a rate request
		frappe.get_doc(
			{
				"doctype": "Connector Call Log",
				"service": "easypost",
				"method": "POST",
				"url": "https://api.easypost.com/v2/shipments",
				"status_code": 201,
				"account_doctype": "Carrier Account",
				"account": account.name,
			}
		).db_insert()
		self.assertTrue(onboarding.carrier_rates(account))
		dhl = frappe._dict(
			doctype="Carrier Account", name="DHL Onboarding", provider="DHL Parcel DE", flat_rates=[]
		)
		self.assertFalse(onboarding.carrier_rates(dhl))
		dhl.flat_rates = [{"rate": 5}]
		self.assertTrue(onboarding.carrier_rates(dhl))
		frappe.db.rollback()
