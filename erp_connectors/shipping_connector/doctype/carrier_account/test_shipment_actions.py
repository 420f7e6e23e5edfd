"""Get Rates and Buy Label on a real ERPNext Shipment, against fake EasyPost and Shippo on 127.0.0.1."""

import json

import frappe
from frappe.tests.test_api import make_request
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, get_test_client, get_url, nowdate

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
from erp_connectors.testing.fake_carriers.easypost import FakeEasyPost
from erp_connectors.testing.fake_carriers.shippo import FakeShippo

EASYPOST, SHIPPO = "EasyPost Rates Bench", "Shippo Rates Bench"


class TestShipmentRatesAndLabels(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.easypost = FakeEasyPost(api_key="EZTK_bench_rates").start()
		cls.shippo = FakeShippo(token="shippo_test_bench_rates").start()
		cls.only_these = OnlyTheseAccounts().__enter__()  # other tests' accounts must not quote here
		common = {"webhook_secret": "whsec_x", "test_mode": 1}
		carrier_account(
			EASYPOST, "EasyPost", api_key="EZTK_bench_rates", base_url=f"{cls.easypost.url}/v2", **common
		)
		carrier_account(
			SHIPPO, "Shippo", api_key="shippo_test_bench_rates", base_url=cls.shippo.url, **common
		)

	@classmethod
	def tearDownClass(cls):
		cls.easypost.stop()
		cls.shippo.stop()
		cls.only_these.__exit__()
		frappe.db.delete("Connector Link", {"account": ("in", [EASYPOST, SHIPPO])})
		frappe.db.commit()
		super().tearDownClass()

	def setUp(self):
		self.shipment = make_shipment(
			address("Rates Warehouse", "417 Montgomery Street", "San Francisco", "CA", "94104"),
			address("Rates Customer", "179 N Harbor Dr", "Redondo Beach", "CA", "90277"),
		)

	def tearDown(self):
		delete_shipment(self.shipment)

	def test_rates_from_two_accounts_sorted_by_price_with_transit_days(self):
		quote = shipment_actions.get_rates(self.shipment)
		self.assertEqual(quote["errors"], [])
		accounts = {rate["account"] for rate in quote["rates"]}
		self.assertEqual(accounts, {EASYPOST, SHIPPO})
		amounts = [float(rate["amount"]) for rate in quote["rates"]]
		self.assertEqual(amounts, sorted(amounts))
		self.assertTrue(any(rate["transit_days"] is not None for rate in quote["rates"]))
		# The browser sees a quote's name and what to show; the carrier's ids stay on the server.
		shown = set().union(*(rate.keys() for rate in quote["rates"]))
		self.assertNotIn("rate_id", shown)
		self.assertNotIn("provider_shipment_id", shown)
		stored = frappe.get_doc("Carrier Quote", quote["rates"][0]["quote"])
		self.assertEqual((stored.shipment, stored.company), (self.shipment, "Test Company"))
		self.assertIn("rate_id", json.loads(stored.rate))

	def test_buy_label_attaches_private_file_and_sets_tracking_once(self):
		quote = shipment_actions.get_rates(self.shipment)
		rate = next(r for r in quote["rates"] if r["account"] == EASYPOST)
		purchases_before = self.easypost.purchases
		first = shipment_actions.buy_label(self.shipment, rate["quote"])
		second = shipment_actions.buy_label(self.shipment, rate["quote"])  # a double click or a retried job
		self.assertTrue(first["created"])
		self.assertFalse(second["created"])
		self.assertEqual(self.easypost.purchases, purchases_before + 1)
		shipment = frappe.get_doc("Shipment", self.shipment)
		self.assertTrue(shipment.awb_number)
		self.assertEqual(shipment.awb_number, first["values"]["awb_number"])
		self.assertEqual((shipment.carrier, shipment.status), (first["values"]["carrier"], "Booked"))
		files = frappe.get_all(
			"File",
			filters={"attached_to_doctype": "Shipment", "attached_to_name": self.shipment},
			fields=["is_private", "file_size"],
		)
		self.assertEqual(len(files), 1)
		self.assertEqual(files[0].is_private, 1)
		self.assertGreater(files[0].file_size, 0)

	def test_rates_buy_then_signed_webhook_moves_it_to_delivered(self):
		awb = buy(self.shipment, EASYPOST)["values"]["awb_number"]
		delivery = self.easypost.webhook_delivery(
			"whsec_x", status="delivered", tracking_code=awb, account=EASYPOST
		)
		url = f"{get_url()}/api/method/erp_connectors.shipping_connector.integration.webhook?account={EASYPOST.replace(' ', '%20')}"
		response = make_request(
			target=get_test_client().post,
			args=(url,),
			kwargs={"data": delivery.body, "headers": delivery.headers},
		)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
		(event,) = frappe.get_all("Connector Event", filters={"account": EASYPOST}, pluck="name")
		processing.process_event(event)
		self.assertEqual(frappe.db.get_value("Connector Event", event, "status"), "Processed")
		self.assertEqual(frappe.db.get_value("Shipment", self.shipment, "tracking_status"), "Delivered")
		frappe.db.delete("Connector Event", {"account": EASYPOST})
		frappe.db.commit()

	def test_void_then_buy_again_and_a_return_label(self):
		quote = shipment_actions.get_rates(self.shipment)
		rate = next(r for r in quote["rates"] if r["account"] == EASYPOST)
		purchases_before = self.easypost.purchases
		first = shipment_actions.buy_label(self.shipment, rate["quote"])["values"]["awb_number"]
		shipment_actions.void_label(self.shipment)
		self.assertEqual(frappe.db.get_value("Shipment", self.shipment, "awb_number"), "")
		# the quote bought before the void is spent: it is quoted again, never the voided label handed back
		again = shipment_actions.buy_label(self.shipment, rate["quote"])
		self.assertFalse(again["created"])
		self.assertTrue(again["requoted"]["rates"])
		self.assertEqual(self.easypost.purchases, purchases_before + 1)
		rate = next(r for r in again["requoted"]["rates"] if r["account"] == EASYPOST)
		second = shipment_actions.buy_label(self.shipment, rate["quote"])
		self.assertTrue(second["created"])
		self.assertTrue(first)
		self.assertEqual(
			self.easypost.purchases, purchases_before + 2
		)  # voiding freed the slot for a new label
		self.assertTrue(buy(self.shipment, EASYPOST, is_return=1)["created"])
		# the outbound label stays on the Shipment; the return label is attached beside it
		self.assertEqual(
			frappe.db.get_value("Shipment", self.shipment, "awb_number"), second["values"]["awb_number"]
		)
		self.assertEqual(
			frappe.db.count(
				"File", {"attached_to_name": self.shipment, "file_name": ("like", "%return-label%")}
			),
			1,
		)

	def test_hourly_poll_refreshes_a_silent_label(self):
		buy(self.shipment, EASYPOST)
		awb = frappe.db.get_value("Shipment", self.shipment, "awb_number")
		# A day without news: the poll asks the carrier (the fake reports this test code delivered).
		frappe.db.sql(
			"update `tabShipment` set awb_number='EZ4000000004', modified=%s where name=%s",
			(add_days(nowdate(), -2), self.shipment),
		)
		frappe.db.sql(
			"update `tabShipment Parcel` set carrier_tracking_number='EZ4000000004' where parent=%s",
			self.shipment,
		)
		frappe.db.set_value(
			"Connector Link", {"remote_id": awb, "reference_name": self.shipment}, "remote_id", "EZ4000000004"
		)
		frappe.db.commit()
		self.assertGreaterEqual(shipment_actions.poll_tracking(), 1)
		self.assertEqual(frappe.db.get_value("Shipment", self.shipment, "tracking_status"), "Delivered")

	def test_carrier_error_reaches_the_user_verbatim(self):
		self.easypost.inject("status", status=401)
		quote = shipment_actions.get_rates(self.shipment)
		errors = {error["account"]: error for error in quote["errors"]}
		self.assertIn(EASYPOST, errors)
		self.assertIn("Injected 401", errors[EASYPOST]["message"])  # the fake's own error text
		self.assertNotIn("KeyError", json.dumps(quote))
		self.assertTrue(all(rate["account"] == SHIPPO for rate in quote["rates"]))
