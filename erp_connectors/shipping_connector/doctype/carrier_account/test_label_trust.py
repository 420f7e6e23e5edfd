"""A price the server trusts and exactly one purchase (security review H2, M2), on a real bench.

Buy Label takes only a stored quote's name: a quote of another Shipment, of another company's or a
disabled account, is refused; the price recorded is the one EasyPost confirmed; a stale quote is
quoted again. Four Stock Managers' clicks at once buy once; a label whose download fails is
recorded, and Retry Label Download completes it without buying again.
"""

import json

import frappe
from frappe.share import add_docshare as share
from frappe.tests.test_api import make_request
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_to_date, get_test_client, get_url, now_datetime

from erp_connectors.connectors.bench_fixtures import ensure_customer, race
from erp_connectors.shipping_connector import shipment_actions
from erp_connectors.shipping_connector.bench_fixtures import (
	GERMAN,
	OnlyTheseAccounts,
	address,
	carrier_account,
	delete_shipment,
	make_shipment,
	stock_manager,
)
from erp_connectors.testing.fake_carriers.dhl import FakeDhl
from erp_connectors.testing.fake_carriers.easypost import FakeEasyPost

OURS, THEIRS, OFF = "EasyPost Trust TC", "EasyPost Trust WP", "EasyPost Trust Off"
DHL = "DHL Trust TC"  # DHL deduplicates nothing: each order is a new, billed shipment
ACTIONS = "/api/method/erp_connectors.shipping_connector.shipment_actions"


