"""Connecting a store through the fake Shopify's OAuth endpoints: client credentials, the
authorization code grant, refresh under a lock, and Reconnect."""

from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import frappe
import requests
from frappe.tests.utils import FrappeTestCase
from frappe.utils.password import get_decrypted_password

from erp_connectors.connectors.bench_fixtures import race
from erp_connectors.shopify_connector import auth_sync
from erp_connectors.shopify_connector.auth import (
	AUTHORIZATION_CODE,
	CLIENT_CREDENTIALS,
	CallbackRefused,
	CredentialsRefused,
	ReconnectRequired,
)
from erp_connectors.shopify_connector.bench_fixtures import SHOP, ensure_store
from erp_connectors.shopify_connector.integration import client_for
from erp_connectors.shopify_connector.shop import shop_info
from erp_connectors.testing.fake_shopify_admin import FakeShopifyAdmin
from erp_connectors.testing.fake_shopify_oauth import query_hmac

CLIENT_ID, CLIENT_SECRET = "bench-client-id", "shpss_bench_client_secret"


def stored(field):
	frappe.db.commit()  # end this connection's snapshot: tokens are written on a connection of their own
	return get_decrypted_password("Shopify Store", SHOP, field, raise_exception=False)


def lapse(**fields):
	"""As if time had passed: the given expiry fields of the store set to an hour ago."""
	past = datetime.utcnow() - timedelta(hours=1)
	frappe.db.set_value("Shopify Store", SHOP, {field: past for field in fields}, update_modified=False)
	frappe.db.commit()


def store():
	frappe.db.commit()
	return frappe.get_doc("Shopify Store", SHOP)


class ConnectionCase(FrappeTestCase):
	method = CLIENT_CREDENTIALS

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.shopify = FakeShopifyAdmin(token=None, client_id=CLIENT_ID, client_secret=CLIENT_SECRET).start()
		cls.shopify.shop_domain = SHOP

	@classmethod
	def tearDownClass(cls):
		cls.shopify.stop()
		ensure_store()  # back to the legacy token the other Shopify tests use
		super().tearDownClass()

	def setUp(self):
		self.shopify.grants.clear()
		ensure_store(
			connection_method=self.method,
			access_token=None,
			client_id=CLIENT_ID,
			client_secret=CLIENT_SECRET,
			base_url=self.shopify.url,
		)


class TestClientCredentials(ConnectionCase):
	def test_client_credentials_give_a_token_that_makes_an_api_call(self):
		self.assertEqual(shop_info(client_for(store()))["myshopifyDomain"], SHOP)
		self.assertEqual(self.shopify.grants, {"client_credentials": 1})
		doc = store()
		self.assertEqual(doc.connection_status, "Connected")
		self.assertAlmostEqual((doc.token_expires_at - datetime.utcnow()).total_seconds(), 86399, delta=120)
		self.assertTrue(stored("issued_access_token").startswith("shpat_"))
		shop_info(client_for(store()))  # a second job reuses the stored token
		self.assertEqual(self.shopify.grants, {"client_credentials": 1})

	def test_the_token_is_renewed_once_it_expires(self):
		shop_info(client_for(store()))
		first = stored("issued_access_token")
		self.shopify.clock += 86400  # a day later Shopify no longer takes it ...
		lapse(token_expires_at=1)  # ... and the store knows it lapsed
		shop_info(client_for(store()))
		self.assertEqual(self.shopify.grants, {"client_credentials": 2})
		self.assertNotEqual(stored("issued_access_token"), first)
		self.shopify.clock = 0

	def test_a_401_renews_the_token_once_and_the_call_succeeds(self):
		shop_info(client_for(store()))
		self.shopify.issued.clear()  # Shopify dropped the token before its time
		self.assertEqual(shop_info(client_for(store()))["myshopifyDomain"], SHOP)
		self.assertEqual(self.shopify.grants, {"client_credentials": 2})

	def test_wrong_client_secret_is_an_auth_error_naming_the_fix(self):
		frappe.get_doc("Shopify Store", SHOP).db_set("client_id", "not-our-app")
		frappe.db.commit()
		with self.assertRaises(CredentialsRefused) as raised:
			shop_info(client_for(store()))
		self.assertIn("client ID and secret", str(raised.exception))


