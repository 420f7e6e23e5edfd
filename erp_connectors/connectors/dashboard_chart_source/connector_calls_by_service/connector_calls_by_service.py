"""Outbound calls per service over the last 30 days, answered and failed (Connector Call Log)."""

import frappe
from frappe.utils import add_days, getdate, nowdate

from erp_connectors.connectors.charts import DAYS, calls_by_service


@frappe.whitelist()
def get(chart_name=None, chart=None, no_cache=None, filters=None, **_):
	frappe.has_permission("Connector Call Log", "read", throw=True)
	return calls_by_service(calls_per_service(add_days(getdate(nowdate()), 1 - DAYS)))


def calls_per_service(since) -> list[tuple]:
	"""(service, calls, failed): a call failed when it had no answer or a 4xx/5xx one."""
	return frappe.db.sql(
		"""select service, count(*), sum(status_code = 0 or status_code >= 400)
		from `tabConnector Call Log` where creation >= %s group by service""",
		since,
	)
