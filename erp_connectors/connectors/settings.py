"""Connector Settings, read once per request with safe defaults."""

import frappe

from erp_connectors.connectors.retry import RetryPolicy


def get_settings():
	return frappe.get_cached_doc("Connector Settings")


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
