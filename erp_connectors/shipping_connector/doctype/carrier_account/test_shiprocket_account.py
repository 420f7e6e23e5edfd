"""Shiprocket on a real ERPNext Shipment (Mumbai to New Delhi): quote, buy, track, cancel, through a fake
held to the OpenAPI document generated from Shiprocket's Postman collection."""

import frappe
from frappe.tests.test_api import make_request
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_test_client, get_url

from erp_connectors.connectors import processing
from erp_connectors.shipping_connector import shipment_actions
from erp_connectors.shipping_connector.bench_fixtures import (
	OnlyTheseAccounts,
	address,
	buy,
	carrier_account,
	delete_shipment,
	make_shipment,
)
from erp_connectors.shipping_connector.carrier_accounts import TokenCache
from erp_connectors.testing.fake_carriers.shiprocket import FakeShiprocket

ACCOUNT = "Shiprocket Bench"
TOKEN = "sr-panel-webhook-token"
WEBHOOK = "/api/method/erp_connectors.shipping_connector.integration.webhook"


def indian_address(title, line1, city, state, pincode, email):
	return address(title, line1, city, state, pincode, "India", phone="+91 98765 43210", email=email)


class TestShiprocketAccount(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.fake = FakeShiprocket().start()
		cls.only_these = OnlyTheseAccounts().__enter__()
		TokenCache(ACCOUNT).clear()
		carrier_account(
			ACCOUNT,
			"Shiprocket",
			username=cls.fake.login[0],
			password=cls.fake.login[1],
			pickup_location="Primary",
			webhook_secret=TOKEN,
			base_url=f"{cls.fake.url}/v1/external",
		)
		cls.mumbai = indian_address(
			"SR Warehouse",
			"Marol Industrial Estate",
			"Mumbai",
			"Maharashtra",
			"400059",
			"dispatch@example.in",
		)
		cls.delhi = indian_address(
			"SR Customer", "House 221B, Leaf Village", "New Delhi", "Delhi", "110002", "naruto@uzumaki.com"
		)

	@classmethod
	def tearDownClass(cls):
		cls.fake.stop()
		cls.only_these.__exit__()
		TokenCache(ACCOUNT).clear()
		frappe.db.delete("Connector Link", {"account": ACCOUNT})
		frappe.db.delete("Connector Event", {"account": ACCOUNT})
		frappe.delete_doc("Carrier Account", ACCOUNT, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()

	def setUp(self):
		self.shipment = make_shipment(
			self.mumbai,
			self.delhi,
			shipment_parcel=[{"length": 10, "width": 15, "height": 20, "weight": 1.2, "count": 1}],
			value_of_goods=900,
			description_of_content="Agreement",
		)

	def tearDown(self):
		delete_shipment(self.shipment)

	def test_quote_buy_track_cancel(self):
		quote = shipment_actions.get_rates(self.shipment)
		self.assertEqual(quote["errors"], [])
		self.assertEqual(
			[(r["service"], r["amount"], r["currency"]) for r in quote["rates"]][0],
			("Delhivery Surface", "94.0", "INR"),
		)
		result = buy(self.shipment, ACCOUNT)
		self.assertTrue(result["created"])
		order = next(o for o in self.fake.orders.values() if o["channel_order_id"] == self.shipment)
		awb = frappe.db.get_value("Shipment", self.shipment, "awb_number")
		self.assertEqual((order["channel_order_id"], order["awb"]), (self.shipment, awb))
		self.assertEqual(frappe.db.get_value("Shipment", self.shipment, "shipment_amount"), 94.0)
		[file] = frappe.get_all("File", {"attached_to_name": self.shipment}, pluck="file_name")
		self.assertTrue(file.endswith(".pdf"))
		# Shiprocket's webhook: the panel's token as x-api-key
		delivery = self.fake.webhook_delivery(TOKEN, awb, "OUT FOR DELIVERY", account=ACCOUNT)
		response = make_request(
			target=get_test_client().post,
			args=(f"{get_url()}{WEBHOOK}?account={ACCOUNT.replace(' ', '%20')}",),
			kwargs={"data": delivery.body, "headers": delivery.headers},
		)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
		frappe.db.commit()
		for event in frappe.get_all("Connector Event", {"account": ACCOUNT}, pluck="name"):
			processing.process_event(event)
		self.assertTrue(
			frappe.db.get_value("Shipment", self.shipment, "tracking_status_info").startswith(
				"Out for delivery"
			)
		)
		# the Track button polls
		self.fake.set_status(awb, "DELIVERED")
		shipment_actions.track(self.shipment)
		self.assertEqual(frappe.db.get_value("Shipment", self.shipment, "tracking_status"), "Delivered")
		# one login served every quote, purchase and poll of the class (the token is kept in Redis)
		self.assertEqual(self.fake.logins, 1)

	def test_cancel_and_cash_on_delivery(self):
		frappe.db.set_value("Shipment", self.shipment, "carrier_cod_amount", 900)
		frappe.db.commit()
		quote = shipment_actions.get_rates(self.shipment)
		self.assertEqual(self.fake.requests[-1].query["cod"], "1")
		self.assertEqual(quote["rates"][0]["amount"], "129.0")  # the courier's COD charge included
		buy(self.shipment, ACCOUNT)
		order = next(o for o in self.fake.orders.values() if o["channel_order_id"] == self.shipment)
		self.assertEqual((order["sent"]["payment_method"], order["sent"]["sub_total"]), ("COD", 900))
		self.assertEqual(shipment_actions.void_label(self.shipment)["state"], "voided")
		self.assertEqual(order["status"], "CANCELED")
		self.assertEqual(frappe.db.get_value("Shipment", self.shipment, "awb_number"), "")
		self.assertEqual(self.fake.violations, [])