class TestLabelTrust(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.easypost = FakeEasyPost(api_key="EZTK_trust").start()
		cls.only_these = OnlyTheseAccounts().__enter__()
		common = {"api_key": "EZTK_trust", "base_url": f"{cls.easypost.url}/v2", "test_mode": 1}
		carrier_account(OURS, "EasyPost", **common)
		carrier_account(THEIRS, "EasyPost", company="Wind Power LLC", **common)
		carrier_account(OFF, "EasyPost", **common)
		cls.dhl = FakeDhl().start()
		carrier_account(
			DHL,
			"DHL Parcel DE",
			api_key=cls.dhl.api_key,
			username=cls.dhl.login[0],
			password=cls.dhl.login[1],
			billing_number="33333333330102",
			base_url=cls.dhl.shipping_url,
			tracking_base_url=cls.dhl.url,
			flat_rates=[{"product": "V01PAK", "service": "DHL Paket", "amount": 5.49, "currency": "EUR"}],
		)
		cls.user = stock_manager()
		cls.pickup = address("Trust Warehouse", "417 Montgomery Street", "San Francisco", "CA", "94104")
		cls.delivery = address("Trust Customer", "179 N Harbor Dr", "Redondo Beach", "CA", "90277")

	@classmethod
	def tearDownClass(cls):
		frappe.set_user("Administrator")
		cls.easypost.stop()
		cls.dhl.stop()
		cls.only_these.__exit__()
		for name in (OURS, THEIRS, OFF, DHL):
			frappe.db.delete("Connector Link", {"account": name})
			frappe.delete_doc("Carrier Account", name, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()

	def setUp(self):
		frappe.set_user("Administrator")
		frappe.db.set_value("Carrier Account", OFF, "enabled", 1)
		frappe.db.commit()
		self.shipment = make_shipment(self.pickup, self.delivery)

	def tearDown(self):
		frappe.set_user("Administrator")
		delete_shipment(self.shipment)

	def quote(self, account=OURS) -> dict:
		return next(r for r in shipment_actions.get_rates(self.shipment)["rates"] if r["account"] == account)

	def forged(self, **changes) -> str:
		"""A Carrier Quote row for this Shipment as an attacker would want it (written straight to the DB)."""
		quote = frappe.get_doc("Carrier Quote", self.quote()["quote"]).as_dict()
		rate = json.loads(quote.rate)
		rate.update(changes.pop("rate", {}))
		forged = frappe.get_doc(
			{**quote, "name": frappe.generate_hash(length=10), "rate": json.dumps(rate), **changes}
		)
		forged.db_insert()
		frappe.db.commit()
		return forged.name

	def test_only_the_shipments_own_quotes_of_its_companys_enabled_accounts_buy(self):
		before = self.easypost.purchases
		other = make_shipment(self.pickup, self.delivery)
		try:
			foreign_quote = next(
				r for r in shipment_actions.get_rates(other)["rates"] if r["account"] == OURS
			)
			with self.assertRaisesRegex(frappe.PermissionError, "not one of Shipment"):
				shipment_actions.buy_label(self.shipment, foreign_quote["quote"])
		finally:
			delete_shipment(other)
		with self.assertRaisesRegex(frappe.PermissionError, "not an account of Test Company"):
			shipment_actions.buy_label(self.shipment, self.forged(account=THEIRS, rate={"account": THEIRS}))
		disabled = self.forged(account=OFF, rate={"account": OFF})
		frappe.db.set_value("Carrier Account", OFF, "enabled", 0)
		frappe.db.commit()
		with self.assertRaisesRegex(frappe.ValidationError, "is disabled"):
			shipment_actions.buy_label(self.shipment, disabled)
		with self.assertRaises(frappe.PermissionError):
			shipment_actions.buy_label(self.shipment, "no-such-quote")
		self.assertEqual(self.easypost.purchases, before)
		self.assertFalse(frappe.db.get_value("Shipment", self.shipment, "awb_number"))

	def test_the_price_recorded_is_the_one_the_carrier_confirmed(self):
		# The quote's own amount tampered with in the database, and a made-up rate in the request.
		quote = self.forged(amount=0.01, rate={"amount": "0.01"})
		made_up = json.dumps({"amount": "0.01", "account": THEIRS})
		response = self.post("buy_label", shipment=self.shipment, quote=quote, rate=made_up)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
		recorded = frappe.db.get_value(
			"Shipment", self.shipment, ["shipment_amount", "awb_number"], as_dict=True
		)
		self.assertEqual(recorded.awb_number, self.bought_tracking())
		self.assertEqual(str(recorded.shipment_amount), str(float(self.confirmed_price())))
		self.assertNotEqual(float(recorded.shipment_amount), 0.01)

	def test_rates_come_only_from_the_shipments_company_and_need_one(self):
		quoted = {rate["account"] for rate in shipment_actions.get_rates(self.shipment)["rates"]}
		self.assertIn(OURS, quoted)
		self.assertNotIn(THEIRS, quoted)  # enabled, but Wind Power LLC's
		customer = ensure_customer("Trust Customer")
		nobody = make_shipment(
			self.pickup,
			self.delivery,
			pickup_from_type="Customer",
			pickup_company=None,
			pickup_customer=customer,
			delivery_to_type="Customer",
			delivery_company=None,
			delivery_customer=customer,
		)
		try:
			with self.assertRaisesRegex(frappe.ValidationError, "names no company of ours"):
				shipment_actions.get_rates(nobody)
		finally:
			delete_shipment(nobody)

	def test_a_stale_quote_is_quoted_again_not_bought(self):
		before = self.easypost.purchases
		quote = self.quote()["quote"]
		frappe.db.set_value("Carrier Quote", quote, "expires_at", add_to_date(now_datetime(), minutes=-1))
		frappe.db.commit()
		result = shipment_actions.buy_label(self.shipment, quote)
		self.assertFalse(result["created"])
		self.assertIn("minutes old", result["message"])
		self.assertTrue(all(rate["quote"] != quote for rate in result["requoted"]["rates"]))
		self.assertEqual(self.easypost.purchases, before)

	def test_get_rates_takes_post_only_and_rates_and_track_need_write(self):
		self.assertEqual(self.get("get_rates", shipment=self.shipment).status_code, 403)
		reader = "shipment-reader@example.com"
		if not frappe.db.exists("User", reader):
			frappe.get_doc(
				{"doctype": "User", "email": reader, "first_name": "Reader", "send_welcome_email": 0}
			).insert(ignore_permissions=True)
		share("Shipment", self.shipment, reader, read=1, write=0, flags={"ignore_share_permission": 1})
		frappe.db.commit()
		frappe.set_user(reader)
		for method in (shipment_actions.get_rates, shipment_actions.track, shipment_actions.void_label):
			with self.assertRaises(frappe.PermissionError, msg=method.__name__):
				method(self.shipment)
		self.assertEqual(len(frappe.get_all("Carrier Quote", {"shipment": self.shipment})), 0)

	def test_four_simultaneous_clicks_by_a_stock_manager_buy_once(self):
		german = {"line1": "Sträßchensweg 10", **GERMAN}
		shipment = make_shipment(
			address("Trust Lager", city="Bonn", pincode="53113", **german),
			address("Trust Kunde", city="Köln", pincode="50667", **german),
		)
		try:
			quoted = shipment_actions.get_rates(shipment)
			quote = next((r for r in quoted["rates"] if r["account"] == DHL), None)
			self.assertIsNotNone(quote, quoted["errors"])
			before = self.dhl.purchases
			self.dhl.purchase_delay = 1.0  # the first buyer is still at DHL when the others click

			def click(user):
				frappe.set_user(user)
				return shipment_actions.buy_label(shipment, quote["quote"])

			try:
				results = race(click, [(self.user,)] * 4)
			finally:
				self.dhl.purchase_delay = 0
			self.assertEqual(self.dhl.purchases, before + 1)
			self.assertEqual(sorted(r["created"] for r in results), [False, False, False, True])
			self.assertEqual(len({r["values"]["awb_number"] for r in results}), 1)
			self.assertEqual(frappe.db.count("File", {"attached_to_name": shipment}), 1)
			self.assertEqual(
				frappe.db.count("Connector Link", {"reference_name": shipment, "remote_type": "label"}), 1
			)
		finally:
			delete_shipment(shipment)

	def test_a_failed_label_download_is_completed_by_retry_never_bought_again(self):
		quote = self.quote()["quote"]
		before = self.easypost.purchases
		# S3 answers 503 to every attempt (the client tries three times).
		self.easypost.inject("status", status=503, path="/files/postage_label/", times=3)
		frappe.set_user(self.user)
		first = shipment_actions.buy_label(self.shipment, quote)
		self.assertTrue(first["created"])
		self.assertIn("Injected 503", first["label_failures"][0])
		shipment = frappe.db.get_value(
			"Shipment", self.shipment, ["awb_number", "carrier_labels_pending"], as_dict=True
		)
		self.assertTrue(shipment.awb_number)
		self.assertEqual(shipment.carrier_labels_pending, 1)
		self.assertEqual(frappe.db.count("File", {"attached_to_name": self.shipment}), 0)
		# Clicking Buy again buys nothing; Retry Label Download fetches the file.
		self.assertFalse(shipment_actions.buy_label(self.shipment, quote)["created"])
		retried = shipment_actions.retry_label_download(self.shipment)
		self.assertEqual((retried["label_failures"], retried["pending"]), ([], 0))
		self.assertEqual(self.easypost.purchases, before + 1)
		self.assertEqual(frappe.db.count("File", {"attached_to_name": self.shipment}), 1)
		row = frappe.get_all(
			"Shipment Parcel", {"parent": self.shipment}, ["carrier_tracking_number", "carrier_label"]
		)[0]
		self.assertEqual(row.carrier_tracking_number, shipment.awb_number)
		self.assertTrue(row.carrier_label.startswith("/private/files/"))

	# helpers
	def bought(self) -> dict:
		"""The EasyPost shipment the fake sold for this Shipment."""
		return next(
			s
			for s in self.easypost.shipments.values()
			if s.get("postage_label") and s.get("reference") == self.shipment
		)

	def bought_tracking(self):
		return self.bought()["tracking_code"]

	def confirmed_price(self):
		return self.bought()["selected_rate"]["rate"]

	def post(self, method, **data):
		return make_request(
			target=get_test_client().post,
			args=(f"{get_url()}{ACTIONS}.{method}",),
			kwargs={"data": data, "headers": self.headers()},
		)

	def get(self, method, **query):
		return make_request(
			target=get_test_client().get,
			args=(f"{get_url()}{ACTIONS}.{method}",),
			kwargs={"query_string": query, "headers": self.headers()},
		)

	def headers(self):
		user = frappe.get_doc("User", self.user)
		user.api_key = user.api_key or frappe.generate_hash(length=15)
		user.api_secret = secret = frappe.generate_hash(length=15)
		user.save(ignore_permissions=True)
		frappe.db.commit()
		return {"Authorization": f"token {user.api_key}:{secret}"}
