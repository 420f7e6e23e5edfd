"""Desk buttons on a Stripe Account: Test Connection and Register Webhook Endpoint."""

import frappe
from frappe import _

from erp_connectors.connectors.desk import user_facing
from erp_connectors.stripe_connector.client import API_VERSION
from erp_connectors.stripe_connector.handlers import WEBHOOK_EVENTS
from erp_connectors.stripe_connector.integration import client_for, webhook_url


def _account(name: str):
	frappe.has_permission("Stripe Account", "write", name, throw=True)
	return frappe.get_doc("Stripe Account", name)


@frappe.whitelist(methods=["POST"])
@user_facing("Stripe")
def test_connection(account: str) -> dict:
	"""Reads the balance with the secret key; refuses a key of the other mode."""
	doc = _account(account)
	balance = client_for(doc).test_connection(doc.mode)
	available = ", ".join(
		f"{row['currency'].upper()} {row['amount']}" for row in balance.get("available") or []
	)
	return {"livemode": balance.get("livemode"), "available": available or "-"}


@frappe.whitelist(methods=["POST"])
@user_facing("Stripe")
def register_webhook_endpoint(account: str) -> dict:
	"""Create the endpoint at Stripe for every event we handle and keep its signing secret.

	Stripe shows the secret only in this answer, so it is saved at once (Password field)."""
	doc = _account(account)
	url, client = webhook_url(doc.name), client_for(doc)
	for existing in client.list_webhook_endpoints():
		if existing.get("url") == url:
			# Stripe never shows an existing endpoint's secret again: keep ours, create no second endpoint.
			# Nor can an endpoint's API version be changed: one on another version must be re-created.
			return {
				"id": existing["id"],
				"url": url,
				"events": len(existing.get("enabled_events") or []),
				"existing": True,
				"api_version": existing.get("api_version"),
				"pinned": existing.get("api_version") == API_VERSION,
				"expected_api_version": API_VERSION,
			}
	endpoint = client.create_webhook_endpoint(
		url, WEBHOOK_EVENTS, description=f"ERPNext {frappe.local.site}: {doc.name}"
	)
	if endpoint.get("secret"):
		doc.webhook_secret = endpoint["secret"]
		doc.save()
	else:
		frappe.msgprint(_("Stripe did not return a signing secret; paste it from the Dashboard."))
	return {
		"id": endpoint["id"],
		"url": url,
		"events": len(WEBHOOK_EVENTS),
		"existing": False,
		"api_version": endpoint.get("api_version"),
		"pinned": endpoint.get("api_version") == API_VERSION,
		"expected_api_version": API_VERSION,
	}
