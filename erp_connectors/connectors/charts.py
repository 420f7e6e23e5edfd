"""The Connectors workspace's charts, from the rows their queries return. Pure.

Each function returns what a Frappe dashboard chart source returns: labels, datasets and a type.
Days with nothing still get a label and zeros, so a quiet day shows as quiet, not as missing.
"""

from datetime import date, timedelta

DAYS = 30
STATUSES = ("Processed", "Queued", "Failed", "Held", "Dead")
STATUS_COLOURS = {
	"Processed": "#29CD42",
	"Queued": "#2490EF",
	"Failed": "#ECAD4B",
	"Held": "#F3C74A",
	"Dead": "#E24C4C",
}


def days(today: date, span: int = DAYS) -> list[date]:
	return [today - timedelta(days=offset) for offset in range(span - 1, -1, -1)]


def _label(day: date) -> str:
	return day.strftime("%d %b")


def events_by_status(rows, today: date, span: int = DAYS) -> dict:
	"""rows: (day, status, count). One stacked bar per day, one dataset per status (always the same
	five, so each keeps its colour; an event in Processing for the moment counts as Queued)."""
	window = days(today, span)
	counts: dict = {}
	for day, status, count in rows:
		key = (day, "Queued" if status == "Processing" else status)
		counts[key] = counts.get(key, 0) + int(count)
	return {
		"labels": [_label(day) for day in window],
		"datasets": [
			{"name": status, "values": [counts.get((day, status), 0) for day in window]}
			for status in STATUSES
		],
		"colors": [STATUS_COLOURS[status] for status in STATUSES],
		"type": "bar",
	}


def processing_lag(rows, today: date, span: int = DAYS) -> dict:
	"""rows: (day, p50 seconds, p95 seconds) of the events received that day and processed."""
	window = days(today, span)
	found = {day: (p50, p95) for day, p50, p95 in rows}

	def values(index: int) -> list[float]:
		return [round(float(found[day][index] or 0), 2) if day in found else 0 for day in window]

	return {
		"labels": [_label(day) for day in window],
		"datasets": [
			{"name": "p50 (seconds)", "values": values(0)},
			{"name": "p95 (seconds)", "values": values(1)},
		],
		"type": "line",
	}


def percentile(values, fraction: float) -> float | None:
	"""The continuous percentile (as SQL's PERCENTILE_CONT): linear between the two nearest ranks."""
	ordered = sorted(float(v) for v in values)
	if not ordered:
		return None
	position = fraction * (len(ordered) - 1)
	low = int(position)
	high = min(low + 1, len(ordered) - 1)
	return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def calls_by_service(rows) -> dict:
	"""rows: (service, calls, failed). Answered and failed calls per service, stacked."""
	rows = sorted(rows, key=lambda row: -int(row[1]))
	return {
		"labels": [service for service, _, _ in rows],
		"datasets": [
			{"name": "Answered", "values": [int(calls) - int(failed or 0) for _, calls, failed in rows]},
			{"name": "Failed", "values": [int(failed or 0) for _, _, failed in rows]},
		],
		"colors": ["#29CD42", "#E24C4C"],
		"type": "bar",
	}


def error_rate_by_service(rows) -> dict:
	"""rows: (service, calls, failed). The share of calls that failed, in percent, per service."""
	rows = sorted(rows, key=lambda row: -int(row[1]))
	return {
		"labels": [service for service, _, _ in rows],
		"datasets": [
			{
				"name": "Error rate (%)",
				"values": [
					round(100 * int(failed or 0) / int(calls), 1) if int(calls) else 0
					for _, calls, failed in rows
				],
			}
		],
		"colors": ["#E24C4C"],
		"type": "bar",
	}
