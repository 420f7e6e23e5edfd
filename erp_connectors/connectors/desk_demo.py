"""Records for the Desk walkthroughs in headless Chromium (tools/desk_workspace.mjs, tools/desk_remedy.mjs,
tools/shopify_onboarding.mjs); never used in production paths. Run with `bench --site SITE execute`.

- `seed`: 30 days of events and calls for accounts of its own (a healthy store, a store Shopify will
  no longer renew, a Stripe account and a carrier), so the workspace's charts and Account Health have
  something to show; `clear` removes them and the held order, leaving the site to the bench suite.
- `held_order`: a real Shopify order held for two SKUs with no Item, through the intake and a worker.
- `onboarding`: only the store the walkthrough creates is enabled, and its steps start open.
"""

import json
import random
from datetime import datetime, timedelta

import frappe
from frappe.utils import now_datetime

from erp_connectors.connectors import intake, processing
from erp_connectors.connectors import onboarding as setup_steps
from erp_connectors.connectors.sources import InboundEvent
from erp_connectors.shopify_connector import remedies
from erp_connectors.shopify_connector.bench_fixtures import (
	SHOP,
	cleanup,
	ensure_items,
	ensure_store,
	sample_order,
	signed_headers,
)

MARK = "desk-demo:"
HEALTHY, RECONNECT = "acme-demo.myshopify.com", "north-demo.myshopify.com"
DEMO_REQUEST = json.dumps({"desk_demo": 1})
HELD = {
	"Shopify": [
		(
			remedies.ITEM_REASON,
			"Shopify order #{n} has lines with no Item in ERPNext: 'Floor Lamp' (SKU 'LAMP-{n}').",
		),
		(remedies.TAX_REASON, "Shopify order #{n} has tax 'PST' with no account."),
		(
			"Shopify order … totals … USD but maps to … (difference …)",
			"Shopify order #{n} totals 12.00 USD but maps to 10.00 (difference 2.00).",
		),
	],
	"Stripe": [
		(
			"Payment Request … does not exist",
			"Payment Request ACC-PRQ-2026-{n} does not exist. Correct it, then retry.",
		),
	],
	"Carrier": [
		("Address … has no …", "Address Customer-{n}-Shipping has no pincode. Fill it in, then try again."),
	],
}


def _stores():
	ensure_store()
	base = frappe.get_doc("Shopify Store", SHOP)
	for name, values in (
		(HEALTHY, {"connection_method": "Admin API access token (legacy)", "access_token": "shpat_demo_1"}),
		(
			RECONNECT,
			{
				"connection_method": "Connect to Shopify (authorization code)",
				"client_id": "demo",
				"client_secret": "demo",
			},
		),
	):
		if frappe.db.exists("Shopify Store", name):
			frappe.delete_doc("Shopify Store", name, force=True, ignore_permissions=True)
		store = frappe.copy_doc(base)
		store.update({"shop_domain": name, "base_url": None, **values})
		store.insert(ignore_permissions=True)
	frappe.db.set_value("Shopify Store", RECONNECT, "connection_status", "Reconnect Needed")


DEMO_STRIPE, DEMO_CARRIER = "Demo Stripe", "Demo EasyPost"


def _other_accounts():
	"""A Stripe account and a carrier account of the demo's own (the bench suite's stay untouched)."""
	if not frappe.db.exists("Stripe Account", DEMO_STRIPE):
		frappe.get_doc(
			{
				"doctype": "Stripe Account",
				"account_name": DEMO_STRIPE,
				"mode": "Test",
				"company": "Test Company",
			}
		).insert(ignore_permissions=True, ignore_mandatory=True)
	if not frappe.db.exists("Carrier Account", DEMO_CARRIER):
		frappe.get_doc(
			{
				"doctype": "Carrier Account",
				"account_name": DEMO_CARRIER,
				"provider": "EasyPost",
				"test_mode": 1,
				"company": "Test Company",
			}
		).insert(ignore_permissions=True, ignore_mandatory=True)


def clear():
	"""Everything seed and held_order made, so the bench suite finds the site as it left it."""
	frappe.db.delete("Connector Event", {"remote_event_id": ("like", f"{MARK}%")})
	frappe.db.delete("Connector Call Log", {"request": DEMO_REQUEST})
	for doctype, name in (
		("Shopify Store", HEALTHY),
		("Shopify Store", RECONNECT),
		("Stripe Account", DEMO_STRIPE),
		("Carrier Account", DEMO_CARRIER),
	):
		if frappe.db.exists(doctype, name):
			frappe.delete_doc(doctype, name, force=True, ignore_permissions=True)
	clear_held_order()
	frappe.db.commit()


