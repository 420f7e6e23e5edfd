"""Frappe surface of the Shopify connector: the webhook endpoint and the sync context."""

from datetime import datetime, timedelta, timezone

import frappe
from frappe.utils import get_system_timezone

from erp_connectors.connectors import call_log, intake, site_policy
from erp_connectors.connectors.budget import budget_for
from erp_connectors.connectors.frappe_gateway import FrappeGateway
from erp_connectors.connectors.gateway import AccountRef
from erp_connectors.connectors.processing import enqueue_event
from erp_connectors.connectors.registry import ConnectorBinding
from erp_connectors.connectors.sources import InboundEvent, SyncContext
from erp_connectors.connectors.webhook_guards import rate_limited
from erp_connectors.shopify_connector.auth_sync import StoreTokens, set_state
from erp_connectors.shopify_connector.bulk import orders_by_bulk
from erp_connectors.shopify_connector.graphql_client import HOSTS, ShopifyGraphQL
from erp_connectors.shopify_connector.reconcile import orders_updated_since
from erp_connectors.shopify_connector.webhook import ShopifyWebhookSource

# Re-read a little before the cursor: Shopify's updated_at and ours may disagree by seconds.
POLL_OVERLAP = timedelta(minutes=5)


# xss_safe: Frappe would sanitise every string of the parsed JSON body for a guest (about 2 ms per
# order); the intake reads the raw body instead and cleans what it stores (clean_values).
@frappe.whitelist(allow_guest=True, xss_safe=True, methods=["POST"])
@rate_limited
def webhook():
	return intake.receive(ShopifyWebhookSource.name)


def store_settings(store) -> dict:
	return {
		"company": store.company,
		"default_warehouse": store.default_warehouse,
		"price_list": store.price_list,
		"customer_group": store.customer_group,
		"naming_series": store.sales_order_series,
		"cost_center": store.cost_center,
		"shipping_as": store.shipping_as,
		"shipping_account": store.shipping_account,
		"shipping_item": store.shipping_item,
		"tax_accounts": {row.tax_title: row.account for row in store.tax_accounts},
		"location_warehouses": {row.shopify_location_id: row.warehouse for row in store.locations},
		"import_test_orders": bool(store.import_test_orders),
		"create_invoice": bool(store.create_invoice),
		"create_payment": bool(store.create_payment),
		"payment_account": store.payment_account,
		"time_zone": get_system_timezone(),  # order dates are the site's days
		**payment_settings(store),
	}


def payment_settings(store) -> dict:
	"""The Payments and Payouts section: gateways, gift cards, tips, invoicing and payouts."""
	return {
		"store_name": store.name,
		"company_currency": frappe.get_cached_value("Company", store.company, "default_currency"),
		"gateways": {
			row.gateway.strip(): {"account": row.account, "mode_of_payment": row.mode_of_payment}
			for row in store.get("gateways") or []
		},
		"gift_card_item": store.get("gift_card_item"),
		"gift_card_account": store.get("gift_card_account"),
		"tip_account": store.get("tip_account"),
		"invoice_at_fulfillment": bool(store.get("invoice_at_fulfillment")),
		**{
			field: store.get(field)
			for field in (
				"payout_bank_account",
				"payout_fee_account",
				"payout_dispute_account",
				"payout_reserve_account",
				"payout_adjustment_account",
			)
		},
	}


def build_context(store_name: str) -> SyncContext:
	from erp_connectors.shopify_connector import privacy_sync

	# Every event reads the store's settings: from Frappe's document cache (cleared when the store is
	# saved), not six queries. The client, which keeps connection state, reads the store afresh.
	store = frappe.get_cached_doc("Shopify Store", store_name)
	return SyncContext(
		account=AccountRef("Shopify Store", store.name),
		settings=store_settings(store),
		gateway=FrappeGateway(),
		extra={
			"shopify": lambda: client_for(frappe.get_doc("Shopify Store", store_name)),
			"request_erasure": lambda email, note: privacy_sync.request_erasure(store.name, email, note),
			"forget_store": lambda: privacy_sync.forget_store(store.name),
		},
	)


WEBHOOK_PATH = "/api/method/erp_connectors.shopify_connector.integration.webhook"
BINDING = ConnectorBinding(source=ShopifyWebhookSource(), build_context=build_context, endpoint=WEBHOOK_PATH)


def client_for(store) -> ShopifyGraphQL:
	"""The store's Admin API client; its token comes from the store's connection (auth_sync)."""
	return ShopifyGraphQL(
		store.shop_domain,
		StoreTokens(store),
		api_version=store.api_version,
		on_version=lambda answered: record_answered_version(store, answered),
		base_url=store.base_url or None,
		budget=budget_for(
			"Shopify Store", store.name, store.api_bucket_size or 1000, store.api_restore_rate or 100
		),
		log_call=call_log.sink_for("Shopify Store", store.name),
		policy=site_policy.policy("Shopify", HOSTS),
	)


def record_answered_version(store, answered: str):
	"""Keep the API version Shopify answered with on the store (only when it changes)."""
	if answered != store.get("api_version_answered"):
		store.api_version_answered = answered
		set_state(store.name, api_version_answered=answered)


def store_polled_order(store_name: str, order: dict, updated_at: str) -> int:
	"""Store a polled or backfilled order as an event for the webhook's handlers; 1 if new.
	The same order at the same updatedAt is the same event, however it was found."""
	event = InboundEvent(
		event_id=f"poll:{order['id']}:{updated_at}",
		topic="orders/updated",
		payload=order,
		occurred_at=updated_at,
	)
	name, duplicate = intake.store_event(BINDING.source, store_name, event, {})
	if duplicate:
		return 0
	enqueue_event(name)
	return 1


def backfill_store(store_name: str, since: str | None = None) -> int:
	"""Every order changed since `since`, through one bulk operation streamed order by order."""
	store = frappe.get_doc("Shopify Store", store_name)
	stored = 0
	try:
		for order, updated_at in orders_by_bulk(client_for(store), since):
			stored += store_polled_order(store.name, order, updated_at)
	finally:
		call_log.flush()
	return stored


def poll_all_stores():
	"""Every 15 minutes: one reconciliation job per enabled store."""
	for name in frappe.get_all("Shopify Store", filters={"enabled": 1, "sync_orders": 1}, pluck="name"):
		frappe.enqueue(
			"erp_connectors.shopify_connector.integration.poll_store",
			job_id=f"shopify_poll::{name}",
			deduplicate=True,
			store_name=name,
		)


def poll_store(store_name: str) -> int:
	"""Store every order changed since the cursor as an event, so missed webhooks are caught.
	An unchanged order has the same event id as last time, and a known order is linked: no doubles."""
	store = frappe.get_doc("Shopify Store", store_name)
	cursor = store.orders_synced_until
	since = (cursor - POLL_OVERLAP).strftime("%Y-%m-%dT%H:%M:%SZ") if cursor else None
	newest, stored = cursor, 0
	try:
		for order, updated_at in orders_updated_since(client_for(store), since):
			stored += store_polled_order(store.name, order, updated_at)
			changed = (
				datetime.fromisoformat(updated_at.replace("Z", "+00:00"))
				.astimezone(timezone.utc)
				.replace(tzinfo=None)
			)
			newest = max(newest, changed) if newest else changed
	finally:
		if newest != cursor:
			frappe.db.set_value("Shopify Store", store.name, "orders_synced_until", newest)
			frappe.db.commit()
		call_log.flush()
	return stored
