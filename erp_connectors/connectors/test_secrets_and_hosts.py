"""No credential leaves in a log, a traceback or a job; credentials go only to the service's hosts."""

import json
from unittest.mock import patch

import frappe
from frappe.tests.test_api import make_request
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_test_client, get_url, now_datetime

from erp_connectors.connectors import call_log, site_policy
from erp_connectors.shipping_connector import shipment_actions
from erp_connectors.shipping_connector.bench_fixtures import (
	OnlyTheseAccounts,
	address,
	carrier_account,
	delete_shipment,
	make_shipment,
)
from erp_connectors.shopify_connector import store_actions
from erp_connectors.shopify_connector.bench_fixtures import SHOP, ensure_store
from erp_connectors.stripe_connector import account_actions
from erp_connectors.stripe_connector.bench_fixtures import ensure_stripe_account
from erp_connectors.testing.fake_carriers.easypost import FakeEasyPost
from erp_connectors.testing.fake_shopify_admin import FakeShopifyAdmin
from erp_connectors.testing.fake_stripe import FakeStripe

CLIENT = get_test_client()
DHL, EASYPOST = "DHL Secrets Bench", "EasyPost Secrets Bench"
SECRETS = {
	"DHL api_key": "DHL-LIVE-APIKEY-a1b2c3d4e5",
	"DHL tracking_api_key": "TRACK-KEY-f6g7h8i9j0",
	"DHL webhook_secret": "whsec_dhl_k1l2m3n4o5",
	"DHL password": "dhl-pass-p6q7r8s9",
	"EasyPost api_key": "EZAK_wrong_t0u1v2w3x4",
	"EasyPost webhook_secret": "whsec_ep_y5z6a7b8",
	"Shopify access_token": "shpat_wrong_c9d0e1f2g3h4",
	"Stripe secret_key": "sk_test_wrong_i5j6k7l8m9",
}


def rows_since(doctype: str, since, fields: list[str]) -> str:
	return json.dumps(
		frappe.get_all(doctype, filters={"creation": (">=", since)}, fields=fields), default=str
	)


def queued_job_data(site: str) -> str:
	from frappe.utils.background_jobs import get_queue, get_queue_list

	jobs = [job for name in get_queue_list() for job in get_queue(name).jobs]
	return "".join(repr(job.data) for job in jobs if (job.kwargs or {}).get("site") == site)


