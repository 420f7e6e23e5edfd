"""Process stored events in workers: claim, run the handler, then commit or schedule a retry.

An event is claimed with one conditional UPDATE, so two workers can never
process it at the same time. Failures are classed by `retry.decide`: transient
ones come back after a backoff with jitter, data problems are held for a user,
everything else is dead-lettered. The minute sweep re-enqueues due retries and
rescues events whose enqueue was lost or whose worker died.
"""

import json
import threading
import time
import traceback
import zlib
from contextlib import suppress

import frappe
from frappe.utils import add_to_date, now_datetime
from frappe.utils.background_jobs import get_redis_conn

from erp_connectors.connectors import call_log
from erp_connectors.connectors.errors import AlreadyDone, NeedsAttention, TransientError
from erp_connectors.connectors.frappe_gateway import clean_values, is_insert_race
from erp_connectors.connectors.registry import get_binding
from erp_connectors.connectors.remedies import hold_fields
from erp_connectors.connectors.retry import decide
from erp_connectors.connectors.settings import keep_event_payloads_days, retry_policy, run_as_user

STALE_QUEUED_MINUTES = 2
# A worker holds a lease on the event it runs, renewed while it runs; an event in Processing
# whose lease has lapsed lost its worker (killed, out of memory) and is rescued by the sweep.
LEASE_SECONDS = 45
# Without Redis the lease can't be read; then only this long in Processing means a dead worker.
STALE_PROCESSING_MINUTES = 30
SWEEP_BATCH = 500
RETRYABLE_STATES = ("Queued", "Failed")
# Events are drained in shards: one job works through many events, so a worker's
# per-job start-up (a fork that imports ERPNext) is paid once per batch, not per event.
DRAIN_SHARDS = 8
DRAIN_BATCH = 25
# A drain job yields its worker after this long (its continuation queues behind whatever else
# waits, the minute sweep included), so a backlog never holds every worker for minutes.
DRAIN_SECONDS = 30


def shard_of(event_name: str) -> int:
	return zlib.crc32(event_name.encode()) % DRAIN_SHARDS  # same as MariaDB's CRC32()


# An event signals its shard's drain instead of enqueueing a job: the first event of a quiet shard
# sets the shard's flag (one Redis SET NX, in the queue's Redis) and enqueues a drain; the events
# after it find the flag set and a drain on its way, at the cost of that one round trip. The drain
# clears the flag when it finds its shard empty and then looks once more, so an event stored after
# that look always finds the flag clear and enqueues a new drain.
# A running drain keeps its flag set, batch by batch; a drain lost with its flag set (its worker
# killed) is replaced once the flag expires.
SIGNAL_SECONDS = 60


def signal_key(shard: int) -> str:
	return f"{frappe.local.site}::connector_drain_signal::{shard}"


def enqueue_event(event_name: str):
	signal_drain(shard_of(event_name))


def signal_drain(shard: int):
	redis = get_redis_conn()
	if not redis.set(signal_key(shard), 1, nx=True, ex=SIGNAL_SECONDS):
		return
	try:
		enqueue_drain(shard)
	except Exception:
		clear_signal(shard)  # the next event tries again
		raise


def keep_signal(shard: int):
	with suppress(Exception):  # Redis away: events signal again once it is back
		get_redis_conn().set(signal_key(shard), 1, ex=SIGNAL_SECONDS)


def clear_signal(shard: int):
	with suppress(Exception):  # Redis away: the flag expires by itself
		get_redis_conn().delete(signal_key(shard))


def enqueue_drain(shard: int):
	# No job id: a drain may be enqueued while another of its shard is finishing, and the claim
	# already keeps two drains from running one event.
	frappe.enqueue("erp_connectors.connectors.processing.drain", queue="default", shard=shard)


def drain(shard: int):
	"""Process the shard's queued events, oldest first, until none are left or time is up."""
	deadline = time.monotonic() + DRAIN_SECONDS
	# Under a backlog the scheduler's sweep job waits in the queue behind drain jobs; the drains
	# run it themselves, at most once a minute across all workers.
	sweep_if_due()
	while True:
		names = queued_in_shard(shard)
		if not names:
			clear_signal(shard)
			frappe.db.commit()  # the last look in a fresh snapshot, taken after the flag is clear
			names = queued_in_shard(shard)
			if not names:
				return
		keep_signal(shard)
		for name in names:
			if time.monotonic() >= deadline:
				enqueue_drain(shard)  # the continuation queues behind whatever else waits
				return
			process_event(name)


