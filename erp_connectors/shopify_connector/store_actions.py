"""Desk buttons on a Shopify Store: Test Connection, Register Webhooks, Sync Now, Backfill Since,
Fetch Locations and Fetch Tax Titles."""

import json
from datetime import timedelta

import frappe
from frappe import _
from frappe.utils import get_datetime, get_url, now_datetime

from erp_connectors.connectors import onboarding
from erp_connectors.connectors.desk import user_facing
from erp_connectors.connectors.frappe_gateway import clean_values
from erp_connectors.connectors.remedies import load
from erp_connectors.shopify_connector import scopes
from erp_connectors.shopify_connector.auth_sync import begin_connect
from erp_connectors.shopify_connector.catalog_sync import (
	link_store_variants,
	push_store_items,
	push_store_prices,
)
from erp_connectors.shopify_connector.handlers import SUBSCRIBED
from erp_connectors.shopify_connector.integration import WEBHOOK_PATH, client_for
from erp_connectors.shopify_connector.remedies import TAX
from erp_connectors.shopify_connector.shop import (
	granted_scopes,
	locations,
	recent_tax_titles,
	shop_info,
	subscribe,
)
from erp_connectors.shopify_connector.stock_sync import push_store


def _queue(method: str, job: str, store: str, long: bool = False, **kwargs):
	"""One job per store and kind: a second click while it waits queues nothing."""
	options = {"queue": "long", "timeout": 4 * 3600} if long else {}
	frappe.enqueue(method, job_id=f"{job}::{store}", deduplicate=True, store_name=store, **options, **kwargs)


def _store(name: str):
	frappe.has_permission("Shopify Store", "write", name, throw=True)
	return frappe.get_doc("Shopify Store", name)


@frappe.whitelist(methods=["POST"])
@user_facing("Shopify")
def test_connection(store: str):
	"""The shop behind the token, the scopes it was granted against what each enabled flow needs, and
	the API version Shopify answered with."""
	doc = _store(store)
	client = client_for(doc)
	shop = shop_info(client)
	if shop["myshopifyDomain"] != doc.shop_domain:
		frappe.throw(
			_("This token belongs to {0}, not {1}.").format(shop["myshopifyDomain"], doc.shop_domain)
		)
	checked = scopes.check(doc, granted_scopes(client))
	# Green (every enabled flow has its scopes) is what the setup step checks.
	_record(doc.name, connection_tested_at=None if checked.missing else now_datetime())
	return {
		**shop,
		"api_version": doc.api_version,
		"answered_version": client.answered_version,
		"granted": list(checked.granted),
		"needed": list(checked.needed),
		"missing": [{"flow": flow, "scopes": list(lacking)} for flow, lacking in checked.missing.items()],
	}


@frappe.whitelist(methods=["POST"])
@user_facing("Shopify")
def connect_to_shopify(store: str):
	"""Where to send the admin: the store's authorize page, asking for every scope its flows need."""
	doc = _store(store)
	return {"url": begin_connect(doc)}


@frappe.whitelist(methods=["POST"])
@user_facing("Shopify")
def register_webhooks(store: str):
	"""Subscribe every topic we handle to this site's endpoint (GraphQL webhookSubscriptionCreate)."""
	doc = _store(store)
	result = subscribe(client_for(doc), SUBSCRIBED, get_url(WEBHOOK_PATH))
	_record(doc.name, webhooks_registered_at=now_datetime())
	return result


# How far back Fetch Tax Titles reads orders.
TAX_TITLE_DAYS = 90


@frappe.whitelist(methods=["POST"])
@user_facing("Shopify")
def fetch_locations(store: str):
	"""The shop's active locations, for the form to add as rows (the admin then picks warehouses)."""
	doc = _store(store)
	found = [clean_values("Shopify Store Location", row) for row in locations(client_for(doc))]
	mapped = {str(row.shopify_location_id) for row in doc.locations}
	return {"locations": found, "new": [row for row in found if row["shopify_location_id"] not in mapped]}