class TestNoSecretLeaves(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.started = now_datetime()
		cls.easypost = FakeEasyPost(api_key="EZAK_the_right_one").start()
		cls.shopify = FakeShopifyAdmin(token="shpat_the_right_one").start()
		cls.shopify.shop_domain = SHOP
		cls.stripe = FakeStripe().start()
		cls.only_these = OnlyTheseAccounts().__enter__()
		# Enabled but incomplete: DHL needs a username, so building its client fails.
		carrier_account(
			DHL,
			"DHL Parcel DE",
			api_key=SECRETS["DHL api_key"],
			tracking_api_key=SECRETS["DHL tracking_api_key"],
			webhook_secret=SECRETS["DHL webhook_secret"],
			password=SECRETS["DHL password"],
		)
		carrier_account(
			EASYPOST,
			"EasyPost",
			api_key=SECRETS["EasyPost api_key"],
			webhook_secret=SECRETS["EasyPost webhook_secret"],
			base_url=f"{cls.easypost.url}/v2",
			test_mode=1,
		)
		ensure_store(base_url=cls.shopify.url, access_token=SECRETS["Shopify access_token"])
		cls.stripe_account = ensure_stripe_account(cls.stripe, secret_key=SECRETS["Stripe secret_key"])

	@classmethod
	def tearDownClass(cls):
		ensure_store()
		ensure_stripe_account(cls.stripe)
		for fake in (cls.easypost, cls.shopify, cls.stripe):
			fake.stop()
		cls.only_these.__exit__()
		for name in (DHL, EASYPOST):
			frappe.delete_doc("Carrier Account", name, force=True, ignore_permissions=True)
		frappe.db.commit()
		super().tearDownClass()

	def fail_everywhere(self):
		shipment = make_shipment(
			address("Secrets Warehouse", "417 Montgomery Street", "San Francisco", "CA", "94104"),
			address("Secrets Customer", "179 N Harbor Dr", "Redondo Beach", "CA", "90277"),
		)
		try:
			# Both accounts fail: DHL cannot be built, EasyPost refuses the key.
			quote = shipment_actions.get_rates(shipment)
			self.assertEqual({e["account"] for e in quote["errors"]}, {DHL, EASYPOST})
			# A bug inside a carrier, not a remote error: Frappe logs it with every frame's variables.
			with patch(
				"erp_connectors.shipping_connector.carriers.easypost.EasyPostCarrier.rates",
				side_effect=KeyError("rates"),
			):
				response = make_request(
					target=CLIENT.post,
					args=(
						f"{get_url()}/api/method/erp_connectors.shipping_connector.shipment_actions.get_rates",
					),
					kwargs={"data": {"shipment": shipment}, "headers": self.admin_headers()},
				)
			self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
		finally:
			delete_shipment(shipment)
		with self.assertRaises(frappe.ValidationError):
			store_actions.test_connection(SHOP)
		with self.assertRaises(frappe.ValidationError):
			account_actions.test_connection(self.stripe_account)
		# An unexpected error while the carrier's settings are a frame's locals, logged as Frappe does.
		try:
			carrier = shipment_actions.carrier_for(EASYPOST)
			settings = carrier.settings  # noqa: F841 (a local, as in any frame of the carrier code)
			raise RuntimeError("a bug while holding the settings")
		except RuntimeError:
			frappe.log_error(title="secrets bench")
		frappe.db.commit()

	def admin_headers(self):
		from frappe.utils.password import get_decrypted_password

		user = frappe.get_doc("User", "Administrator")
		user.api_key = user.api_key or frappe.generate_hash(length=15)
		user.api_secret = secret = frappe.generate_hash(length=15)
		user.save(ignore_permissions=True)
		frappe.db.commit()
		assert get_decrypted_password("User", "Administrator", "api_secret") == secret
		return {"Authorization": f"token {user.api_key}:{secret}"}

	def test_no_secret_in_error_log_call_log_events_or_jobs(self):
		self.fail_everywhere()
		places = {
			"Error Log": rows_since("Error Log", self.started, ["method", "error"]),
			"Connector Call Log": rows_since(
				"Connector Call Log", self.started, ["url", "request", "response", "error"]
			),
			"Connector Event": rows_since(
				"Connector Event", self.started, ["payload", "headers", "last_error", "error_log"]
			),
			"RQ job data": queued_job_data(frappe.local.site),
		}
		self.assertIn("secrets bench", places["Error Log"])  # the logs exist: the grep means something
		self.assertGreater(len(json.loads(places["Connector Call Log"])), 0)
		hits = {
			(label, place): text.count(value)
			for label, value in SECRETS.items()
			for place, text in places.items()
		}
		print("\nsecret".ljust(26), *[place.ljust(20) for place in places])
		for label in SECRETS:
			print(label.ljust(25), *[str(hits[(label, place)]).ljust(20) for place in places])
		self.assertEqual({key: n for key, n in hits.items() if n}, {})


class TestOutboundHosts(FrappeTestCase):
	def closed(self):
		return patch.object(site_policy, "is_open", return_value=False)

	def test_a_base_url_override_must_be_the_services_own_host(self):
		for url in ("http://169.254.169.254/latest/meta-data", "https://api.easypost.com.evil.example/v2"):
			with self.subTest(url=url), self.closed(), self.assertRaises(frappe.ValidationError):
				carrier_account("EasyPost SSRF Bench", "EasyPost", api_key="k", base_url=url)
		with self.closed():
			carrier_account(
				"EasyPost SSRF Bench", "EasyPost", api_key="k", base_url="https://api.easypost.com/v2"
			)
		frappe.delete_doc("Carrier Account", "EasyPost SSRF Bench", force=True, ignore_permissions=True)
		with self.closed(), self.assertRaises(frappe.ValidationError):
			ensure_store(base_url="http://10.0.0.5:8080")

	def test_a_label_on_a_private_address_or_too_big_is_refused(self):
		from erp_connectors.connectors.errors import PermanentError
		from erp_connectors.connectors.outbound import HostPolicy
		from erp_connectors.shipping_connector.carriers.model import Label

		with FakeEasyPost(api_key="EZAK_labels") as fake:
			carrier_account(
				"EasyPost Label Bench", "EasyPost", api_key="EZAK_labels", base_url=f"{fake.url}/v2"
			)
			try:
				carrier = shipment_actions.carrier_for("EasyPost Label Bench")
				# The label host resolves to the cloud metadata address.
				carrier.http.policy = HostPolicy(
					"EasyPost", carrier.hosts, resolve=lambda host: ["169.254.169.254"]
				)
				label = Label(
					"EasyPost",
					"1Z",
					"USPS",
					"Priority",
					"shp_1",
					None,
					None,
					label_url="https://assets.easypost.com/x.pdf",
				)
				with self.assertRaisesRegex(PermanentError, "not public"):
					carrier.fetch_label_bytes(label)
				# A label bigger than the cap (the fake's 30-byte PNG against a 10-byte cap).
				carrier.http.policy = HostPolicy("EasyPost", carrier.hosts, open=True)
				with self.assertRaisesRegex(PermanentError, "limit"):
					carrier.http.download(f"{fake.files_url}/files/postage_label/x.png", max_bytes=10)
			finally:
				call_log.flush()
				frappe.delete_doc(
					"Carrier Account", "EasyPost Label Bench", force=True, ignore_permissions=True
				)
