"""Frappe surface of the shipping connector: the carrier webhook endpoint and the sync context."""

import frappe

from erp_connectors.connectors import intake
from erp_connectors.connectors.frappe_gateway import FrappeGateway
from erp_connectors.connectors.gateway import AccountRef
from erp_connectors.connectors.registry import ConnectorBinding
from erp_connectors.connectors.sources import SyncContext
from erp_connectors.connectors.webhook_guards import rate_limited
from erp_connectors.shipping_connector.webhook import CarrierWebhookSource


# xss_safe: Frappe would sanitise every string of the parsed JSON body for a guest (about 2 ms per
# order); the intake reads the raw body instead and cleans what it stores (clean_values).
@frappe.whitelist(allow_guest=True, xss_safe=True, methods=["POST"])
@rate_limited
def webhook():
	"""Register `<site>/api/method/erp_connectors.shipping_connector.integration.webhook?account=<Carrier Account>`."""
	return intake.receive(CarrierWebhookSource.name)


def build_context(account_name: str) -> SyncContext:
	account = frappe.get_doc("Carrier Account", account_name)
	return SyncContext(
		account=AccountRef("Carrier Account", account.name),
		settings={"provider": account.provider, "company": account.company},
		gateway=FrappeGateway(),
	)


BINDING = ConnectorBinding(
	source=CarrierWebhookSource(),
	build_context=build_context,
	endpoint="/api/method/erp_connectors.shipping_connector.integration.webhook",
)
