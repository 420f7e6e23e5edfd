"""Parcels, customs and thermal labels on a real ERPNext Shipment, through contract-checked fakes.

A two-parcel Shipment from Bonn to California bought through EasyPost gets two labels and two
tracking numbers, its customs declaration built from the Delivery Note's lines (each Item's tariff
number and origin) and checked by the fake against EasyPost's recorded traffic; a tracking webhook
for parcel 2 moves only parcel 2; one parcel can be voided alone. DHL and EasyPost accounts set to
ZPL attach the carrier's own ZPL file.
"""

from contextlib import contextmanager

import frappe
from frappe.tests.test_api import make_request
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_test_client, get_url

from erp_connectors.connectors import processing
from erp_connectors.shipping_connector import shipment_actions
from erp_connectors.shipping_connector.bench_fixtures import (
	GERMAN,
	OnlyTheseAccounts,
	address,
	buy,
	carrier_account,
	customs_item,
	delete_delivery_notes_and_items,
	delete_shipment,
	delivery_note,
	make_shipment,
)
from erp_connectors.testing.fake_carriers.dhl import FakeDhl
from erp_connectors.testing.fake_carriers.easypost import FakeEasyPost

EASYPOST, EASYPOST_ZPL, DHL_ZPL = "EasyPost Parcels Bench", "EasyPost ZPL Bench", "DHL ZPL Bench"
SECRET = "whsec_parcels_bench"
TWO_PARCELS = [{"length": 20, "width": 15, "height": 10, "weight": 0.6, "count": 1}] * 2


