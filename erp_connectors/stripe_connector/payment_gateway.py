"""ERPNext's Payment Request flow, when the payments app provides the Payment Gateway doctype.

Each Stripe Account becomes a Payment Gateway "Stripe - <account>" whose controller is the
Stripe Account itself (payments.utils.get_payment_gateway_controller reads gateway_settings
and gateway_controller), so ERPNext asks it for a Checkout URL when a request is sent.
Without the payments app, the Desk action on Sales Invoice and Payment Request does the same.
"""

import frappe

GATEWAY_PREFIX = "Stripe - "


def gateway_name(account_name: str) -> str:
	return f"{GATEWAY_PREFIX}{account_name}"


def account_of_gateway(gateway: str | None) -> str | None:
	if gateway and gateway.startswith(GATEWAY_PREFIX):
		return gateway.removeprefix(GATEWAY_PREFIX)
	return None


def payments_app_present() -> bool:
	return bool(frappe.db.exists("DocType", "Payment Gateway"))


def ensure_gateway(account_name: str) -> str | None:
	if not payments_app_present():
		return None
	name = gateway_name(account_name)
	if not frappe.db.exists("Payment Gateway", name):
		frappe.get_doc(
			{
				"doctype": "Payment Gateway",
				"gateway": name,
				"gateway_settings": "Stripe Account",
				"gateway_controller": account_name,
			}
		).insert(ignore_permissions=True)
	return name


def ensure_all():
	"""after_migrate: a payments app installed after our Stripe Accounts still gets their gateways."""
	for name in frappe.get_all("Stripe Account", pluck="name"):
		ensure_gateway(name)
