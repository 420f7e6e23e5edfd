"""The outbound call log sink.

Records are buffered while a sync runs. `flush` writes them in a transaction of
their own: at once when the caller has nothing uncommitted, otherwise as soon
as the caller's transaction ends, whichever way it ends. So a failed sync still
leaves the log of the calls it made, and writing the log never commits the
caller's half-done work.
"""

import json

import frappe

from erp_connectors.connectors.frappe_gateway import clean_values
from erp_connectors.connectors.http import CallRecord


def sink_for(account_doctype: str, account: str):
	def log_call(record: CallRecord):
		mode = frappe.db.get_single_value("Connector Settings", "log_calls") or "All"
		if mode == "None" or (mode == "Errors only" and record.error is None and (record.status or 0) < 400):
			return
		if getattr(frappe.local, "connector_call_logs", None) is None:
			frappe.local.connector_call_logs = []
		frappe.local.connector_call_logs.append((account_doctype, account, record))

	return log_call


def flush(event: str | None = None) -> int:
	buffer = getattr(frappe.local, "connector_call_logs", None) or []
	frappe.local.connector_call_logs = []
	if not buffer:
		return 0
	rows = [_row(account_doctype, account, record, event) for account_doctype, account, record in buffer]
	if frappe.db.transaction_writes:
		once = _Once(lambda: _write(rows))
		frappe.db.after_commit.add(once)
		frappe.db.after_rollback.add(once)
	else:
		_write(rows)
	return len(buffer)


class _Once:
	def __init__(self, action):
		self.action, self.done = action, False

	def __call__(self):
		if not self.done:
			self.done = True
			self.action()


def _write(rows: list[dict]):
	for row in rows:
		frappe.get_doc(row).db_insert()
	# Only our rows are in this transaction; a plain COMMIT keeps other callbacks queued.
	frappe.db.sql("commit")


def _row(account_doctype: str, account: str, record: CallRecord, event: str | None) -> dict:
	return {
		"doctype": "Connector Call Log",
		**clean_values(
			"Connector Call Log",
			{
				"service": record.service,
				"account_doctype": account_doctype,
				"account": account,
				"method": record.method,
				"url": record.url[:1000],
				"status_code": record.status or 0,
				"duration_ms": record.duration_ms,
				"request": _dump(record.request),
				"response": _dump(record.response),
				"error": record.error,
				"event": event,
			},
		),
	}


def _dump(value) -> str | None:
	if value is None:
		return None
	text = value if isinstance(value, str) else json.dumps(value, indent=1, default=str)
	return text[:20000]
