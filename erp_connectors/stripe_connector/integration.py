"""Frappe surface of the Stripe connector: the webhook endpoint, the sync context and the client."""

from urllib.parse import quote

import frappe

from erp_connectors.connectors import call_log, intake, site_policy
from erp_connectors.connectors.budget import budget_for
from erp_connectors.connectors.frappe_gateway import FrappeGateway
from erp_connectors.connectors.gateway import AccountRef
from erp_connectors.connectors.redaction import secret
from erp_connectors.connectors.registry import ConnectorBinding
from erp_connectors.connectors.sources import SyncContext
from erp_connectors.connectors.webhook_guards import rate_limited
from erp_connectors.stripe_connector.client import HOSTS, StripeAccountClient
from erp_connectors.stripe_connector.webhook import StripeWebhookSource

WEBHOOK_PATH = "/api/method/erp_connectors.stripe_connector.integration.webhook"
# Stripe allows 100 read/write operations per second in live mode and 25 in test mode.
REQUESTS_PER_SECOND = {"Live": 100, "Test": 25}


# xss_safe: Frappe would sanitise every string of the parsed JSON body for a guest (about 2 ms per
# order); the intake reads the raw body instead and cleans what it stores (clean_values).
@frappe.whitelist(allow_guest=True, xss_safe=True, methods=["POST"])
@rate_limited
def webhook():
	"""Register `<site>/api/method/erp_connectors.stripe_connector.integration.webhook?account=<Stripe Account>`."""
	return intake.receive(StripeWebhookSource.name)


def webhook_url(account_name: str) -> str:
	return frappe.utils.get_url(f"{WEBHOOK_PATH}?account={quote(account_name)}")


def account_settings(account) -> dict:
	return {
		"account_name": account.name,
		"mode": account.mode,
		"company": account.company,
		"clearing_account": account.clearing_account,
		"fee_account": account.fee_account,
		"dispute_account": account.dispute_account,
		"cost_center": account.cost_center,
		"mode_of_payment": account.mode_of_payment,
		"payout_accounts": [
			{"currency": row.currency, "bank_account": row.bank_account} for row in account.payout_accounts
		],
	}


def client_for(account) -> StripeAccountClient:
	rate = REQUESTS_PER_SECOND.get(account.mode, 25)
	return StripeAccountClient(
		secret(account.get_password("secret_key", raise_exception=False)),
		base_url=account.base_url or None,
		budget=budget_for("Stripe Account", account.name, rate, rate),
		log_call=call_log.sink_for("Stripe Account", account.name),
		account_name=account.name,
		policy=site_policy.policy("Stripe", HOSTS),
	)


def build_context(account_name: str) -> SyncContext:
	account = frappe.get_doc("Stripe Account", account_name)
	return SyncContext(
		account=AccountRef("Stripe Account", account.name),
		settings=account_settings(account),
		gateway=FrappeGateway(),
		client=client_for(account),
	)


BINDING = ConnectorBinding(source=StripeWebhookSource(), build_context=build_context, endpoint=WEBHOOK_PATH)
