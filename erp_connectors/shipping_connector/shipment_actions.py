"""Desk actions on ERPNext's Shipment: Get Rates, Buy Label, Void Label, Track, Return Label.

Thin: each reads the documents, builds the carrier clients and hands over to `sync`.
A carrier's own error message reaches the user verbatim.
"""

import frappe
from frappe import _

from erp_connectors.connectors import call_log, site_policy
from erp_connectors.connectors.desk import user_facing
from erp_connectors.connectors.errors import ConnectorError
from erp_connectors.connectors.frappe_gateway import FrappeGateway
from erp_connectors.connectors.gateway import AccountRef
from erp_connectors.connectors.redaction import secret
from erp_connectors.shipping_connector import mapping, sync
from erp_connectors.shipping_connector.carriers import build_carrier, carrier_class
from erp_connectors.shipping_connector.carriers.model import Rate

PASSWORD_FIELDS = ("api_key", "api_secret", "password", "webhook_secret", "tracking_api_key")
PLAIN_FIELDS = (
	"provider",
	"company",
	"test_mode",
	"base_url",
	"username",
	"billing_number",
	"default_carrier",
	"tracking_base_url",
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


def account_settings(account: str) -> dict:
	doc = frappe.get_doc("Carrier Account", account)
	settings = {field: doc.get(field) for field in PLAIN_FIELDS}
	for field in PASSWORD_FIELDS:
		settings[field] = secret(doc.get_password(field, raise_exception=False))
	settings["flat_rates"] = [{f: row.get(f) for f in FLAT_RATE_FIELDS} for row in doc.flat_rates]
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


def carrier_shipment(name: str, *, is_return: bool = False):
	doc = frappe.get_doc("Shipment", name)
	pickup = _address(doc.pickup_address_name, doc.pickup_contact_name)
	delivery = _address(doc.delivery_address_name, doc.delivery_contact_name)
	shipment = mapping.shipment_from_erp(doc.as_dict(), pickup=pickup, delivery=delivery)
	return (doc, shipment.as_return() if is_return else shipment)


def _address(address_name: str, contact_name: str | None):
	address = frappe.get_doc("Address", address_name).as_dict()
	contact = frappe.get_doc("Contact", contact_name).as_dict() if contact_name else None
	code = frappe.db.get_value("Country", address.country, "code") or ""
	return mapping.address_from_erp(address, country_code=code, contact=contact)


def enabled_accounts(company: str | None) -> list[str]:
	filters = {"enabled": 1}
	if company:
		filters["company"] = company
	return frappe.get_all("Carrier Account", filters=filters, pluck="name", order_by="account_name")


@frappe.whitelist()
@user_facing("Carrier")
def get_rates(shipment: str, is_return: int = 0):
	frappe.has_permission("Shipment", "read", shipment, throw=True)
	doc, carrier_shipment_ = carrier_shipment(shipment, is_return=bool(int(is_return)))
	accounts = enabled_accounts(doc.pickup_company)
	if not accounts:
		frappe.throw(_("No enabled Carrier Account for company {0}.").format(doc.pickup_company))
	return sync.get_rates(carrier_shipment_, carriers_for(accounts)).to_dict()


@frappe.whitelist(methods=["POST"])
@user_facing("Carrier")
def buy_label(shipment: str, rate, is_return: int = 0):
	frappe.has_permission("Shipment", "write", shipment, throw=True)
	rate = Rate.from_dict(frappe.parse_json(rate))
	# One buyer at a time per Shipment: a double click waits here, then finds the label bought.
	frappe.db.sql("select name from `tabShipment` where name=%s for update", shipment)
	_, carrier_shipment_ = carrier_shipment(shipment, is_return=bool(int(is_return)))
	carrier = carrier_for(rate.account)
	purchase = sync.buy_label(
		FrappeGateway(), AccountRef("Carrier Account", rate.account), carrier, carrier_shipment_, rate
	)
	if purchase.created:
		kind = "return-label" if int(is_return) else "label"
		_attach(shipment, f"{shipment}-{kind}-{purchase.label.tracking_number}", purchase.label, carrier)
		if not int(is_return):
			for note in purchase.delivery_notes:  # their Shopify fulfillments get the tracking
				frappe.enqueue(
					"erp_connectors.shopify_connector.fulfillment_push.push_delivery_note",
					enqueue_after_commit=True,
					delivery_note=note,
				)
	frappe.db.commit()
	return {"created": purchase.created, "values": _jsonable(purchase.values)}


@frappe.whitelist(methods=["POST"])
@user_facing("Carrier")
def void_label(shipment: str):
	frappe.has_permission("Shipment", "write", shipment, throw=True)
	account = _label_account(shipment)
	outcome = sync.void_label(
		FrappeGateway(), AccountRef("Carrier Account", account), carrier_for(account), shipment
	)
	frappe.db.commit()
	return {"state": outcome.result.state}


@frappe.whitelist(methods=["POST"])
@user_facing("Carrier")
def track(shipment: str):
	frappe.has_permission("Shipment", "read", shipment, throw=True)
	account = _label_account(shipment)
	outcome = sync.refresh_tracking(
		FrappeGateway(), AccountRef("Carrier Account", account), carrier_for(account), shipment
	)
	frappe.db.commit()
	return {"applied": outcome.applied, "reason": outcome.reason}


def _label_account(shipment: str) -> str:
	awb = frappe.db.get_value("Shipment", shipment, "awb_number")
	account = awb and frappe.db.get_value(
		"Connector Link",
		{"remote_type": sync.TRACKING, "remote_id": awb, "reference_name": shipment},
		"account",
	)
	if not account:
		frappe.throw(_("Shipment {0} has no label bought through a Carrier Account.").format(shipment))
	return account


def _attach(shipment: str, stem: str, label, carrier):
	content = carrier.fetch_label_bytes(label)
	extension = (label.label_format or "PDF").lower()
	frappe.get_doc(
		{
			"doctype": "File",
			"file_name": f"{stem}.{extension}",
			"attached_to_doctype": "Shipment",
			"attached_to_name": shipment,
			"is_private": 1,
			"content": content,
		}
	).insert(ignore_permissions=True)


def _jsonable(values: dict) -> dict:
	return {
		key: (value if isinstance(value, str | int | float | type(None)) else str(value))
		for key, value in values.items()
	}


OPEN_TRACKING = ("", "In Progress", "Lost")


def poll_tracking(limit: int = 200):
	"""Hourly: refresh open labels whose carrier sends no webhooks, and any label silent
	for a day (in case its webhook was lost)."""
	from frappe.utils import add_to_date, now_datetime

	open_labels = frappe.db.sql(
		"""select l.account, l.reference_name, s.modified
		from `tabConnector Link` l
		join `tabShipment` s on s.name = l.reference_name and s.awb_number = l.remote_id
		join `tabCarrier Account` a on a.name = l.account and a.enabled = 1
		where l.account_doctype = 'Carrier Account' and l.remote_type = %(tracking)s
		and s.docstatus = 1 and ifnull(s.tracking_status, '') in %(open)s
		order by s.modified asc limit %(limit)s""",
		{"tracking": sync.TRACKING, "open": OPEN_TRACKING, "limit": limit},
		as_dict=True,
	)
	stale_before = add_to_date(now_datetime(), days=-1)
	carriers, refreshed = {}, 0
	for label in open_labels:
		try:
			if label.account not in carriers:
				carriers[label.account] = carrier_for(label.account)
			carrier = carriers[label.account]
			if carrier.supports_webhooks and label.modified > stale_before:
				continue
			account = AccountRef("Carrier Account", label.account)
			sync.refresh_tracking(FrappeGateway(), account, carrier, label.reference_name)
			frappe.db.commit()
			refreshed += 1
		except ConnectorError:
			frappe.db.rollback()  # the next hourly run tries again; the call log shows why
	call_log.flush()
	return refreshed
