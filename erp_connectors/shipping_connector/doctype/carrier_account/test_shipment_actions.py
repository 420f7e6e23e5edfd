"""Get Rates and Buy Label on a real ERPNext Shipment, against fake EasyPost and Shippo on 127.0.0.1."""

import json

import frappe
from frappe.tests.test_api import make_request
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, get_test_client, get_url, nowdate

from erp_connectors.connectors import processing
from erp_connectors.shipping_connector import shipment_actions
from erp_connectors.testing.fake_carriers.easypost import FakeEasyPost
from erp_connectors.testing.fake_carriers.shippo import FakeShippo

EASYPOST, SHIPPO = "EasyPost Rates Bench", "Shippo Rates Bench"


def address(title, line1, city, state, pincode):
	name = frappe.db.get_value("Address", {"address_title": title})
	if name:
		return name
	doc = {
		"doctype": "Address",
		"address_title": title,
		"address_type": "Shipping",
		"address_line1": line1,
		"city": city,
		"state": state,
		"pincode": pincode,
		"country": "United States",
		"phone": "5555550100",
	}
	return frappe.get_doc(doc).insert(ignore_permissions=True).name


def carrier_account(name, provider, key, url):
	if frappe.db.exists("Carrier Account", name):
		frappe.delete_doc("Carrier Account", name, force=True, ignore_permissions=True)
	frappe.get_doc(
		{
			"doctype": "Carrier Account",
			"account_name": name,
			"provider": provider,
			"company": "Test Company",
			"api_key": key,
			"webhook_secret": "whsec_x",
			"base_url": url,
			"test_mode": 1,
		}
	).insert(ignore_permissions=True)


class TestShipmentRatesAndLabels(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.easypost = FakeEasyPost(api_key="EZTK_bench_rates").start()
		cls.shippo = FakeShippo(token="shippo_test_bench_rates").start()
		# Accounts of other tests must not join these rate requests.
		cls.disabled = frappe.get_all("Carrier Account", filters={"enabled": 1}, pluck="name")
		for name in cls.disabled:
			frappe.db.set_value("Carrier Account", name, "enabled", 0)
		carrier_account(EASYPOST, "EasyPost", "EZTK_bench_rates", f"{cls.easypost.url}/v2")
		carrier_account(SHIPPO, "Shippo", "shippo_test_bench_rates", cls.shippo.url)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		cls.easypost.stop()
		cls.shippo.stop()
		for name in cls.disabled:
			frappe.db.set_value("Carrier Account", name, "enabled", 1)
		frappe.db.delete("Connector Link", {"account": ("in", [EASYPOST, SHIPPO])})
		frappe.db.commit()
		super().tearDownClass()

	def setUp(self):
		shipment = frappe.get_doc(
			{
				"doctype": "Shipment",
				"pickup_from_type": "Company",
				"pickup_company": "Test Company",
				"pickup_address_name": address(
					"Rates Warehouse", "417 Montgomery Street", "San Francisco", "CA", "94104"
				),
				"delivery_to_type": "Company",
				"delivery_company": "Test Company",
				"delivery_address_name": address(
					"Rates Customer", "179 N Harbor Dr", "Redondo Beach", "CA", "90277"
				),
				"shipment_parcel": [{"length": 20, "width": 15, "height": 10, "weight": 1.5, "count": 1}],
				"value_of_goods": 120,
				"pickup_date": add_days(nowdate(), 1),
				"pickup_from": "09:00",
				"pickup_to": "17:00",
				"description_of_content": "Bench test parcel",
			}
		).insert(ignore_permissions=True)
		shipment.submit()
		frappe.db.commit()
		self.shipment = shipment.name

	def tearDown(self):
		frappe.db.delete("File", {"attached_to_doctype": "Shipment", "attached_to_name": self.shipment})
		frappe.db.delete("Shipment Parcel", {"parent": self.shipment})
		frappe.db.delete("Shipment", {"name": self.shipment})
		frappe.db.delete("Connector Link", {"reference_name": self.shipment})
		frappe.db.commit()

	def test_rates_from_two_accounts_sorted_by_price_with_transit_days(self):
		quote = shipment_actions.get_rates(self.shipment)
		self.assertEqual(quote["errors"], [])
		accounts = {rate["account"] for rate in quote["rates"]}
		self.assertEqual(accounts, {EASYPOST, SHIPPO})
		amounts = [float(rate["amount"]) for rate in quote["rates"]]
		self.assertEqual(amounts, sorted(amounts))
		self.assertTrue(any(rate["transit_days"] is not None for rate in quote["rates"]))

	def test_buy_label_attaches_private_file_and_sets_tracking_once(self):
		quote = shipment_actions.get_rates(self.shipment)
		rate = next(r for r in quote["rates"] if r["account"] == EASYPOST)
		purchases_before = self.easypost.purchases
		first = shipment_actions.buy_label(self.shipment, json.dumps(rate))
		second = shipment_actions.buy_label(
			self.shipment, json.dumps(rate)
		)  # a double click or a retried job
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
		quote = shipment_actions.get_rates(self.shipment)
		rate = next(r for r in quote["rates"] if r["account"] == EASYPOST)
		awb = shipment_actions.buy_label(self.shipment, json.dumps(rate))["values"]["awb_number"]
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
		first = shipment_actions.buy_label(self.shipment, json.dumps(rate))["values"]["awb_number"]
		shipment_actions.void_label(self.shipment)
		self.assertEqual(frappe.db.get_value("Shipment", self.shipment, "awb_number"), "")
		# a stale rate from before the void must not hand the voided label back as new
		with self.assertRaises(frappe.ValidationError):
			shipment_actions.buy_label(self.shipment, json.dumps(rate))
		fresh = shipment_actions.get_rates(self.shipment)
		rate = next(r for r in fresh["rates"] if r["account"] == EASYPOST)
		second = shipment_actions.buy_label(self.shipment, json.dumps(rate))
		self.assertTrue(second["created"])
		self.assertTrue(first)
		self.assertEqual(
			self.easypost.purchases, purchases_before + 2
		)  # voiding freed the slot for a new label
		back = shipment_actions.get_rates(self.shipment, is_return=1)
		back_rate = next(r for r in back["rates"] if r["account"] == EASYPOST)
		self.assertTrue(
			shipment_actions.buy_label(self.shipment, json.dumps(back_rate), is_return=1)["created"]
		)
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
		quote = shipment_actions.get_rates(self.shipment)
		rate = next(r for r in quote["rates"] if r["account"] == EASYPOST)
		shipment_actions.buy_label(self.shipment, json.dumps(rate))
		awb = frappe.db.get_value("Shipment", self.shipment, "awb_number")
		# A day without news: the poll asks the carrier (the fake reports this test code delivered).
		frappe.db.sql(
			"update `tabShipment` set awb_number='EZ4000000004', modified=%s where name=%s",
			(add_days(nowdate(), -2), self.shipment),
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
