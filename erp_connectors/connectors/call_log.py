"""The outbound call log sink.

Records are buffered and written after the surrounding transaction commits or
rolls back, so a failed sync still leaves the log of the calls it made.
"""

import json

import frappe

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


def flush(event: str | None = None):
	buffer = getattr(frappe.local, "connector_call_logs", None) or []
	frappe.local.connector_call_logs = []
	for account_doctype, account, record in buffer:
		frappe.get_doc(
			{
				"doctype": "Connector Call Log",
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
			}
		).db_insert()
	if buffer:
		frappe.db.commit()  # nosemgrep: logs must survive the caller's rollback
	return len(buffer)


def _dump(value) -> str | None:
	if value is None:
		return None
	text = value if isinstance(value, str) else json.dumps(value, indent=1, default=str)
	return text[:20000]
