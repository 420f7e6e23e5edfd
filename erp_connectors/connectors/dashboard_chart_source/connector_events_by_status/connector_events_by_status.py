"""Connector Events received per day over the last 30 days, by status (stacked bars)."""

import frappe
from frappe.utils import add_days, getdate, nowdate

from erp_connectors.connectors.charts import DAYS, events_by_status


@frappe.whitelist()
def get(chart_name=None, chart=None, no_cache=None, filters=None, **_):
	frappe.has_permission("Connector Event", "read", throw=True)
	today = getdate(nowdate())
	rows = frappe.db.sql(
		"""select date(received_at) as day, status, count(*) from `tabConnector Event`
		where received_at >= %s group by day, status""",
		add_days(today, 1 - DAYS),
	)
	return events_by_status(rows, today)