@frappe.whitelist(methods=["POST"])
@user_facing("Shopify")
def fetch_tax_titles(store: str):
	"""The tax titles of the shop's recent orders and of its orders held for a tax mapping, for the
	form to add as rows (the admin then picks accounts). They are kept as the titles to map."""
	doc = _store(store)
	since = (now_datetime() - timedelta(days=TAX_TITLE_DAYS)).strftime("%Y-%m-%dT%H:%M:%SZ")
	titles = list(recent_tax_titles(client_for(doc), since))
	for title in held_tax_titles(doc.name):
		if title not in titles:
			titles.append(title)
	titles = [clean_values("Shopify Store Tax Account", {"tax_title": t})["tax_title"] for t in titles]
	mapped = {row.tax_title for row in doc.tax_accounts}
	_record(doc.name, tax_titles_seen=json.dumps(titles, indent=1))
	return {"titles": titles, "new": [title for title in titles if title not in mapped], "since": since}


def held_tax_titles(store: str) -> list[str]:
	"""Tax titles the store's held events wait for."""
	titles = []
	for text in frappe.get_all(
		"Connector Event",
		filters={"status": "Held", "account_doctype": "Shopify Store", "account": store},
		pluck="remedies",
	):
		for remedy in load(text):
			if remedy.kind == TAX and remedy.data.get("tax_title") not in titles:
				titles.append(remedy.data["tax_title"])
	return titles


def _record(store: str, **values):
	"""What a button found, kept on the store without touching its modified time (the form stays
	saveable), and the setup steps checked again. The button's work is done: committed here, so the
	log of its calls is written at once too."""
	frappe.db.set_value("Shopify Store", store, values, update_modified=False)
	onboarding.refresh("Shopify Store")
	frappe.db.commit()


@frappe.whitelist(methods=["POST"])
def sync_now(store: str):
	_store(store)
	_queue("erp_connectors.shopify_connector.integration.poll_store", "shopify_poll", store)


@frappe.whitelist(methods=["POST"])
def backfill_since(store: str, since: str):
	"""Read every order changed since a date with one bulk operation; known orders stay as they are
	(links), missing ones import. Runs in the long queue: a large shop takes minutes."""
	_store(store)
	_queue(
		"erp_connectors.shopify_connector.integration.backfill_store",
		"shopify_backfill",
		store,
		long=True,
		since=get_datetime(since).strftime("%Y-%m-%dT%H:%M:%SZ"),
	)


@frappe.whitelist(methods=["POST"])
@user_facing("Shopify")
def link_variants(store: str):
	"""Bind the store's variants to existing Items whose code is the SKU; never creates Items."""
	doc = _store(store)
	result = link_store_variants(doc.name)
	return {"linked": result.linked, "already": result.already, "unmatched": result.unmatched[:50]}


@frappe.whitelist(methods=["POST"])
@user_facing("Shopify")
def push_stock(store: str):
	"""Push every linked item's available quantity per mapped location now (a full reconcile)."""
	doc = _store(store)
	result = push_store(doc.name, everything=True)
	if result is None:
		frappe.throw(
			_("Nothing to push: link variants by SKU and map Shopify locations to warehouses first.")
		)
	return {"sent": result.sent, "calls": result.calls, "forced": result.forced}


@frappe.whitelist(methods=["POST"])
@user_facing("Shopify")
def push_prices(store: str):
	"""Send the store's price list rates to its linked variants now, where Shopify's price differs."""
	doc = _store(store)
	result = push_store_prices(doc.name)
	return {"changed": len(result.changed), "calls": result.calls, "unpriced": result.unpriced[:50]}


@frappe.whitelist(methods=["POST"])
def import_products(store: str):
	"""Queue the product import (long queue): templates and variants, existing Items linked by SKU."""
	_store(store)
	_queue(
		"erp_connectors.shopify_connector.catalog_sync.import_store_products",
		"shopify_products",
		store,
		long=True,
	)


@frappe.whitelist(methods=["POST"])
@user_facing("Shopify")
def push_items(store: str):
	"""Create Shopify products for the catalogue group's Items the store does not sell yet."""
	doc = _store(store)
	result = push_store_items(doc.name)
	return {"pushed": result.pushed[:50], "calls": result.calls, "skipped": result.skipped[:50]}