def queued_in_shard(shard: int) -> list[str]:
	return frappe.db.sql_list(
		"""select name from `tabConnector Event`
		where status='Queued' and crc32(name) %% %(shards)s = %(shard)s
		order by creation limit %(batch)s""",
		{"shards": DRAIN_SHARDS, "shard": shard, "batch": DRAIN_BATCH},
	)


def claim(event_name: str) -> bool:
	frappe.db.sql(
		"""update `tabConnector Event` set status='Processing', modified=%s
		where name=%s and status in %s""",
		(now_datetime(), event_name, RETRYABLE_STATES),
	)
	claimed = frappe.db._cursor.rowcount == 1
	frappe.db.commit()
	return claimed


def process_event(event_name: str):
	if not claim(event_name):
		return
	with Lease(event_name):
		_run_claimed(event_name)


class Lease:
	"""A Redis key that lives while this worker runs the event: a thread renews it; if the process
	dies, the key expires within LEASE_SECONDS and the sweep knows the event was abandoned."""

	def __init__(self, event_name: str):
		self.key = lease_key(event_name)
		self.redis = frappe.cache
		self.stopped = threading.Event()

	def __enter__(self):
		self._renew()
		threading.Thread(target=self._keep, daemon=True).start()
		return self

	def __exit__(self, *exc):
		self.stopped.set()
		try:
			self.redis.delete(self.key)
		except Exception:
			pass  # it expires by itself

	def _keep(self):
		while not self.stopped.wait(LEASE_SECONDS / 3):
			self._renew()

	def _renew(self):
		try:
			self.redis.set(self.key, "1", ex=LEASE_SECONDS)
		except Exception:
			pass  # Redis away: the sweep falls back to STALE_PROCESSING_MINUTES


def lease_key(event_name: str) -> str:
	return frappe.cache.make_key(f"connector_event_lease:{event_name}")


def lease_lapsed(event_name: str) -> bool:
	try:
		return frappe.cache.get(lease_key(event_name)) is None  # the raw key: make_key was applied
	except Exception:
		return False  # unknown: leave it to STALE_PROCESSING_MINUTES


def _run_claimed(event_name: str):
	user = run_as_user()
	if frappe.session.user != user:
		# Only on a change: set_user drops the user's cached roles and permissions, which every
		# document insert then reads again.
		frappe.set_user(user)
	event = frappe.get_doc("Connector Event", event_name)
	attempt = (event.attempts or 0) + 1
	try:
		result = run_handler(event)
	except AlreadyDone as done:
		frappe.db.rollback()
		result = done.reference
	except Exception as error:
		frappe.db.rollback()
		record_failure(event_name, attempt, error)
		call_log.flush(event_name)
		return
	reference = result if isinstance(result, tuple) and len(result) == 2 else (None, None)
	_update(
		event_name,
		status="Processed",
		attempts=attempt,
		processed_at=now_datetime(),
		last_error=None,
		next_retry_at=None,
		reference_doctype=reference[0],
		reference_name=reference[1],
		**hold_fields(None),
	)
	call_log.flush(event_name)


def run_handler(event):
	binding = get_binding(event.source)
	handler = binding.source.handler_for(event.topic)
	if handler is None:
		raise NeedsAttention(f"No handler for topic {event.topic!r}; nothing was done.")
	disabled = frappe.db.get_value(event.account_doctype, event.account, "enabled") == 0
	if disabled and event.topic not in binding.source.runs_when_disabled:
		raise NeedsAttention(f"{event.account_doctype} {event.account} is disabled. Enable it, then retry.")
	context = binding.build_context(event.account)
	return handler(context, json.loads(event.payload))


