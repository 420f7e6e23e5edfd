"""Bench tests for the event inbox: intake, dedupe under concurrency, retry and dead letter."""

import json
from datetime import timedelta
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase, patch_hooks
from frappe.utils import now_datetime

from erp_connectors.connectors import frappe_gateway, intake, processing
from erp_connectors.connectors.bench_fixtures import (
	HOOK,
	SOURCE,
	TEST_ACCOUNT,
	TEST_SECRET,
	delete_test_events,
	ensure_test_account,
	forget_drains,
	queued_drains,
	race,
	webhook_request,
)
from erp_connectors.connectors.sources import InboundEvent
from erp_connectors.testing.hmac_source import sign


def events(**filters):
	return frappe.get_all(
		"Connector Event", filters={"source": SOURCE.name, **filters}, fields=["*"], order_by="creation"
	)


class TestSourceCase(FrappeTestCase):
	"""Runs against the test webhook source, with no events left behind."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_test_account()

	def setUp(self):
		delete_test_events()
		forget_drains()

	def tearDown(self):
		delete_test_events()
		forget_drains()


class TestWebhookIntake(TestSourceCase):
	def receive(self, payload=None, **kwargs):
		with patch_hooks(HOOK), webhook_request(payload, **kwargs):
			response = intake.receive(SOURCE.name)
			frappe.db.commit()  # Frappe's, at the end of the request: it stores the event and signals it
		return response.status_code, json.loads(response.get_data())

	def test_valid_webhook_is_stored_then_enqueued(self):
		status, body = self.receive({"id": "evt-1", "behaviour": "ok"})
		self.assertEqual((status, body["message"]), (200, "queued"))
		(event,) = events()
		self.assertEqual(
			(event.status, event.remote_event_id, event.account), ("Queued", "evt-1", TEST_ACCOUNT)
		)
		self.assertEqual(json.loads(event.payload), {"id": "evt-1", "behaviour": "ok"})
		self.assertEqual(queued_drains(), [processing.shard_of(event.name)])
		self.assertNotIn(
			sign(json.dumps({"id": "evt-1", "behaviour": "ok"}).encode(), TEST_SECRET)["X-Test-Signature"],
			event.headers,
		)

	def test_duplicate_delivery_is_a_no_op(self):
		first = self.receive({"id": "evt-dup"})
		second = self.receive({"id": "evt-dup"})
		self.assertEqual(first[0], 200)
		self.assertEqual(second, (200, {"message": "duplicate", "event": first[1]["event"]}))
		self.assertEqual(len(events()), 1)

	def test_a_redelivery_enqueues_a_stored_event_whose_enqueue_was_lost(self):
		status, body = self.receive({"id": "evt-lost-enqueue"})
		forget_drains()  # as if Redis had gone away right after the event was stored
		self.assertEqual(self.receive({"id": "evt-lost-enqueue"})[1]["message"], "duplicate")
		self.assertEqual(queued_drains(), [processing.shard_of(body["event"])])

	def test_events_of_a_signalled_shard_enqueue_no_more_drains(self):
		names = [self.receive({"id": f"evt-burst-{i}"})[1]["event"] for i in range(40)]
		shards = {processing.shard_of(name) for name in names}
		self.assertEqual(sorted(queued_drains()), sorted(shards))  # one drain per shard, not per event

	def test_an_event_after_a_drain_emptied_its_shard_gets_a_new_drain(self):
		first = self.receive({"id": "evt-before-drain"})[1]["event"]
		shard = processing.shard_of(first)
		with patch_hooks(HOOK):
			processing.drain(shard)
		self.assertEqual(frappe.db.get_value("Connector Event", first, "status"), "Processed")
		for i in range(40):  # until one lands in the drained shard
			name = self.receive({"id": f"evt-after-drain-{i}"})[1]["event"]
			if processing.shard_of(name) == shard:
				break
		self.assertEqual(queued_drains().count(shard), 2)  # the first event's, and a new one

	def test_a_drain_out_of_time_leaves_one_continuation_and_keeps_its_shard_signalled(self):
		names = [self.receive({"id": f"evt-long-{i}"})[1]["event"] for i in range(20)]
		shard = processing.shard_of(names[0])
		forget_drains()
		with patch_hooks(HOOK), patch.object(processing, "DRAIN_SECONDS", 0):
			processing.drain(shard)
		self.assertEqual(queued_drains().count(shard), 1)  # its continuation
		for i in range(40):
			name = self.receive({"id": f"evt-long-more-{i}"})[1]["event"]
			if processing.shard_of(name) == shard:
				break
		self.assertEqual(queued_drains().count(shard), 1)  # the new event rides on the continuation

	def test_bad_signature_is_401_and_nothing_stored(self):
		status, body = self.receive({"id": "evt-bad"}, secret="not-the-secret")
		self.assertEqual(status, 401)
		self.assertIn("Signature rejected", body["message"])
		self.assertEqual(events(), [])

	def test_malformed_json_is_400(self):
		status, body = self.receive(raw=b'{"id": "evt-x", ')
		self.assertEqual(status, 400)
		self.assertIn("Malformed payload", body["message"])
		self.assertEqual(events(), [])

	def test_oversized_body_is_413(self):
		status, _ = self.receive({"id": "evt-big", "padding": "x" * (SOURCE.max_body_bytes + 1)})
		self.assertEqual(status, 413)
		self.assertEqual(events(), [])

	def test_unknown_account_is_rejected(self):
		status, body = self.receive({"id": "evt-who"}, account="nobody@example.com")
		self.assertEqual((status, body), (401, {"message": "Signature rejected"}))
		self.assertEqual(events(), [])

	def test_one_remote_event_under_two_topics_is_two_events_and_each_topic_once(self):
		def store(topic):
			event = InboundEvent(event_id="evt-two-topics", topic=topic, payload={"id": "evt-two-topics"})
			return intake.store_event(SOURCE, TEST_ACCOUNT, event, {})

		created, paid = store("orders/create"), store("orders/paid")
		self.assertEqual((created[1], paid[1]), (False, False))
		self.assertNotEqual(created[0], paid[0])
		self.assertEqual(store("orders/paid"), (paid[0], True))

	def test_same_event_from_two_connections_leaves_one_row(self):
		"""The MariaDB unique index, not a check-then-insert, decides the race."""

		def insert_from_own_connection():
			frappe.set_user("Guest")
			event = InboundEvent(event_id="evt-race", topic="test/event", payload={"id": "evt-race"})
			return intake.store_event(SOURCE, TEST_ACCOUNT, event, {})

		results = race(insert_from_own_connection, [(), ()])

		self.assertEqual(sorted(duplicate for _, duplicate in results), [False, True])
		self.assertEqual(len({name for name, _ in results}), 1)
		self.assertEqual(len(events(remote_event_id="evt-race")), 1)


class TestEventRows(TestSourceCase):
	"""The event row itself: written without a document, exactly, once."""

	def store(self, event_id):
		event = InboundEvent(event_id=event_id, topic="test/event", payload={"id": event_id})
		return intake.store_event(SOURCE, TEST_ACCOUNT, event, {})[0]

	def test_a_name_already_taken_is_drawn_again(self):
		taken = self.store("name-taken")
		with patch.object(frappe_gateway, "time_ordered_name", side_effect=[taken, "fresh00001"]):
			self.assertEqual(self.store("name-fresh"), "fresh00001")
		self.assertEqual(frappe.db.get_value("Connector Event", taken, "remote_event_id"), "name-taken")

	def test_text_is_stored_exactly_as_given_short_or_long(self):
		from erp_connectors.connectors.frappe_gateway import insert_row

		tricky = "Grüße 😀 'q' \"dq\" \\ back \n\x00 %s %(x)s x'41' '); drop table `tabToDo`; --"
		for text in (tricky, tricky * 100):  # the long one goes as a hex literal
			name = insert_row(
				"Connector Event",
				{
					"source": SOURCE.name,
					"account": TEST_ACCOUNT,
					"remote_event_id": f"exact-{len(text)}",
					"topic": "test/event",
					"status": "Dead",
					"payload": text,
				},
			)
			frappe.db.commit()
			self.assertEqual(frappe.db.get_value("Connector Event", name, "payload"), text)
		self.assertTrue(frappe.db.table_exists("ToDo"))

	def test_a_follow_up_stored_twice_is_one_event_and_the_callers_writes_stay(self):
		account = frappe._dict(doctype="User", name=TEST_ACCOUNT)
		with patch_hooks(HOOK):
			first = intake.queue_event(account, "test/event", "follow-1", {"id": "follow-1"})
			todo = frappe.get_doc({"doctype": "ToDo", "description": "connector test follow-up"}).insert()
			second = intake.queue_event(account, "test/event", "follow-1", {"id": "follow-1"})
			frappe.db.commit()
		self.assertIsNotNone(first)
		self.assertIsNone(second)
		self.assertTrue(frappe.db.exists("ToDo", todo.name))
		self.assertEqual([e.name for e in events(remote_event_id="follow-1")], [first])
		self.assertEqual(queued_drains(), [processing.shard_of(first)])  # signalled after the commit


class TestEventProcessing(TestSourceCase):
	def store(self, behaviour, event_id=None):
		event = InboundEvent(
			event_id=event_id or behaviour,
			topic="test/event",
			payload={"id": event_id or behaviour, "behaviour": behaviour},
		)
		name, _ = intake.store_event(SOURCE, TEST_ACCOUNT, event, {})
		return name

	def process(self, name):
		with patch_hooks(HOOK):
			processing.process_event(name)
		return frappe.get_doc("Connector Event", name)

	def test_success_commits_the_document_and_records_it(self):
		event = self.process(self.store("ok"))
		self.assertEqual((event.status, event.attempts), ("Processed", 1))
		self.assertEqual(event.reference_doctype, "ToDo")
		self.assertTrue(frappe.db.exists("ToDo", event.reference_name))

	def test_processed_event_is_not_processed_again(self):
		name = self.store("ok")
		self.process(name)
		self.process(name)
		self.assertEqual(frappe.db.count("ToDo", {"description": "connector test ok"}), 1)

	def test_transient_failure_backs_off_then_dead_letters(self):
		name = self.store("transient")
		policy = processing.retry_policy()
		previous_delay = 0
		for attempt in range(1, policy.max_attempts):
			before = now_datetime()
			event = self.process(name)
			self.assertEqual((event.status, event.attempts), ("Failed", attempt))
			delay = (event.next_retry_at - before).total_seconds()
			ceiling = min(policy.max_seconds, policy.base_seconds * 2 ** (attempt - 1))
			self.assertGreaterEqual(delay, ceiling / 2 - 1)
			self.assertLessEqual(delay, ceiling + 1)
			previous_delay = delay
			self.assertIn("HTTP 503", event.last_error)
		self.assertGreater(previous_delay, policy.base_seconds)
		event = self.process(name)
		self.assertEqual(event.status, "Dead")
		self.assertEqual(event.attempts, policy.max_attempts)
		self.assertIn(f"Gave up after {policy.max_attempts} attempts", event.last_error)
		self.assertEqual(event.error_log.count("attempt "), policy.max_attempts)

	def test_retry_after_is_honoured(self):
		before = now_datetime()
		event = self.process(self.store("rate_limited:900"))
		self.assertEqual(event.status, "Failed")
		self.assertGreaterEqual(event.next_retry_at, before + timedelta(seconds=899))

	def test_data_problem_is_held_with_actionable_message(self):
		event = self.process(self.store("needs_attention"))
		self.assertEqual(event.status, "Held")
		self.assertEqual(event.last_error, "No Item for SKU 'SKU-404'. Link it, then retry.")
		self.assertIsNone(event.next_retry_at)

	def test_permanent_remote_error_is_dead_with_remote_message(self):
		event = self.process(self.store("permanent"))
		self.assertEqual((event.status, event.last_error), ("Dead", "Invalid postal code '0000'"))

	def test_failed_handler_leaves_no_partial_writes(self):
		event = self.process(self.store("crash_after_write"))
		self.assertEqual(event.status, "Failed")
		self.assertIn("RuntimeError: crashed after writing", event.last_error)
		self.assertEqual(frappe.db.count("ToDo", {"description": "connector test crash_after_write"}), 0)

	def test_user_retry_requeues_with_fresh_attempts(self):
		name = self.store("needs_attention")
		self.process(name)
		self.assertEqual(processing.retry([name]), 1)
		event = frappe.get_doc("Connector Event", name)
		self.assertEqual((event.status, event.attempts), ("Queued", 0))
		self.assertIn(processing.shard_of(name), queued_drains())
		# after the cause is fixed the retry succeeds
		frappe.db.set_value(
			"Connector Event", name, "payload", json.dumps({"id": "needs_attention", "behaviour": "ok"})
		)
		self.assertEqual(self.process(name).status, "Processed")

	def test_bulk_retry_from_the_list_requeues_only_retryable_events(self):
		from erp_connectors.connectors.doctype.connector_event.connector_event import retry_events

		held = self.store("needs_attention", "bulk-held")
		dead = self.store("permanent", "bulk-dead")
		done = self.store("ok", "bulk-done")
		for name in (held, dead, done):
			self.process(name)
		self.assertEqual(retry_events(json.dumps([held, dead, done])), 2)
		statuses = [frappe.db.get_value("Connector Event", n, "status") for n in (held, dead, done)]
		self.assertEqual(statuses, ["Queued", "Queued", "Processed"])

	def test_only_system_managers_may_retry(self):
		from erp_connectors.connectors.doctype.connector_event.connector_event import retry_events

		name = self.store("needs_attention", "perm-held")
		self.process(name)
		frappe.set_user("Guest")
		try:
			with self.assertRaises(frappe.PermissionError):
				retry_events(json.dumps([name]))
		finally:
			frappe.set_user("Administrator")
		self.assertEqual(frappe.db.get_value("Connector Event", name, "status"), "Held")

	def test_drain_processes_its_own_shard_oldest_first(self):
		names = [self.store("ok", f"drain-{i}") for i in range(12)]
		shards = {processing.shard_of(name) for name in names}
		self.assertGreater(len(shards), 1)
		target = processing.shard_of(names[0])
		with patch_hooks(HOOK):
			processing.drain(target)
		statuses = {n: frappe.db.get_value("Connector Event", n, "status") for n in names}
		for name in names:
			expected = "Processed" if processing.shard_of(name) == target else "Queued"
			self.assertEqual(statuses[name], expected, name)
		with patch_hooks(HOOK):
			for shard in shards - {target}:
				processing.drain(shard)
		self.assertEqual(
			frappe.db.count("Connector Event", {"name": ("in", names), "status": "Processed"}), 12
		)

	def test_sweep_requeues_due_retries_and_rescues_crashed_workers(self):
		due = self.store("transient", "due")
		self.process(due)
		frappe.db.set_value("Connector Event", due, "next_retry_at", now_datetime() - timedelta(seconds=1))
		crashed = self.store("ok", "crashed")
		frappe.db.set_value("Connector Event", crashed, {"status": "Processing"}, update_modified=False)
		frappe.db.sql(
			"update `tabConnector Event` set modified=%s where name=%s",
			(now_datetime() - timedelta(hours=1), crashed),
		)
		frappe.db.commit()
		processing.sweep()
		self.assertEqual(frappe.db.get_value("Connector Event", due, "status"), "Queued")
		self.assertIn(processing.shard_of(due), queued_drains())
		self.assertEqual(frappe.db.get_value("Connector Event", crashed, "status"), "Queued")  # again, now
		self.assertIn(processing.shard_of(crashed), queued_drains())


class TestDeadWorkersAndRetention(TestEventProcessing):
	def in_processing_since(self, name, seconds):
		frappe.db.sql(
			"update `tabConnector Event` set status='Processing', modified=%s where name=%s",
			(now_datetime() - timedelta(seconds=seconds), name),
		)
		frappe.db.commit()

	def test_a_dead_workers_event_is_rescued_once_its_lease_lapses_not_after_half_an_hour(self):
		abandoned, running = self.store("ok", "abandoned"), self.store("ok", "running")
		self.in_processing_since(abandoned, 2 * processing.LEASE_SECONDS)
		self.in_processing_since(running, 2 * processing.LEASE_SECONDS)
		with processing.Lease(running):  # its worker is alive and renewing
			processing.sweep()
		self.assertEqual(frappe.db.get_value("Connector Event", abandoned, "status"), "Queued")
		self.assertIn(processing.shard_of(abandoned), queued_drains())
		self.assertEqual(frappe.db.get_value("Connector Event", running, "status"), "Processing")
		self.assertIn("worker stopped", frappe.db.get_value("Connector Event", abandoned, "error_log"))

	def test_a_drain_job_runs_the_sweep_at_most_once_a_minute(self):
		# Under a backlog the scheduler's sweep job waits behind drain jobs; the drains stand in for it.
		frappe.cache.delete(frappe.cache.make_key("connector_sweep_due"))
		first, second = self.store("ok", "abandoned-1"), self.store("ok", "abandoned-2")
		for name in (first, second):
			self.in_processing_since(name, 2 * processing.LEASE_SECONDS)
		# A shard holding neither event: the sweep it runs covers every shard.
		other = min(
			set(range(processing.DRAIN_SHARDS)) - {processing.shard_of(first), processing.shard_of(second)}
		)
		with patch_hooks(HOOK):
			processing.drain(other)
		self.assertEqual(frappe.db.get_value("Connector Event", first, "status"), "Queued")
		self.in_processing_since(first, 2 * processing.LEASE_SECONDS)
		with patch_hooks(HOOK):
			processing.drain(other)
		self.assertEqual(frappe.db.get_value("Connector Event", first, "status"), "Processing")

	def test_an_event_claimed_moments_ago_is_left_to_its_worker(self):
		fresh = self.store("ok", "fresh")
		self.in_processing_since(fresh, 1)
		processing.sweep()
		self.assertEqual(frappe.db.get_value("Connector Event", fresh, "status"), "Processing")

	def test_processed_payloads_are_cleared_after_the_retention_period_and_the_id_kept(self):
		old, held, recent = (
			self.store("ok", "old"),
			self.store("needs_attention", "held"),
			self.store("ok", "new"),
		)
		for name in (old, recent):
			self.process(name)
		self.process(held)
		frappe.db.sql(
			"update `tabConnector Event` set received_at=%s where name in %s",
			(now_datetime() - timedelta(days=91), (old, held)),
		)
		frappe.db.commit()
		self.assertEqual(processing.clear_old_payloads(), 1)
		cleared = frappe.get_doc("Connector Event", old)
		self.assertEqual((cleared.payload, cleared.payload_cleared, cleared.status), ("{}", 1, "Processed"))
		self.assertEqual(json.loads(frappe.db.get_value("Connector Event", held, "payload"))["id"], "held")
		self.assertEqual(json.loads(frappe.db.get_value("Connector Event", recent, "payload"))["id"], "new")
		# The id stays under the unique index: a late redelivery is still a duplicate.
		event = InboundEvent(event_id="old", topic="test/event", payload={"id": "old"})
		self.assertEqual(intake.store_event(SOURCE, TEST_ACCOUNT, event, {}), (old, True))


class TestRemoteTextIsNeverMarkup(TestEventProcessing):
	PAYLOAD = '<img src=x onerror="alert(document.domain)">'

	def test_text_from_unsigned_headers_is_cleaned_before_it_is_stored(self):
		event = InboundEvent(event_id=f"x{self.PAYLOAD}", topic=f"test/{self.PAYLOAD}", payload={"id": "x"})
		name, _ = intake.store_event(SOURCE, TEST_ACCOUNT, event, {})
		stored = frappe.db.get_value("Connector Event", name, ["topic", "remote_event_id"], as_dict=True)
		for value in stored.values():
			self.assertNotIn("onerror", value)
		self.assertEqual(intake.store_event(SOURCE, TEST_ACCOUNT, event, {}), (name, True))

	def test_error_text_is_kept_verbatim_in_a_field_desk_shows_as_text(self):
		event = InboundEvent(event_id="t", topic="test/event", payload={"id": "t", "behaviour": self.PAYLOAD})
		name, _ = intake.store_event(SOURCE, TEST_ACCOUNT, event, {})
		self.process(name)
		self.assertIn(self.PAYLOAD, frappe.db.get_value("Connector Event", name, "error_log"))
		meta = frappe.get_meta("Connector Event")
		self.assertEqual({meta.get_field(f).fieldtype for f in ("last_error", "error_log")}, {"Code"})


class TestCallLogTransactions(FrappeTestCase):
	def record(self, path):
		from erp_connectors.connectors import call_log
		from erp_connectors.connectors.http import CallRecord

		call_log.sink_for("User", "Administrator")(
			CallRecord(
				service="flush-test", method="GET", url=f"https://x.test/{path}", status=200, duration_ms=1
			)
		)

	def tearDown(self):
		frappe.db.delete("Connector Call Log", {"service": "flush-test"})
		frappe.db.delete("ToDo", {"description": "flush test"})
		frappe.db.commit()

	def logged(self):
		return frappe.get_all("Connector Call Log", filters={"service": "flush-test"}, pluck="url")

	def todo(self):
		return frappe.get_doc({"doctype": "ToDo", "description": "flush test"}).insert(
			ignore_permissions=True
		)

	def test_flushing_never_commits_the_callers_work_and_the_log_survives_its_rollback(self):
		from erp_connectors.connectors import call_log

		frappe.db.commit()
		self.todo()
		self.record("a")
		self.assertEqual(call_log.flush(), 1)
		self.assertEqual(self.logged(), [])  # written when the caller's transaction ends, not now
		frappe.db.rollback()
		self.assertEqual(self.logged(), ["https://x.test/a"])
		self.assertEqual(frappe.db.count("ToDo", {"description": "flush test"}), 0)

	def test_the_log_follows_the_callers_commit(self):
		from erp_connectors.connectors import call_log

		frappe.db.commit()
		self.todo()
		self.record("b")
		call_log.flush()
		frappe.db.commit()
		self.assertEqual(self.logged(), ["https://x.test/b"])
		self.assertEqual(frappe.db.count("ToDo", {"description": "flush test"}), 1)