def clear_held_order():
	cleanup([HELD_ORDER_ID])
	# Its Sales Order, even when another cleanup removed the order's link first.
	for name in frappe.get_all("Sales Order", {"po_no": sample_order(HELD_ORDER_ID)["name"]}, pluck="name"):
		order = frappe.get_doc("Sales Order", name)
		if order.docstatus == 1:
			order.cancel()
		frappe.delete_doc("Sales Order", name, force=True, ignore_permissions=True)
	for code in (LAMP, RUG):
		frappe.db.delete("Connector Link", {"reference_doctype": "Item", "reference_name": code})
		if frappe.db.exists("Item", code):
			frappe.delete_doc("Item", code, force=True, ignore_permissions=True)
	frappe.db.delete("Connector Link", {"reference_doctype": "Item", "reference_name": EXISTING})


def seed(days: int = 30, seed_value: int = 15):
	clear()
	_stores()
	_other_accounts()
	rng = random.Random(seed_value)
	accounts = [
		("Shopify", "Shopify Store", HEALTHY, 30),
		("Shopify", "Shopify Store", RECONNECT, 12),
		("Stripe", "Stripe Account", DEMO_STRIPE, 10),
		("Carrier", "Carrier Account", DEMO_CARRIER, 6),
	]
	today = datetime.combine(now_datetime().date(), datetime.min.time())
	events, calls, n = [], [], 0
	for offset in range(days - 1, -1, -1):
		day = today - timedelta(days=offset)
		for source, doctype, account, volume in accounts:
			for _ in range(rng.randint(volume // 2, volume)):
				n += 1
				received = _moment(day, rng, offset)
				status = rng.choices(["Processed", "Failed", "Held", "Dead"], [96, 1, 2, 1])[0]
				if offset > 2 and status != "Processed":
					status = "Processed"  # older problems were fixed; what is open is recent
				events.append(_event(source, doctype, account, received, status, rng, n))
			for _ in range(rng.randint(volume, volume * 3)):
				calls.append(_call(source, doctype, account, day, rng, offset))
	fields = list(events[0])
	frappe.db.bulk_insert("Connector Event", fields, [tuple(e[f] for f in fields) for e in events])
	fields = list(calls[0])
	frappe.db.bulk_insert("Connector Call Log", fields, [tuple(c[f] for f in fields) for c in calls])
	frappe.db.commit()
	return {"events": len(events), "calls": len(calls)}


def _moment(day: datetime, rng, offset: int) -> datetime:
	"""A time of the day; today's are before now."""
	if offset:
		return day + timedelta(seconds=rng.randint(0, 86_399))
	elapsed = max(60, int((now_datetime() - day).total_seconds()) - 60)
	return day + timedelta(seconds=rng.randint(0, elapsed))


def _event(source, doctype, account, received, status, rng, n) -> dict:
	lag = rng.lognormvariate(0.7, 0.9) + (rng.choice([0, 0, 0, 45, 300]) if rng.random() < 0.08 else 0)
	reason, message = rng.choice(HELD[source]) if status == "Held" else (None, None)
	found = []
	if reason == remedies.ITEM_REASON:
		line = {"id": n, "title": "Floor Lamp", "sku": f"LAMP-{n % 5}", "variant_id": 4_914_000 + n % 5}
		found = [remedies.missing_item(line)]
	elif reason == remedies.TAX_REASON:
		found = [remedies.unmapped_tax("PST")]
	last_error = {
		"Failed": "HTTP 503: Service Unavailable (retrying)",
		"Dead": "Gave up after 8 attempts: HTTP 500",
		"Held": (message or "").format(n=1000 + n),
	}.get(status)
	now = now_datetime()
	return {
		"name": frappe.generate_hash(length=12),
		"creation": received,
		"modified": received,
		"owner": "Administrator",
		"modified_by": "Administrator",
		"docstatus": 0,
		"source": source,
		"topic": {
			"Shopify": "orders/create",
			"Stripe": "payment_intent.succeeded",
			"Carrier": "tracker.updated",
		}[source],
		"status": status,
		"account_doctype": doctype,
		"account": account,
		"remote_event_id": f"{MARK}{n}",
		"origin": "Webhook" if n % 7 else "Poll",
		"attempts": 1,
		"received_at": received,
		"processed_at": min(received + timedelta(seconds=lag), now) if status == "Processed" else None,
		"next_retry_at": received + timedelta(minutes=5) if status == "Failed" else None,
		"last_error": last_error,
		"held_reason": reason,
		"remedies": json.dumps([r.as_dict() for r in found]) if found else None,
		"payload": "{}",
		"headers": "{}",
		"payload_cleared": 0,
	}


SERVICES = {"Shopify": "shopify", "Stripe": "stripe", "Carrier": "easypost"}
URLS = {
	"shopify": "https://{account}/admin/api/2026-10/graphql.json",
	"stripe": "https://api.stripe.com/v1/payment_intents",
	"easypost": "https://api.easypost.com/v2/trackers",
}


def _call(source, doctype, account, day, rng, offset) -> dict:
	service = SERVICES[source]
	when = _moment(day, rng, offset)
	code = rng.choices([200, 429, 500, 0], [95, 3, 1, 1])[0]
	if account == RECONNECT and offset < 2:
		code = 401  # Shopify refuses the lapsed token
	return {
		"name": frappe.generate_hash(length=12),
		"creation": when,
		"modified": when,
		"owner": "Administrator",
		"modified_by": "Administrator",
		"docstatus": 0,
		"service": service,
		"method": "POST",
		"status_code": code,
		"duration_ms": round(rng.lognormvariate(5, 0.5), 1),
		"account_doctype": doctype,
		"account": account,
		"url": URLS[service].format(account=account),
		"error": {
			401: "[API] Invalid API key or access token",
			429: "Throttled",
			500: "Internal Server Error",
			0: "Read timed out",
		}.get(code),
		"request": DEMO_REQUEST,
		"response": "{}",
	}


LAMP, RUG, EXISTING = "DESK-DEMO-LAMP", "DESK-DEMO-RUG", "DESK-DEMO-FLOOR-RUG"
HELD_ORDER_ID = 820982911946133001


def held_order() -> str:
	"""A Shopify orders/create for two SKUs with no Item, stored as its webhook is and run by a worker:
	held, with a Create Item and a Link to existing Item for each SKU."""
	ensure_store()
	clear_held_order()
	ensure_items([EXISTING])
	frappe.db.set_value("Item", EXISTING, "item_name", "Floor Rug (woven, 2x3 m)")
	order = sample_order(HELD_ORDER_ID)
	order["line_items"][0].update(
		{"sku": LAMP, "variant_id": 49148386001, "title": "Floor Lamp", "name": "Floor Lamp - Brass"}
	)
	order["line_items"][3].update(
		{"sku": RUG, "variant_id": 49148386002, "title": "Floor Rug", "name": "Floor Rug - 2x3 m"}
	)
	body = json.dumps(order).encode()
	headers = {key.lower(): value for key, value in signed_headers(body).items()}
	event = InboundEvent(
		event_id=f"{MARK}held-{frappe.generate_hash(length=6)}", topic="orders/create", payload=order
	)
	from erp_connectors.shopify_connector.integration import BINDING

	name, _ = intake.store_event(BINDING.source, SHOP, event, headers)
	processing.process_event(name)
	frappe.db.commit()
	return name


def process(event: str) -> str:
	"""What a worker does with a queued event (the walkthrough runs no worker)."""
	processing.process_event(event)
	frappe.db.commit()
	return frappe.db.get_value("Connector Event", event, "status")


def onboarding(shop: str):
	"""Only the store the walkthrough is about to create is enabled; it does not exist yet."""
	if frappe.db.exists("Shopify Store", shop):
		frappe.delete_doc("Shopify Store", shop, force=True, ignore_permissions=True)
	for name in frappe.get_all("Shopify Store", {"enabled": 1}, pluck="name"):
		frappe.db.set_value("Shopify Store", name, "enabled", 0)
	for step in frappe.get_all("Onboarding Step Map", {"parent": setup_steps.SHOPIFY}, pluck="step"):
		frappe.db.set_value("Onboarding Step", step, {"is_complete": 0, "is_skipped": 0})
	setup_steps.refresh("Shopify Store")
	frappe.db.commit()


def restore_stores(shop: str | None = None):
	"""After the onboarding walkthrough: the bench store enabled again, the walkthrough's removed."""
	if shop and frappe.db.exists("Shopify Store", shop):
		frappe.delete_doc("Shopify Store", shop, force=True, ignore_permissions=True)
	ensure_store()
	setup_steps.refresh()
	frappe.db.commit()
