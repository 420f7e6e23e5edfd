"""Carrier Accounts as carrier clients (the Frappe half of `carriers`): settings, secrets, host policy.

A Carrier Account belongs to one company. Every decrypted credential is wrapped in Secret the moment
it is read, and every client gets its provider's host policy.
"""

import frappe
from frappe import _

from erp_connectors.connectors import call_log, site_policy
from erp_connectors.connectors.redaction import secret
from erp_connectors.shipping_connector.carriers import build_carrier, carrier_class

PASSWORD_FIELDS = ("api_key", "api_secret", "password", "webhook_secret", "tracking_api_key")
PLAIN_FIELDS = (
	"provider",
	"company",
	"enabled",
	"test_mode",
	"base_url",
	"username",
	"billing_number",
	"default_carrier",
	"tracking_base_url",
	"label_format",
	"pickup_location",
)
FLAT_RATE_FIELDS = (
	"product",
	"service",
	"amount",
	"currency",
	"max_weight_kg",
	"transit_days",
	"billing_number",
)


class TokenCache:
	"""A provider's session token (Shiprocket's lasts 10 days), shared by every worker through Redis
	and held as a Secret. The carrier renews it when it expires or is refused."""

	def __init__(self, account: str):
		# The site's key and the connection are taken now: rates are asked in threads without a site.
		self.redis = frappe.cache
		self.key = frappe.cache.make_key(f"erp_connectors:carrier_token:{account}")

	def get(self):
		value = self.redis.get(self.key)
		return secret(value.decode() if isinstance(value, bytes) else value) if value else None

	def set(self, token: str, seconds: int):
		self.redis.set(self.key, str(token), ex=max(int(seconds), 60))

	def clear(self):
		self.redis.delete(self.key)


def account_settings(account: str) -> dict:
	doc = frappe.get_doc("Carrier Account", account)
	settings = {field: doc.get(field) for field in PLAIN_FIELDS}
	for field in PASSWORD_FIELDS:
		settings[field] = secret(doc.get_password(field, raise_exception=False))
	settings["flat_rates"] = [{f: row.get(f) for f in FLAT_RATE_FIELDS} for row in doc.flat_rates]
	settings["token_cache"] = TokenCache(account)
	return settings


def carrier_for(account: str):
	settings = account_settings(account)
	carrier_type = carrier_class(settings.get("provider") or "")
	return build_carrier(
		account,
		settings,
		log_call=call_log.sink_for("Carrier Account", account),
		policy=site_policy.policy(carrier_type.provider, carrier_type.hosts),
	)


def carriers_for(accounts: list[str]) -> list:
	"""A carrier per account; an account that cannot even be built (an incomplete form) answers
	every call with its reason, so it shows up as that account's error, not as a failed request."""
	carriers = []
	for account in accounts:
		try:
			carriers.append(carrier_for(account))
		except Exception as error:
			carriers.append(
				_Unusable(account, frappe.db.get_value("Carrier Account", account, "provider"), error)
			)
	return carriers


class _Unusable:
	def __init__(self, account: str, provider: str, error: Exception):
		self.account, self.provider, self.error = account, provider, error

	def rates(self, shipment):
		raise self.error


def enabled_accounts(company: str | None) -> list[str]:
	"""The enabled Carrier Accounts of `company` (none without a company: never every company's)."""
	if not company:
		return []
	filters = {"enabled": 1, "company": company}
	return frappe.get_all("Carrier Account", filters=filters, pluck="name", order_by="account_name")


def shipment_company(doc) -> str | None:
	"""The company a Shipment ships for: the pickup company, or for goods coming in, the delivery one."""
	if doc.get("pickup_from_type") == "Company" and doc.get("pickup_company"):
		return doc.pickup_company
	if doc.get("delivery_to_type") == "Company" and doc.get("delivery_company"):
		return doc.delivery_company
	return None


def require_company(doc) -> str:
	company = shipment_company(doc)
	if not company:
		frappe.throw(
			_(
				"Shipment {0} names no company of ours (pickup or delivery), so no Carrier Account may ship it."
			).format(doc.name)
		)
	return company


def usable_account(account: str, company: str) -> None:
	"""A Carrier Account may buy for this Shipment only when it is enabled and of its company."""
	values = frappe.db.get_value("Carrier Account", account, ["enabled", "company"], as_dict=True)
	if not values:
		frappe.throw(_("Carrier Account {0} does not exist.").format(account), frappe.PermissionError)
	if values.company != company:
		frappe.throw(
			_("Carrier Account {0} is not an account of {1}.").format(account, company),
			frappe.PermissionError,
		)
	if not values.enabled:
		frappe.throw(_("Carrier Account {0} is disabled.").format(account))
