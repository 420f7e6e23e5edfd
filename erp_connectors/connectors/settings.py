"""Connector Settings with safe defaults, kept in each process for a few seconds.

Every webhook reads them (body limit, rate limit); Frappe's document cache costs a Redis round trip
and an unpickle per request. A saved change reaches the saving process at once and every other
process within PROCESS_CACHE_SECONDS.
"""

import time

import frappe

from erp_connectors.connectors.retry import RetryPolicy

PROCESS_CACHE_SECONDS = 10
_by_site: dict[str, tuple[float, object]] = {}


def get_settings():
	site = frappe.local.site
	cached = _by_site.get(site)
	if cached and time.monotonic() - cached[0] < PROCESS_CACHE_SECONDS:
		return cached[1]
	settings = frappe.get_cached_doc("Connector Settings")
	_by_site[site] = (time.monotonic(), settings)
	return settings


def forget():
	_by_site.pop(frappe.local.site, None)


def retry_policy() -> RetryPolicy:
	settings = get_settings()
	return RetryPolicy(
		base_seconds=float(settings.base_delay_seconds or 30),
		max_seconds=float(settings.max_delay_seconds or 6 * 3600),
		max_attempts=int(settings.max_attempts or 8),
	)


def max_body_bytes(source_limit: int) -> int:
	configured = int(get_settings().max_body_kb or 0) * 1024
	return min(source_limit, configured) if configured else source_limit


def webhook_rate_limit() -> int:
	"""Requests per minute per client IP on each webhook endpoint."""
	return int(get_settings().webhook_rate_limit_per_minute or 600)


def run_as_user() -> str:
	return get_settings().run_as_user or "Administrator"


def api_rate_limit() -> int:
	"""Requests per minute per API key (user) on the v1 API."""
	return int(get_settings().api_rate_limit_per_minute or 600)


def keep_event_payloads_days() -> int:
	return int(get_settings().keep_event_payloads_days or 90)
