"""Desk actions on ERPNext's Shipment: Get Rates, Buy Label, Retry Label Download, Void Label, Track,
Return Label. Thin: each checks permission, reads the documents and hands over to `sync`.

What the server trusts: rates are stored when quoted (Carrier Quote) and Buy Label takes only a
quote's name; the account, the carrier's ids and the price never come from the browser. Buying,
voiding and retrying take the Shipment's row lock as the first statement of their transaction and
check permission after it, so racing clicks serialise and the later ones see the first one's label.
A carrier's own error message reaches the user verbatim.
"""

import frappe
from frappe import _
from frappe.utils import flt

from erp_connectors.connectors import call_log
from erp_connectors.connectors.desk import user_facing
from erp_connectors.connectors.errors import ConnectorError
from erp_connectors.connectors.frappe_gateway import FrappeGateway
from erp_connectors.connectors.gateway import AccountRef
from erp_connectors.shipping_connector import customs, label_files, quotes, sync
from erp_connectors.shipping_connector.carrier_accounts import (  # noqa: F401 (used by API v1 and tests)
	account_settings,
	carrier_for,
	carriers_for,
	enabled_accounts,
	require_company,
	usable_account,
)
from erp_connectors.shipping_connector.carriers.model import needs_customs
from erp_connectors.shipping_connector.shipment_documents import (
	carrier_shipment,
	customs_lines,
	split_counted_rows,
)


@frappe.whitelist(methods=["POST"])
@user_facing("Carrier")
def get_rates(shipment: str, is_return: int = 0):
	"""Quote the Shipment with every enabled account of its company; the quotes stay on the server."""
	doc = frappe.get_doc("Shipment", shipment)
	frappe.has_permission("Shipment", "write", doc, throw=True)
	result = _quote(doc, bool(int(is_return)))
	frappe.db.commit()
	return result


@frappe.whitelist(methods=["POST"])
@user_facing("Carrier")
def buy_label(shipment: str, quote: str):
	"""Buy the label of a stored quote of this Shipment, once."""
	label_files.lock(shipment)
	doc = frappe.get_doc("Shipment", shipment)
	frappe.has_permission("Shipment", "write", doc, throw=True)
	company = require_company(doc)
	stored = quotes.load(quote, shipment)
	usable_account(stored.account, company)
	is_return = bool(stored.is_return)
	rate = quotes.rate_of(stored)
	account = AccountRef("Carrier Account", stored.account)
	gateway = FrappeGateway()
	kind = sync.RETURN_LABEL if is_return else sync.LABEL
	if sync.label_slot(gateway, account, kind, shipment)[1]:
		# A click that waited for the first one's purchase: it sees that label and buys nothing.
		purchase = sync.LabelPurchase(shipment, False, None, values=sync.label_fields(doc.as_dict()))
	else:
		model = carrier_shipment(doc, is_return=is_return)
		if stored.bought or not quotes.is_fresh(stored, model.fingerprint()):
			requoted = _quote(doc, is_return)
			frappe.db.commit()
			message = _(
				"The quote was over {0} minutes old, used, or the Shipment changed since: here are today's rates."
			)
			return {"created": False, "requoted": requoted, "message": message.format(quotes.VALID_MINUTES)}
		if split_counted_rows(doc):
			doc = frappe.get_doc("Shipment", shipment)
			model = carrier_shipment(doc, is_return=is_return)
		purchase = sync.buy_label(gateway, account, carrier_for(stored.account), model, rate)
	if purchase.created:
		quotes.mark_bought(stored.name)
		label_files.record(shipment, stored.account, purchase, is_return=is_return)
		if not is_return:
			for note in purchase.delivery_notes:  # their Shopify fulfillments get the tracking
				frappe.enqueue(
					"erp_connectors.shopify_connector.fulfillment_push.push_delivery_note",
					enqueue_after_commit=True,
					delivery_note=note,
				)
	frappe.db.commit()  # the purchase is recorded before any file is fetched
	failures = label_files.complete(shipment)
	return {"created": purchase.created, "values": _jsonable(purchase.values), "label_failures": failures}


@frappe.whitelist(methods=["POST"])
@user_facing("Carrier")
def retry_label_download(shipment: str):
	"""Fetch the label files a purchase could not download; never buys anything."""
	label_files.lock(shipment)
	frappe.has_permission("Shipment", "write", frappe.get_doc("Shipment", shipment), throw=True)
	failures = label_files.complete(shipment)
	return {"label_failures": failures, "pending": label_files.pending(shipment)}


@frappe.whitelist(methods=["POST"])
@user_facing("Carrier")
def void_label(shipment: str, parcel: str | None = None):
	"""Void the Shipment's label (every parcel), or only parcel row `parcel`."""
	label_files.lock(shipment)
	frappe.has_permission("Shipment", "write", frappe.get_doc("Shipment", shipment), throw=True)
	account = _label_account(shipment)
	outcome = sync.void_label(
		FrappeGateway(),
		AccountRef("Carrier Account", account),
		carrier_for(account),
		shipment,
		parcel or None,
	)
	frappe.db.commit()
	return {"state": outcome.result.state, "voided": outcome.voided, "kept": outcome.kept}


@frappe.whitelist(methods=["POST"])
@user_facing("Carrier")
def track(shipment: str):
	doc = frappe.get_doc("Shipment", shipment)
	frappe.has_permission("Shipment", "write", doc, throw=True)
	account = _label_account(shipment)
	outcomes = sync.refresh_tracking(
		FrappeGateway(), AccountRef("Carrier Account", account), carrier_for(account), shipment
	)
	frappe.db.commit()
	return {
		"applied": any(outcome.applied for outcome in outcomes),
		"reason": "; ".join(outcome.reason for outcome in outcomes if outcome.reason) or None,
	}


@frappe.whitelist()
def customs_preview(shipment: str) -> dict:
	"""What the customs declaration of the Shipment would say, and what is missing (read only)."""
	doc = frappe.get_doc("Shipment", shipment)
	frappe.has_permission("Shipment", "read", doc, throw=True)
	try:
		model = carrier_shipment(doc)
	except ConnectorError as error:
		return {"needed": True, "lines": _preview_lines(doc), "problem": error.remote_message}
	if not needs_customs(model.from_address.country, model.to_address.country):
		return {"needed": False, "lines": [], "problem": None}
	return {"needed": True, "lines": _preview_lines(doc), "problem": None}


def _preview_lines(doc) -> list[dict]:
	return [
		{
			"item_code": line.item_code,
			"description": line.item_name,
			"qty": line.qty,
			"value": f"{flt(line.amount, 2):.2f} {line.currency}",
			"hs_code": customs.hs_code(line.customs_tariff_number),
			"origin": (line.country_code or "").upper(),
		}
		for line in customs_lines(doc)
	]


def _quote(doc, is_return: bool) -> dict:
	company = require_company(doc)
	accounts = enabled_accounts(company)
	if not accounts:
		frappe.throw(_("No enabled Carrier Account for company {0}.").format(company))
	model = carrier_shipment(doc, is_return=is_return)
	quote = sync.get_rates(model, carriers_for(accounts))
	shown = quotes.store(doc.name, company, is_return, quote.rates, model.fingerprint())
	return {"rates": shown, "errors": [vars(error) for error in quote.errors]}


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


__all__ = ["account_settings", "carrier_for", "carriers_for", "enabled_accounts"]
