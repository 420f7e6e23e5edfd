"""DHL Parcel DE from the Carrier Account form: flat rates (DHL has no rate API) and a label from the fake."""

import json

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, nowdate

from erp_connectors.shipping_connector import shipment_actions
from erp_connectors.testing.fake_carriers.dhl import FakeDhl

ACCOUNT = "DHL Bench"


def address(title, city, pincode):
	name = frappe.db.get_value("Address", {"address_title": title})
	return (
		name
		or frappe.get_doc(
			{
				"doctype": "Address",
				"address_title": title,
				"address_type": "Shipping",
				"address_line1": "Sträßchensweg 10",
				"city": city,
				"pincode": pincode,
				"country": "Germany",
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


class TestDhlAccount(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.dhl = FakeDhl().start()
		cls.others = frappe.get_all("Carrier Account", filters={"enabled": 1}, pluck="name")
		for name in cls.others:
			frappe.db.set_value("Carrier Account", name, "enabled", 0)
		if frappe.db.exists("Carrier Account", ACCOUNT):
			frappe.delete_doc("Carrier Account", ACCOUNT, force=True, ignore_permissions=True)
		frappe.get_doc(
			{
				"doctype": "Carrier Account",
				"account_name": ACCOUNT,
				"provider": "DHL Parcel DE",
				"company": "Test Company",
				"api_key": cls.dhl.api_key,
				"username": cls.dhl.login[0],
				"password": cls.dhl.login[1],
				"billing_number": "33333333330102",
				"base_url": cls.dhl.shipping_url,
				"tracking_base_url": cls.dhl.url,
				"flat_rates": [
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
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		cls.dhl.stop()
		for name in cls.others:
			frappe.db.set_value("Carrier Account", name, "enabled", 1)
		frappe.db.delete("Connector Link", {"account": ACCOUNT})
		frappe.db.commit()
		super().tearDownClass()

	def test_flat_rates_respect_weight_and_a_label_is_bought(self):
		shipment = frappe.get_doc(
			{
				"doctype": "Shipment",
				"pickup_from_type": "Company",
				"pickup_company": "Test Company",
				"pickup_address_name": address("DHL Lager", "Bonn", "53113"),
				"delivery_to_type": "Company",
				"delivery_company": "Test Company",
				"delivery_address_name": address("DHL Kunde", "Köln", "50667"),
				"shipment_parcel": [{"length": 30, "width": 20, "height": 10, "weight": 2.5, "count": 1}],
				"value_of_goods": 80,
				"pickup_date": add_days(nowdate(), 1),
				"pickup_from": "09:00",
				"pickup_to": "17:00",
				"description_of_content": "Bücher",
			}
		).insert(ignore_permissions=True)
		shipment.submit()
		frappe.db.commit()
		try:
			quote = shipment_actions.get_rates(shipment.name)
			self.assertEqual(quote["errors"], [])
			# 2.5 kg is over Warenpost's 1 kg: only DHL Paket is offered
			self.assertEqual([(r["service"], r["amount"]) for r in quote["rates"]], [("DHL Paket", "5.49")])
			result = shipment_actions.buy_label(shipment.name, json.dumps(quote["rates"][0]))
			self.assertTrue(result["created"])
			self.assertTrue(frappe.db.get_value("Shipment", shipment.name, "awb_number"))
			self.assertEqual(frappe.db.count("File", {"attached_to_name": shipment.name, "is_private": 1}), 1)
		finally:
			frappe.db.delete("File", {"attached_to_name": shipment.name})
			frappe.db.delete("Shipment Parcel", {"parent": shipment.name})
			frappe.db.delete("Shipment", {"name": shipment.name})
			frappe.db.commit()