class TestParcelsCustomsZpl(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.easypost = FakeEasyPost(api_key="EZTK_parcels").start()
		cls.dhl = FakeDhl().start()
		cls.only_these = OnlyTheseAccounts().__enter__()
		ep = {"api_key": "EZTK_parcels", "base_url": f"{cls.easypost.url}/v2", "webhook_secret": SECRET}
		carrier_account(EASYPOST, "EasyPost", **ep)
		carrier_account(EASYPOST_ZPL, "EasyPost", label_format="ZPL", enabled=0, **ep)
		carrier_account(
			DHL_ZPL,
			"DHL Parcel DE",
			label_format="ZPL",
			enabled=0,
			api_key=cls.dhl.api_key,
			username=cls.dhl.login[0],
			password=cls.dhl.login[1],
			billing_number="33333333330102",
			base_url=cls.dhl.shipping_url,
			tracking_base_url=cls.dhl.url,
			flat_rates=[{"product": "V01PAK", "service": "DHL Paket", "amount": 5.49, "currency": "EUR"}],
		)
		customs_item("CUSTOMS-TSHIRT", tariff="6109.10.00", origin="Portugal", weight=0.2)
		customs_item("CUSTOMS-MUG", tariff="6912.00.21", origin="China", weight=0.35)
		customs_item("CUSTOMS-NO-HS", tariff=None, origin="China", weight=0.1)
		cls.notes = []
		cls.note = cls.deliver(
			"Customs Bench Customer", [("CUSTOMS-TSHIRT", 2, 19.90), ("CUSTOMS-MUG", 1, 12.50)]
		)
		cls.bonn = address("Parcels Lager", "Sträßchensweg 10", "Bonn", pincode="53113", **GERMAN)
		cls.koeln = address("Parcels Kunde", "Domkloster 4", "Köln", pincode="50667", **GERMAN)
		cls.california = address("Parcels Customer", "179 N Harbor Dr", "Redondo Beach", "CA", "90277")
		cls.san_francisco = address(
			"Parcels Warehouse", "417 Montgomery Street", "San Francisco", "CA", "94104"
		)

	@classmethod
	def tearDownClass(cls):
		cls.easypost.stop()
		cls.dhl.stop()
		cls.only_these.__exit__()
		for name in (EASYPOST, EASYPOST_ZPL, DHL_ZPL):
			frappe.db.delete("Connector Link", {"account": name})
			frappe.db.delete("Connector Event", {"account": name})
			frappe.delete_doc("Carrier Account", name, force=True, ignore_permissions=True)
		delete_delivery_notes_and_items(cls.notes, ["CUSTOMS-TSHIRT", "CUSTOMS-MUG", "CUSTOMS-NO-HS"])
		super().tearDownClass()

	@classmethod
	def deliver(cls, *args):
		cls.notes.append(delivery_note(*args))
		return cls.notes[-1]

	def setUp(self):
		self.shipments = []

	def tearDown(self):
		for name in self.shipments:
			delete_shipment(name)

	def shipment(self, pickup, delivery, **values) -> str:
		name = make_shipment(pickup, delivery, **values)
		self.shipments.append(name)
		return name

	def international(self, note=None) -> str:
		return self.shipment(
			self.bonn,
			self.california,
			shipment_parcel=TWO_PARCELS,
			shipment_delivery_note=[{"delivery_note": note or self.note}],
			incoterm="DAP",
		)

	def rows(self, name):
		return frappe.get_all(
			"Shipment Parcel",
			{"parent": name},
			["name", "carrier_tracking_number", "carrier_tracking_status", "carrier_label", "idx"],
			order_by="idx",
		)

	def test_two_parcels_de_to_us_through_easypost_two_labels_two_numbers_customs_validated(self):
		name = self.international()
		result = buy(name, EASYPOST)
		self.assertTrue(result["created"])
		self.assertEqual(result["label_failures"], [])
		first, second = self.rows(name)
		self.assertNotEqual(first.carrier_tracking_number, second.carrier_tracking_number)
		self.assertTrue(first.carrier_label and second.carrier_label)
		self.assertEqual(frappe.db.get_value("Shipment", name, "awb_number"), first.carrier_tracking_number)
		# EasyPost got a shipment per parcel, each with its part of the declaration from the Delivery Note
		bought = [
			s for s in self.easypost.shipments.values() if s.get("reference", "").startswith(f"{name}/")
		]
		declared = {
			(item["hs_tariff_number"], item["origin_country"], item["quantity"])
			for shipment in bought
			if shipment.get("postage_label")
			for item in shipment["customs_info"]["customs_items"]
		}
		self.assertEqual(declared, {("61091000", "PT", 2), ("69120021", "CN", 1)})
		self.assertEqual(self.easypost.violations, [])
		kinds = frappe.get_all("Carrier Label", {"shipment": name}, pluck="kind", order_by="kind")
		self.assertEqual(kinds, ["Commercial Invoice", "Commercial Invoice", "Label", "Label"])
		self.assertEqual(frappe.db.count("File", {"attached_to_name": name}), 4)

	def test_a_tracking_webhook_for_parcel_2_moves_only_parcel_2(self):
		name = self.international()
		buy(name, EASYPOST)
		first, second = self.rows(name)
		delivery = self.easypost.webhook_delivery(
			SECRET, status="delivered", tracking_code=second.carrier_tracking_number, account=EASYPOST
		)
		url = f"{get_url()}/api/method/erp_connectors.shipping_connector.integration.webhook?account={EASYPOST.replace(' ', '%20')}"
		response = make_request(
			target=get_test_client().post,
			args=(url,),
			kwargs={"data": delivery.body, "headers": delivery.headers},
		)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
		frappe.db.commit()  # end this transaction's snapshot: the request committed the event on its own
		for event in frappe.get_all("Connector Event", {"account": EASYPOST}, pluck="name"):
			processing.process_event(event)
			state = frappe.db.get_value("Connector Event", event, ["status", "last_error"], as_dict=True)
			self.assertEqual(state.status, "Processed", state.last_error)
		first, second = self.rows(name)
		self.assertEqual(
			(first.carrier_tracking_status, second.carrier_tracking_status), ("In Progress", "Delivered")
		)
		shipment = frappe.db.get_value(
			"Shipment", name, ["tracking_status", "tracking_status_info", "status"], as_dict=True
		)
		self.assertEqual(
			(shipment.tracking_status, shipment.tracking_status_info, shipment.status),
			("In Progress", "1 of 2 parcels delivered", "Booked"),
		)

	def test_one_parcel_is_voided_alone(self):
		name = self.international()
		buy(name, EASYPOST)
		first, second = self.rows(name)
		result = shipment_actions.void_label(name, parcel=first.name)
		self.assertEqual(
			(result["voided"], result["kept"]),
			([first.carrier_tracking_number], [second.carrier_tracking_number]),
		)
		first, second = self.rows(name)
		self.assertEqual(
			(first.carrier_tracking_status, second.carrier_tracking_status), ("Voided", "In Progress")
		)
		self.assertEqual(frappe.db.get_value("Shipment", name, "awb_number"), second.carrier_tracking_number)

	def test_a_missing_tariff_number_holds_naming_the_item_and_field(self):
		note = self.deliver("Customs Bench Customer", [("CUSTOMS-NO-HS", 1, 5)])
		name = self.international(note)
		with self.assertRaisesRegex(
			frappe.ValidationError, "Item CUSTOMS-NO-HS has no Customs Tariff Number"
		):
			shipment_actions.get_rates(name)
		preview = shipment_actions.customs_preview(name)
		self.assertTrue(preview["needed"])
		self.assertIn("CUSTOMS-NO-HS", preview["problem"])

	def test_a_row_counting_two_parcels_becomes_two_rows_with_a_label_each(self):
		name = self.shipment(
			self.san_francisco,
			self.california,
			shipment_parcel=[{"length": 20, "width": 15, "height": 10, "weight": 1.5, "count": 2}],
		)
		buy(name, EASYPOST)
		rows = self.rows(name)
		self.assertEqual([row.idx for row in rows], [1, 2])
		self.assertEqual(len({row.carrier_tracking_number for row in rows}), 2)

	def test_zpl_from_dhl_and_easypost_is_the_carriers_own_file(self):
		with self.enabled(DHL_ZPL):
			name = self.shipment(self.bonn, self.koeln)
			buy(name, DHL_ZPL)
			self.assert_zpl(name)
		with self.enabled(EASYPOST_ZPL):
			name = self.shipment(self.san_francisco, self.california)
			buy(name, EASYPOST_ZPL)
			self.assert_zpl(name)

	def assert_zpl(self, name):
		[file] = frappe.get_all("File", {"attached_to_name": name}, ["name", "file_name"])
		self.assertTrue(file.file_name.endswith(".zpl"), file.file_name)
		content = frappe.get_doc("File", file.name).get_content()
		content = content if isinstance(content, bytes) else content.encode()
		self.assertTrue(content.startswith(b"^XA") and content.rstrip().endswith(b"^XZ"), content[:40])

	@contextmanager
	def enabled(self, account):
		"""Only `account` quotes for the duration."""
		frappe.db.set_value("Carrier Account", EASYPOST, "enabled", 0)
		frappe.db.set_value("Carrier Account", account, "enabled", 1)
		frappe.db.commit()
		try:
			yield
		finally:
			frappe.db.set_value("Carrier Account", account, "enabled", 0)
			frappe.db.set_value("Carrier Account", EASYPOST, "enabled", 1)
			frappe.db.commit()