class TestAuthorizationCode(ConnectionCase):
	method = AUTHORIZATION_CODE

	def authorize(self):
		"""Connect to Shopify as the admin's browser does it: the authorize URL, Install, the redirect back."""
		url = auth_sync.begin_connect(store())
		self.assertTrue(url.startswith(self.shopify.url + "/admin/oauth/authorize?"))
		query = dict(parse_qsl(urlsplit(url).query))
		self.assertEqual(query["client_id"], CLIENT_ID)
		self.assertIn("read_orders", query["scope"].split(","))
		self.assertTrue(query["redirect_uri"].endswith(auth_sync.CALLBACK_PATH))
		answer = requests.get(url + "&fake_approve=1", allow_redirects=False, timeout=10)
		self.assertEqual(answer.status_code, 302)
		return dict(parse_qsl(urlsplit(answer.headers["Location"]).query))

	def connect(self):
		self.assertEqual(auth_sync.complete_connect(self.authorize()), SHOP)

	def assert_nothing_stored(self):
		self.assertIsNone(stored("issued_access_token"))
		self.assertIsNone(stored("refresh_token"))
		self.assertEqual(store().connection_status, "Not Connected")
		self.assertEqual(self.shopify.grants["authorization_code"], 0)

	def test_a_good_callback_stores_an_expiring_pair(self):
		self.connect()
		doc = store()
		self.assertEqual(doc.connection_status, "Connected")
		self.assertAlmostEqual((doc.token_expires_at - datetime.utcnow()).total_seconds(), 3599, delta=120)
		self.assertAlmostEqual(
			(doc.refresh_token_expires_at - datetime.utcnow()).total_seconds(), 90 * 86400, delta=120
		)
		self.assertTrue(stored("refresh_token").startswith("shprt_"))
		self.assertEqual(shop_info(client_for(doc))["myshopifyDomain"], SHOP)
		self.assertEqual(self.shopify.grants, {"authorization_code": 1})

	def test_a_bad_hmac_is_refused_and_nothing_stored(self):
		params = self.authorize()
		params["hmac"] = "0" * 64
		with self.assertRaises(CallbackRefused):
			auth_sync.complete_connect(params)
		self.assert_nothing_stored()

	def test_a_wrong_state_is_refused_and_nothing_stored(self):
		params = self.authorize()
		params["state"] = "someone-elses-state"
		params["hmac"] = query_hmac(params, CLIENT_SECRET)  # even correctly signed
		with self.assertRaises(CallbackRefused):
			auth_sync.complete_connect(params)
		self.assert_nothing_stored()

	def test_a_shop_outside_myshopify_is_refused_and_nothing_stored(self):
		params = self.authorize()
		params["shop"] = "evil.example.com"
		params["hmac"] = query_hmac(params, CLIENT_SECRET)
		with self.assertRaises(CallbackRefused) as refused:
			auth_sync.complete_connect(params)
		self.assertIn("not a Shopify store", str(refused.exception))
		self.assert_nothing_stored()

	def test_refresh_rotates_the_pair(self):
		self.connect()
		access, refresh = stored("issued_access_token"), stored("refresh_token")
		lapse(token_expires_at=1)
		shop_info(client_for(store()))
		self.assertEqual(self.shopify.grants["refresh_token"], 1)
		self.assertNotIn(stored("refresh_token"), (refresh, None))
		self.assertNotEqual(stored("issued_access_token"), access)
		self.assertNotIn(refresh, self.shopify.refresh_tokens)  # the old one was used up

	def test_five_workers_needing_a_token_at_once_cause_one_refresh(self):
		self.connect()
		lapse(token_expires_at=1)

		def worker():
			return auth_sync.StoreTokens(frappe.get_doc("Shopify Store", SHOP)).access_token()

		tokens = race(worker, [()] * 5)
		self.assertEqual(self.shopify.grants["refresh_token"], 1)
		self.assertEqual(len(set(tokens)), 1)
		frappe.db.rollback()  # see what the workers committed
		self.assertEqual(stored("issued_access_token"), tokens[0])
		self.assertTrue(self.shopify.token_valid(tokens[0]))

	def test_a_lapsed_refresh_token_turns_the_store_to_reconnect(self):
		self.connect()
		lapse(token_expires_at=1, refresh_token_expires_at=1)
		with self.assertRaises(ReconnectRequired):
			shop_info(client_for(store()))
		self.assertEqual(store().connection_status, "Reconnect Needed")
		self.assertEqual(self.shopify.grants["refresh_token"], 0)
		self.connect()  # Reconnect: the same flow again
		self.assertEqual(store().connection_status, "Connected")
