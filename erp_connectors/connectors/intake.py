"""The one webhook intake path every connector shares.

Order matters: size check, raw body, signature (constant time), parse, insert
keyed by the remote event id (a duplicate is a no-op), commit, signal the drain, 2xx.
Nothing is acknowledged before it is stored: the commit is Frappe's own at the end of the
request (one commit, not ours and then Frappe's), which comes before the answer is sent; a
failed commit never reaches the sender as a 2xx.
"""

import json

import frappe
from frappe.utils import now_datetime
from werkzeug.wrappers import Response

from erp_connectors.connectors import webhook_accounts
from erp_connectors.connectors.errors import SignatureError
from erp_connectors.connectors.frappe_gateway import clean_values, insert_row
from erp_connectors.connectors.redaction import redact
from erp_connectors.connectors.registry import get_binding
from erp_connectors.connectors.settings import max_body_bytes

RETRY_AFTER_SECONDS = 30


def reply(status: int, message: str, **extra) -> Response:
	body = json.dumps({"message": message, **extra})
	return Response(body, status=status, mimetype="application/json")


def ask_again(answer: Response, status: int, message: str, seconds: int = RETRY_AFTER_SECONDS, **extra):
	"""Make `answer` a refusal the sender retries after `seconds` (503 or 429)."""
	answer.status_code = status
	answer.set_data(json.dumps({"message": message, **extra}))
	answer.headers["Content-Type"] = "application/json"
	answer.headers["Retry-After"] = str(seconds)
	return answer


def receive(source_name: str, parse_only: bool = False) -> Response:
	source = get_binding(source_name).source
	request = frappe.request
	limit = max_body_bytes(source.max_body_bytes)
	if (request.content_length or 0) > limit:
		return reply(413, f"Body larger than {limit} bytes")
	body = request.get_data(cache=True)
	if len(body) > limit:
		return reply(413, f"Body larger than {limit} bytes")

	headers = {key.lower(): value for key, value in request.headers.items()}
	query = dict(request.args)
	account = source.account_name(headers, query)
	signer = webhook_accounts.lookup(source, account) if account else None
	if signer is None:
		# The same answer as a bad signature, after the same work, so account names can't be probed.
		_verify_quietly(source, body, headers, query, [frappe.generate_hash()])
		return reply(source.signature_rejected_status, "Signature rejected")
	if source.account_fields:
		source = source.for_account(signer.values)
	if not _verify_quietly(source, body, headers, query, list(signer.secrets)):
		return reply(source.signature_rejected_status, "Signature rejected")
	try:
		event = source.parse(body, headers)
	except ValueError as error:
		return reply(400, f"Malformed payload: {error}")
	if parse_only:
		return reply(200, "parsed")

	name, duplicate = store_event(source, account, event, headers, commit=False)
	answer = reply(200, "duplicate" if duplicate else "queued", event=name)
	# A redelivery of an event still waiting signals it again: the first delivery may have been
	# stored but not signalled, Redis being away, and answered 503 for it.
	if not duplicate or frappe.db.get_value("Connector Event", name, "status") == "Queued":
		frappe.db.after_commit.add(lambda: _signal_or_ask_again(name, answer))
	return answer


def _signal_or_ask_again(name: str, answer: Response):
	from erp_connectors.connectors.processing import enqueue_event

	try:
		enqueue_event(name)
	except Exception:
		# Stored but not signalled: the sender delivers again, and that duplicate signals it.
		ask_again(answer, 503, "Stored, not yet queued; deliver again.", event=name)


def _verify_quietly(source, body: bytes, headers: dict, query: dict, secrets: list[str]) -> bool:
	"""Why a signature failed (no secret configured, stale timestamp, wrong mode) is for our logs
	at most, never for the sender."""
	try:
		source.verify(body, headers, query, secrets)
	except SignatureError:
		return False
	return True


def store_event(source, account: str, event, headers: dict, commit: bool = True) -> tuple[str, bool]:
	"""Insert the event and, unless the caller commits it, commit. Returns (name, was_duplicate)."""
	values = clean_values(
		"Connector Event",
		{
			"source": source.name,
			"account_doctype": source.account_doctype,
			"account": account,
			"topic": event.topic,
			"remote_event_id": str(event.event_id),
			"occurred_at": event.occurred_at,
			"received_at": now_datetime(),
			"status": "Queued",
			"payload": event.payload_json if event.payload_json is not None else json.dumps(event.payload),
			"headers": json.dumps(redact(headers), indent=1),
			"origin": "Webhook" if headers else "Poll",  # polls and backfills store no headers
		},
	)
	# A plain row insert: the event is our own record, so no document hooks or list notifications;
	# this path runs inside the remote's delivery timeout.
	name = insert_row("Connector Event", values)
	if name is None:
		# The unique index on (source, account, remote_event_id, topic) did its job.
		frappe.db.rollback()
		existing = frappe.db.get_value(
			"Connector Event",
			{
				"source": source.name,
				"account": account,
				"remote_event_id": values["remote_event_id"],
				"topic": values["topic"],
			},
		)
		return existing, True
	if commit:
		frappe.db.commit()
	return name, False


def queue_event(account, topic: str, event_id: str, payload) -> str | None:
	"""An event a handler leaves for the account's own handlers (e.g. an order's payments, apart from
	the order): stored in the caller's transaction, so it exists exactly when the caller's work
	commits, and processed after that commit. The same event id twice stores one event."""
	source = source_for_account(account.doctype)
	values = clean_values(
		"Connector Event",
		{
			"source": source.name,
			"account_doctype": account.doctype,
			"account": account.name,
			"topic": topic,
			"remote_event_id": str(event_id),
			"received_at": now_datetime(),
			"status": "Queued",
			"payload": json.dumps(payload),
			"headers": "{}",
			"origin": "Follow-up",
		},
	)
	frappe.db.savepoint("queue_event")
	name = insert_row("Connector Event", values)
	if name is None:
		frappe.db.rollback(save_point="queue_event")  # Postgres aborts the transaction otherwise
		return None
	from erp_connectors.connectors.processing import enqueue_event

	frappe.db.after_commit.add(lambda: enqueue_event(name))
	return name


def source_for_account(account_doctype: str):
	for name in frappe.get_hooks("connector_sources") or {}:
		source = get_binding(name).source
		if source.account_doctype == account_doctype:
			return source
	raise KeyError(f"No connector receives events for {account_doctype}")