def record_failure(event_name: str, attempt: int, error: BaseException):
	classed = as_connector_error(error)
	outcome = decide(classed, attempt, retry_policy())
	status = {"retry": "Failed", "held": "Held", "dead": "Dead"}[outcome.state]
	next_retry = add_to_date(now_datetime(), seconds=outcome.delay) if outcome.delay is not None else None
	history = frappe.db.get_value("Connector Event", event_name, "error_log") or ""
	entry = f"[{now_datetime()}] attempt {attempt}: {status}: {outcome.message}\n"
	if status == "Dead" and not isinstance(error, frappe.ValidationError):
		entry += "".join(traceback.format_exception(error))[-4000:]
	_update(
		event_name,
		status=status,
		attempts=attempt,
		last_error=outcome.message[:1000],
		next_retry_at=next_retry,
		error_log=(history + entry)[-20000:],
		**hold_fields(classed if status == "Held" else None),
	)


def as_connector_error(error: BaseException) -> BaseException:
	"""ERPNext's own validation errors are data problems a user can fix: hold them."""
	if isinstance(error, frappe.QueryDeadlockError | frappe.QueryTimeoutError):
		return TransientError(str(error))
	if is_insert_race(error):
		return TransientError(
			"A racing worker inserted the same record first; the retry will find it. "
			+ (str(error) or type(error).__name__)
		)
	if isinstance(error, frappe.ValidationError):
		return NeedsAttention(frappe.utils.strip_html(str(error)) or type(error).__name__)
	return error


def _update(event_name: str, **values):
	values = clean_values("Connector Event", values)
	frappe.db.set_value("Connector Event", event_name, values, update_modified=True)
	frappe.db.commit()


def retry(event_names: list[str]) -> int:
	"""A user's retry: a fresh set of attempts, enqueued now."""
	count = 0
	for name in event_names:
		status = frappe.db.get_value("Connector Event", name, "status")
		if status in ("Failed", "Held", "Dead"):
			_update(name, status="Queued", attempts=0, next_retry_at=None)
			enqueue_event(name)
			count += 1
	return count


SWEEP_EVERY_SECONDS = 60


def sweep_if_due():
	try:
		due = frappe.cache.set(
			frappe.cache.make_key("connector_sweep_due"), "1", nx=True, ex=SWEEP_EVERY_SECONDS
		)
	except Exception:
		return  # Redis away: the scheduler's own sweep runs when it is back
	if due:
		sweep()


def sweep():
	"""Run every minute by the scheduler, and by a drain job when a minute has passed."""
	now = now_datetime()
	due = frappe.get_all(
		"Connector Event",
		filters={"status": "Failed", "next_retry_at": ("<=", now)},
		pluck="name",
		limit=SWEEP_BATCH,
	)
	for name in due:
		_update(name, status="Queued")
		enqueue_event(name)

	stale_queued = frappe.get_all(
		"Connector Event",
		filters={"status": "Queued", "modified": ("<", add_to_date(now, minutes=-STALE_QUEUED_MINUTES))},
		pluck="name",
		limit=SWEEP_BATCH,
	)
	for name in stale_queued:
		enqueue_event(name)  # a no-op while the shard's drain is signalled

	processing = frappe.get_all(
		"Connector Event",
		filters={"status": "Processing", "modified": ("<", add_to_date(now, seconds=-LEASE_SECONDS))},
		fields=["name", "modified"],
		limit=SWEEP_BATCH,
	)
	give_up = add_to_date(now, minutes=-STALE_PROCESSING_MINUTES)
	crashed = [row.name for row in processing if row.modified < give_up or lease_lapsed(row.name)]
	for name in crashed:
		attempt = (frappe.db.get_value("Connector Event", name, "attempts") or 0) + 1
		record_failure(name, attempt, TransientError("The worker stopped while processing this event"))
		if frappe.db.get_value("Connector Event", name, "status") == "Failed":
			# A dead worker is no reason to wait: run it again now (an event that kills every worker
			# that takes it still ends Dead after Max Attempts).
			_update(name, status="Queued", next_retry_at=None)
			enqueue_event(name)
	return {"due": len(due), "requeued": len(stale_queued), "crashed": len(crashed)}


def clear_old_payloads():
	"""Daily: processed events past the retention period keep their id and status, not their data."""
	days = keep_event_payloads_days()
	frappe.db.sql(
		"""update `tabConnector Event` set payload='{}', headers='{}', payload_cleared=1
		where status='Processed' and payload_cleared=0 and received_at < %s""",
		add_to_date(now_datetime(), days=-days),
	)
	cleared = frappe.db._cursor.rowcount
	frappe.db.commit()
	return cleared
