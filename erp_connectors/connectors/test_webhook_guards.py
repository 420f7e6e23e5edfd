"""The webhook endpoints' answers for what happens outside our endpoint function."""

import json
from unittest.mock import patch

import frappe
from frappe.tests.test_api import make_request
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_test_client, get_url

from erp_connectors.shopify_connector.bench_fixtures import SHOP, ensure_store, sample_order, signed_headers

WEBHOOK_PATH = "/api/method/erp_connectors.shopify_connector.integration.webhook"
CLIENT = get_test_client()


def post(body: bytes, headers: dict):
	return make_request(
		target=CLIENT.post, args=(get_url() + WEBHOOK_PATH,), kwargs={"data": body, "headers": headers}
	)


class TestWebhookGuards(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_store()

	def test_a_server_error_is_a_503_with_retry_after_and_no_internals(self):
		body = json.dumps(sample_order(9_100_000_000_001)).encode()
		with patch(
			"erp_connectors.connectors.intake.store_event",
			side_effect=RuntimeError("Lost connection to MySQL server at 10.0.0.7, password=hunter2"),
		):
			response = post(body, signed_headers(body))
		self.assertEqual(response.status_code, 503)
		self.assertEqual(response.headers["Retry-After"], "30")
		text = response.get_data(as_text=True)
		for internal in ("Traceback", "MySQL", "hunter2", "10.0.0.7", "RuntimeError"):
			self.assertNotIn(internal, text)
		self.assertEqual(
			frappe.db.count(
				"Connector Event", {"account": SHOP, "remote_event_id": ("like", "%9100000000001%")}
			),
			0,
		)

	def test_an_oversized_body_is_refused_before_our_endpoint_runs(self):
		body = b'{"padding": "' + b"x" * (2 * 1024 * 1024 + 1) + b'"}'
		headers = signed_headers(body)
		with patch("erp_connectors.connectors.intake.receive") as receive:
			response = make_request(
				target=CLIENT.post,
				args=(get_url() + WEBHOOK_PATH,),
				kwargs={"data": body, "headers": headers},
			)
		self.assertEqual(response.status_code, 413)
		receive.assert_not_called()
