"""How long events wait from received to processed: p50 and p95 per day received, last 30 days."""

import frappe
from frappe.utils import add_days, getdate, nowdate

from erp_connectors.connectors.charts import DAYS, processing_lag


@frappe.whitelist()
def get(chart_name=None, chart=None, no_cache=None, filters=None, **_):
	frappe.has_permission("Connector Event", "read", throw=True)
	today = getdate(nowdate())
	return processing_lag(lag_percentiles(add_days(today, 1 - DAYS)), today)


def lag_percentiles(since) -> list[tuple]:
	"""(day, p50, p95) in seconds, computed by the database (PERCENTILE_CONT), not row by row here."""
	return frappe.db.sql(
		"""select distinct day,
			percentile_cont(0.5) within group (order by lag) over (partition by day),
			percentile_cont(0.95) within group (order by lag) over (partition by day)
		from (
			select date(received_at) as day,
				timestampdiff(microsecond, received_at, processed_at) / 1000000 as lag
			from `tabConnector Event`
			where received_at >= %s and status = 'Processed' and processed_at is not null
		) as processed
		order by day""",
		since,
	)
