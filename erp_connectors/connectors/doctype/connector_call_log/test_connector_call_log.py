"""Outbound calls are logged with secrets removed and PII masked, even when the sync fails."""

import frappe
from frappe.tests.utils import FrappeTestCase

from erp_connectors.connectors import call_log
from erp_connectors.connectors.errors import AuthError
from erp_connectors.connectors.http import HttpClient
from erp_connectors.testing.fake_server import FakeService, Response, route

SECRET = "shpat_live_0123456789abcdef"


class TokenService(FakeService):
	def authenticate(self, request):
		if request.header("x-access-token") != SECRET:
			return Response(401, {"errors": "[API] Invalid API key or access token"})
		return None

	@route("POST", "/orders")
	def create(self, request):
		return Response(200, {"echo": request.json(), "token": SECRET})


class TestCallLog(FrappeTestCase):
	def tearDown(self):
		frappe.db.delete("Connector Call Log", {"service": "token-test"})
		frappe.db.commit()

	def client(self, url, token):
		client = HttpClient(url, secrets=(token,), log_call=call_log.sink_for("User", "Administrator"))
		client.service = "token-test"
		client.session.headers["X-Access-Token"] = token
		return client

	def test_no_secret_or_raw_pii_in_any_log_row(self):
		frappe.local.connector_call_logs = []  # only this test's calls
		with TokenService() as fake:
			self.client(fake.url, SECRET).request(
				"POST", f"/orders?access_token={SECRET}", json={"email": "ann@example.com", "api_key": SECRET}
			)
			with self.assertRaises(AuthError):
				self.client(fake.url, "wrong-token-xyz").request("POST", "/orders", json={})
		frappe.db.rollback()  # as a failed sync would: the buffered logs must survive it
		self.assertEqual(call_log.flush(), 2)

		rows = frappe.get_all(
			"Connector Call Log", filters={"service": "token-test"}, fields=["*"], order_by="creation"
		)
		self.assertEqual([row.status_code for row in rows], [200, 401])
		dump = frappe.as_json(rows)
		self.assertNotIn(SECRET, dump)
		self.assertNotIn("wrong-token-xyz", dump)
		self.assertNotIn("ann@example.com", dump)
		self.assertIn("a***@example.com", dump)
		self.assertIn("access_token=***", rows[0].url)
