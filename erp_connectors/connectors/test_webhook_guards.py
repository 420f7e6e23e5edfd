"""The webhook endpoints' answers for what happens outside our endpoint function."""

import json
import random
from unittest.mock import patch

import frappe
from frappe.database.database import Database
from frappe.tests.test_api import make_request
from frappe.tests.utils import FrappeTestCase
from frappe.utils import get_test_client, get_url
from pymysql.err import OperationalError

from erp_connectors.connectors import processing
from erp_connectors.connectors.bench_fixtures import forget_drains, queued_drains, set_connector_settings
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

	def test_an_event_stored_but_not_signalled_is_a_503_and_its_redelivery_signals_it(self):
		order_id = 9_100_000_000_200 + random.randrange(10**6)
		body = json.dumps(sample_order(order_id)).encode()
		headers = signed_headers(body, event_id=f"unsignalled-{order_id}")
		with patch(
			"erp_connectors.connectors.processing.signal_drain",
			side_effect=ConnectionError("Error 111 connecting to 10.0.0.7:11000, password=hunter2"),
		):
			first = post(body, headers)
		self.assertEqual(first.status_code, 503)
		self.assertEqual(first.headers["Retry-After"], "30")
		answer = json.loads(first.get_data())
		self.assertEqual(answer["message"], "Stored, not yet queued; deliver again.")
		self.assertNotIn("10.0.0.7", first.get_data(as_text=True))
		frappe.db.rollback()  # a fresh snapshot: the request committed in its own connection
		self.assertEqual(frappe.db.get_value("Connector Event", answer["event"], "status"), "Queued")

		forget_drains()
		second = post(body, headers)
		self.assertEqual((second.status_code, json.loads(second.get_data())["message"]), (200, "duplicate"))
		self.assertIn(processing.shard_of(answer["event"]), queued_drains())

	def test_an_event_whose_commit_fails_is_never_acknowledged(self):
		order_id = 9_100_000_000_300 + random.randrange(10**6)
		body = json.dumps(sample_order(order_id)).encode()
		escaped = []
		with (
			patch.object(Database, "commit", side_effect=OperationalError(2013, "Lost connection")),
			patch("threading.excepthook", side_effect=escaped.append),
		):
			answer = post(body, signed_headers(body, event_id=f"uncommitted-{order_id}"))
		# Either an answer of 500 or more, or the failure leaves Frappe's application before any
		# answer is made and the server sends a 500: never a 2xx.
		if answer is None:
			self.assertEqual([type(hook.exc_value) for hook in escaped], [OperationalError])
		else:
			self.assertGreaterEqual(answer.status_code, 500)
		frappe.db.rollback()
		self.assertFalse(frappe.db.exists("Connector Event", {"remote_event_id": f"uncommitted-{order_id}"}))

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

	def test_a_client_over_the_webhook_limit_gets_429_with_retry_after_and_nothing_is_stored(self):
		previous = set_connector_settings(webhook_rate_limit_per_minute=3)
		self.addCleanup(set_connector_settings, **previous)
		client, other_client = (f"10.{random.randrange(256)}.{random.randrange(256)}.{n}" for n in (1, 2))
		order_ids = [9_100_000_000_100 + random.randrange(10**6) * 10 + n for n in range(5)]

		def deliver(order_id, address):
			body = json.dumps(sample_order(order_id)).encode()
			return post(
				body, {**signed_headers(body, event_id=f"limit-{order_id}"), "X-Forwarded-For": address}
			)

		answers = [deliver(order_id, client) for order_id in order_ids[:4]]
		self.assertEqual([answer.status_code for answer in answers], [200, 200, 200, 429])
		self.assertTrue(1 <= int(answers[3].headers["Retry-After"]) <= 60)
		self.assertIn("More than 3 requests a minute", answers[3].get_data(as_text=True))
		self.assertEqual(deliver(order_ids[4], other_client).status_code, 200)  # the limit is per client
		stored = frappe.get_all(
			"Connector Event",
			{"account": SHOP, "remote_event_id": ("like", "limit-%")},
			pluck="remote_event_id",
		)
		self.assertEqual(
			sorted(set(stored) & {f"limit-{order_id}" for order_id in order_ids}),
			sorted(f"limit-{order_id}" for order_id in (*order_ids[:3], order_ids[4])),
		)
