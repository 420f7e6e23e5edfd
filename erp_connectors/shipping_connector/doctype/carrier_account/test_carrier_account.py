"""Carrier tracking webhooks through the real WSGI endpoint into an ERPNext Shipment."""

import frappe
from frappe.tests.test_api import make_request
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_test_client, get_url

from erp_connectors.connectors import processing
from erp_connectors.connectors.frappe_gateway import FrappeGateway
from erp_connectors.connectors.gateway import AccountRef
from erp_connectors.shipping_connector.bench_fixtures import (
	address,
	carrier_account,
	delete_shipment,
	make_shipment,
)
from erp_connectors.shipping_connector.sync import TRACKING
from erp_connectors.testing.fake_carriers.easypost import FakeEasyPost

ACCOUNT = "EasyPost Bench"
SECRET = "whsec_easypost_bench_77"
TRACKING_CODE = "EZ4000000004"
WEBHOOK_PATH = "/api/method/erp_connectors.shipping_connector.integration.webhook"
CLIENT = get_test_client()


def post(delivery):
	url = f"{get_url()}{WEBHOOK_PATH}?account={ACCOUNT.replace(' ', '%20')}"
	return make_request(
		target=CLIENT.post, args=(url,), kwargs={"data": delivery.body, "headers": delivery.headers}
	)


def events():
	return frappe.get_all("Connector Event", filters={"source": "Carrier", "account": ACCOUNT}, fields=["*"])


class TestCarrierTrackingWebhook(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		if not frappe.db.exists("Carrier Account", ACCOUNT):
			carrier_account(ACCOUNT, "EasyPost", api_key="EZTK_bench_key", webhook_secret=SECRET)

	def setUp(self):
		self.cleanup()
		self.shipment = make_shipment(address("Bench Warehouse"), address("Bench Customer"))
		frappe.db.set_value(
			"Shipment", self.shipment, {"awb_number": TRACKING_CODE, "carrier": "USPS", "status": "Booked"}
		)
		FrappeGateway().add_link(
			AccountRef("Carrier Account", ACCOUNT), TRACKING, TRACKING_CODE, "Shipment", self.shipment
		)
		frappe.db.commit()

	def tearDown(self):
		self.cleanup()

	def cleanup(self):
		frappe.db.delete("Connector Event", {"source": "Carrier", "account": ACCOUNT})
		frappe.db.delete("Connector Link", {"account": ACCOUNT})
		for name in frappe.get_all("Shipment", filters={"awb_number": TRACKING_CODE}, pluck="name"):
			delete_shipment(name)
		frappe.db.commit()

	def test_signed_tracker_update_moves_the_shipment_to_delivered(self):
		fake = FakeEasyPost()
		response = post(
			fake.webhook_delivery(SECRET, status="delivered", tracking_code=TRACKING_CODE, account=ACCOUNT)
		)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
		(event,) = events()
		processing.process_event(event.name)
		event = frappe.get_doc("Connector Event", event.name)
		self.assertEqual(event.status, "Processed", event.last_error)
		self.assertEqual((event.reference_doctype, event.reference_name), ("Shipment", self.shipment))
		shipment = frappe.db.get_value("Shipment", self.shipment, ["tracking_status", "status"], as_dict=True)
		self.assertEqual((shipment.tracking_status, shipment.status), ("Delivered", "Completed"))

	def test_redelivery_and_a_stale_update_change_nothing(self):
		fake = FakeEasyPost()
		delivered = fake.webhook_delivery(
			SECRET, status="delivered", tracking_code=TRACKING_CODE, account=ACCOUNT
		)
		self.assertEqual(post(delivered).status_code, 200)
		self.assertEqual(post(delivered).json["message"], "duplicate")
		stale = fake.webhook_delivery(
			SECRET, status="in_transit", tracking_code=TRACKING_CODE, account=ACCOUNT
		)
		self.assertEqual(post(stale).status_code, 200)
		for event in sorted(events(), key=lambda e: e.creation):
			processing.process_event(event.name)
		self.assertEqual(len(events()), 2)
		self.assertEqual(frappe.db.get_value("Shipment", self.shipment, "tracking_status"), "Delivered")

	def test_bad_signature_is_rejected_with_nothing_stored(self):
		fake = FakeEasyPost()
		forged = fake.webhook_delivery(
			"not-the-secret", status="delivered", tracking_code=TRACKING_CODE, account=ACCOUNT
		)
		response = post(forged)
		self.assertEqual(response.status_code, 401)
		self.assertEqual(events(), [])
		self.assertNotEqual(frappe.db.get_value("Shipment", self.shipment, "tracking_status"), "Delivered")
