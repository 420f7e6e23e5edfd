"""The share of outbound calls that failed, per service, over the last 30 days."""

import frappe
from frappe.utils import add_days, getdate, nowdate

from erp_connectors.connectors.charts import DAYS, error_rate_by_service
from erp_connectors.connectors.dashboard_chart_source.connector_calls_by_service.connector_calls_by_service import (
	calls_per_service,
)


@frappe.whitelist()
def get(chart_name=None, chart=None, no_cache=None, filters=None, **_):
	frappe.has_permission("Connector Call Log", "read", throw=True)
	return error_rate_by_service(calls_per_service(add_days(getdate(nowdate()), 1 - DAYS)))
