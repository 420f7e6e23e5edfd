"""Guided setup on the Connectors workspace: one Module Onboarding per connector, each step with a
check that it is done.

Frappe's onboarding widget marks a step done when the user has merely been through it (opened the
form, saved it). Ours are done when the data says so: a step's check runs when an account is saved
or deleted, when a setup button succeeds, and when the widget asks to mark the step done (then a
step that is not done says what is missing instead). A step is done when every enabled account of
its kind passes it, so a second store reopens the steps until it is set up too.
"""

import json

import frappe
from frappe import _
from frappe.utils import cint

SHOPIFY, STRIPE, CARRIERS = "Shopify Setup", "Stripe Setup", "Carrier Setup"
ACCOUNT_DOCTYPES = {SHOPIFY: "Shopify Store", STRIPE: "Stripe Account", CARRIERS: "Carrier Account"}


def _has_password(doctype: str, name: str, fieldname: str) -> bool:
	return bool(
		frappe.db.sql(
			"select 1 from `__Auth` where doctype=%s and name=%s and fieldname=%s and encrypted=1",
			(doctype, name, fieldname),
		)
	)


def _accounts(doctype: str) -> list:
	return [frappe.get_doc(doctype, name) for name in frappe.get_all(doctype, {"enabled": 1}, pluck="name")]


def _every(doctype: str, passes, what: str) -> tuple[bool, str]:
	"""Done when there is an enabled account and every one passes; else which do not, and why."""
	accounts = _accounts(doctype)
	if not accounts:
		return False, _("Create and enable a {0} first.").format(_(doctype))
	failing = [doc.name for doc in accounts if not passes(doc)]
	if failing:
		return False, _("{0}: {1}").format(", ".join(failing), _(what))
	return True, ""


# Shopify
def shopify_connected(doc) -> bool:
	if (doc.connection_method or "").startswith("Admin API access token"):
		return _has_password(doc.doctype, doc.name, "access_token")
	return doc.connection_status == "Connected"


def shopify_books(doc) -> bool:
	warehouse_company = frappe.db.get_value("Warehouse", doc.default_warehouse, "company")
	return bool(doc.company and doc.price_list and doc.customer_group and warehouse_company == doc.company)


def shopify_locations(doc) -> bool:
	return any(row.warehouse for row in doc.locations)


def shopify_tax_titles(doc) -> bool:
	if doc.tax_titles_seen is None:
		return False  # never fetched
	mapped = {row.tax_title for row in doc.tax_accounts if row.account}
	return set(json.loads(doc.tax_titles_seen or "[]")) <= mapped


# Stripe
def stripe_keys(doc) -> bool:
	return _has_password(doc.doctype, doc.name, "secret_key")


def stripe_books(doc) -> bool:
	return bool(doc.company and doc.clearing_account and doc.fee_account)


def stripe_webhook(doc) -> bool:
	return _has_password(doc.doctype, doc.name, "webhook_secret")


# Carriers
def carrier_credentials(doc) -> bool:
	return bool(doc.provider) and any(
		_has_password(doc.doctype, doc.name, field) for field in ("api_key", "password")
	)


def carrier_pickup(doc) -> bool:
	return bool(doc.pickup_address)


# How each provider's rate request looks in the call log: EasyPost and Shippo create a shipment (its
# rates come back with it), Sendcloud asks for shipping options.
RATE_URLS = ("%/shipments", "%/shipments/", "%/shipping-options%", "%/rates%")


def carrier_rates(doc) -> bool:
	"""A rate was asked for and answered (DHL Parcel DE has no rate API: its flat rates are its rates)."""
	if doc.provider == "DHL Parcel DE":
		return bool(doc.get("flat_rates"))
	matches = " or ".join(["url like %s"] * len(RATE_URLS))
	return bool(
		frappe.db.sql(
			f"""select 1 from `tabConnector Call Log` where account=%s and account_doctype=%s
			and method='POST' and status_code between 200 and 299 and ({matches}) limit 1""",
			(doc.name, doc.doctype, *RATE_URLS),
		)
	)


