"""DHL Parcel DE from the Carrier Account form: flat rates (DHL has no rate API) and a label from the fake."""

import frappe
from frappe.tests.utils import FrappeTestCase

from erp_connectors.shipping_connector import shipment_actions
from erp_connectors.shipping_connector.bench_fixtures import (
	OnlyTheseAccounts,
	address,
	carrier_account,
	delete_shipment,
	make_shipment,
)
from erp_connectors.testing.fake_carriers.dhl import FakeDhl

ACCOUNT = "DHL Bench"


class TestDhlAccount(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.dhl = FakeDhl().start()
		cls.only_these = OnlyTheseAccounts().__enter__()
		carrier_account(
			ACCOUNT,
			"DHL Parcel DE",
			api_key=cls.dhl.api_key,
			username=cls.dhl.login[0],
			password=cls.dhl.login[1],
			billing_number="33333333330102",
			base_url=cls.dhl.shipping_url,
			tracking_base_url=cls.dhl.url,
			flat_rates=[
				{
					"product": "V01PAK",
					"service": "DHL Paket",
					"amount": 5.49,
					"currency": "EUR",
					"max_weight_kg": 31.5,
					"transit_days": 2,
				},
				{
					"product": "V62KP",
					"service": "Warenpost",
					"amount": 3.99,
					"currency": "EUR",
					"max_weight_kg": 1,
					"transit_days": 2,
				},
			],
		)

	@classmethod
	def tearDownClass(cls):
		cls.dhl.stop()
		cls.only_these.__exit__()
		frappe.db.delete("Connector Link", {"account": ACCOUNT})
		frappe.db.commit()
		super().tearDownClass()

	def test_flat_rates_respect_weight_and_a_label_is_bought(self):
		german = {"line1": "Sträßchensweg 10", "state": None, "country": "Germany"}
		name = make_shipment(
			address("DHL Lager", city="Bonn", pincode="53113", **german),
			address("DHL Kunde", city="Köln", pincode="50667", **german),
			shipment_parcel=[{"length": 30, "width": 20, "height": 10, "weight": 2.5, "count": 1}],
			value_of_goods=80,
			description_of_content="Bücher",
		)
		try:
			quote = shipment_actions.get_rates(name)
			self.assertEqual(quote["errors"], [])
			# 2.5 kg is over Warenpost's 1 kg: only DHL Paket is offered
			self.assertEqual([(r["service"], r["amount"]) for r in quote["rates"]], [("DHL Paket", "5.49")])
			result = shipment_actions.buy_label(name, quote["rates"][0]["quote"])
			self.assertTrue(result["created"])
			self.assertTrue(frappe.db.get_value("Shipment", name, "awb_number"))
			self.assertEqual(frappe.db.count("File", {"attached_to_name": name, "is_private": 1}), 1)
		finally:
			delete_shipment(name)
