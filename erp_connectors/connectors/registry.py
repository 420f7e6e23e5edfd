"""Connector bindings, found through the `connector_sources` hook.

A binding is the Frappe side of one connector: its pure `WebhookSource` and a
`build_context(account_name)` that reads the account record into a SyncContext.
Webhooks, retries, polls and backfills all reach handlers through it.
"""

from collections.abc import Callable
from dataclasses import dataclass

import frappe

from erp_connectors.connectors.sources import SyncContext, WebhookSource


@dataclass(frozen=True)
class ConnectorBinding:
	source: WebhookSource
	build_context: Callable[[str], SyncContext]
	endpoint: str | None = None  # the webhook's /api/method/... path


def binding_for_endpoint(path: str) -> ConnectorBinding | None:
	for name in frappe.get_hooks("connector_sources") or {}:
		binding = get_binding(name)
		if binding.endpoint and binding.endpoint == path:
			return binding
	return None


def get_binding(source_name: str) -> ConnectorBinding:
	paths = frappe.get_hooks("connector_sources") or {}
	path = paths.get(source_name)
	if not path:
		raise KeyError(f"No connector is registered for source {source_name!r}")
	# A hook value may be given more than once (several apps); the last one wins.
	return frappe.get_attr(path[-1] if isinstance(path, list) else path)