# Step -> (onboarding, account check, what is missing when it fails)
STEPS = {
	"Connect a Shopify Store": (
		SHOPIFY,
		shopify_connected,
		"not connected: press Test Connection (a Dev Dashboard app), Connect to Shopify, or enter the legacy token",
	),
	"Map Shopify Company and Warehouse": (
		SHOPIFY,
		shopify_books,
		"set its company, a warehouse of that company, the price list and the customer group",
	),
	"Map Shopify Locations": (SHOPIFY, shopify_locations, "press Fetch Locations and pick a warehouse"),
	"Map Shopify Tax Titles": (
		SHOPIFY,
		shopify_tax_titles,
		"press Fetch Tax Titles and pick an account for each title",
	),
	"Register Shopify Webhooks": (
		SHOPIFY,
		lambda doc: bool(doc.webhooks_registered_at),
		"press Register Webhooks",
	),
	"Test the Shopify Connection": (
		SHOPIFY,
		lambda doc: bool(doc.connection_tested_at),
		"press Test Connection until every flow has its scopes",
	),
	"Enter Stripe Keys": (STRIPE, stripe_keys, "enter the secret key"),
	"Map Stripe Accounts": (STRIPE, stripe_books, "set the company, clearing and fee accounts"),
	"Register the Stripe Webhook Endpoint": (STRIPE, stripe_webhook, "press Register Webhook Endpoint"),
	"Add a Carrier Account": (
		CARRIERS,
		carrier_credentials,
		"choose the provider and enter its credentials",
	),
	"Set the Carrier Pickup Address": (CARRIERS, carrier_pickup, "choose the pickup address"),
	"Get Carrier Rates on a Sample": (
		CARRIERS,
		carrier_rates,
		"press Get Rates on a sample Shipment (DHL Parcel DE: fill its Flat Rates)",
	),
}
# Proven by a call made once, not by a setting: once done, it stays done.
EVIDENCE = {"Get Carrier Rates on a Sample"}


def check(step: str) -> tuple[bool, str]:
	onboarding, passes, what = STEPS[step]
	return _every(ACCOUNT_DOCTYPES[onboarding], passes, what)


def refresh(doctype: str | None = None):
	"""Write each step's state from its check, and its onboarding's (all steps done or skipped)."""
	for onboarding, account_doctype in ACCOUNT_DOCTYPES.items():
		if doctype and doctype != account_doctype or not frappe.db.exists("Module Onboarding", onboarding):
			continue
		states = []
		for step in frappe.get_all(
			"Onboarding Step Map", {"parent": onboarding}, pluck="step", order_by="idx"
		):
			current = frappe.db.get_value(
				"Onboarding Step", step, ["is_complete", "is_skipped"], as_dict=True
			)
			if current is None:
				continue
			done = check(step)[0] if step in STEPS else bool(current.is_complete)
			if step in EVIDENCE and current.is_complete:
				done = True
			if bool(current.is_complete) != done:
				frappe.db.set_value("Onboarding Step", step, "is_complete", int(done), update_modified=False)
			states.append(done or bool(current.is_skipped))
		complete = int(bool(states) and all(states))
		if frappe.db.get_value("Module Onboarding", onboarding, "is_complete") != complete:
			frappe.db.set_value(
				"Module Onboarding", onboarding, "is_complete", complete, update_modified=False
			)


def on_account_change(doc, method=None):
	refresh(doc.doctype)


@frappe.whitelist()
def update_onboarding_step(name, field, value):
	"""Frappe's widget marks a step done when the user has been through it; one of ours is marked
	done only if its check passes, and otherwise says what is still missing."""
	if name in STEPS and field == "is_complete" and cint(value):
		frappe.has_permission("Onboarding Step", "write", name, throw=True)
		done, missing = check(name)
		if not done:
			frappe.msgprint(
				frappe.utils.escape_html(missing),
				title=_("{0}: not done yet").format(_(name)),
				indicator="orange",
				raise_exception=frappe.ValidationError,
			)
		frappe.db.set_value("Onboarding Step", name, "is_complete", 1)
		return
	from frappe.desk.desktop import update_onboarding_step as frappe_update

	return frappe_update(name, field, value)
