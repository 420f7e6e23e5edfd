"""Quotes kept on the server (Carrier Quote): what Buy Label buys, and at what price.

Get Rates stores every rate it shows, for that Shipment, with the carrier's own ids and the
fingerprint of what was quoted (addresses, parcels, customs lines). The browser gets only each
quote's name; Buy Label looks the quote up and checks it is this Shipment's, unused, fresh, and of
an enabled account of the Shipment's company.
"""

import json

import frappe
from frappe import _
from frappe.utils import add_to_date, get_datetime, now_datetime

from erp_connectors.shipping_connector.carriers.model import Rate

VALID_MINUTES = 15  # rates move; an older quote is quoted again before anything is bought
KEPT_DAYS = 7


def store(shipment: str, company: str, is_return: bool, rates: list[Rate], fingerprint: str) -> list[dict]:
	"""Keep `rates` for `shipment`; what the browser may see of each (never the carrier's ids)."""
	expires = add_to_date(now_datetime(), minutes=VALID_MINUTES)
	shown = []
	for rate in rates:
		quote = frappe.get_doc(
			{
				"doctype": "Carrier Quote",
				"shipment": shipment,
				"is_return": int(is_return),
				"company": company,
				"account": rate.account,
				"provider": rate.provider,
				"carrier": rate.carrier,
				"service": rate.service,
				"amount": rate.amount,
				"currency": rate.currency or None,
				"transit_days": rate.transit_days,
				"expires_at": expires,
				"fingerprint": fingerprint,
				"rate": json.dumps(rate.to_dict()),
			}
		)
		quote.db_insert()  # our own record (no remote HTML reaches a rendered field: carrier text is Data)
		shown.append(
			{
				"quote": quote.name,
				"account": rate.account,
				"provider": rate.provider,
				"carrier": rate.carrier,
				"service": rate.service,
				"amount": str(rate.amount),
				"currency": rate.currency,
				"transit_days": rate.transit_days,
			}
		)
	return shown


def load(name: str, shipment: str):
	"""The stored quote `name` of this Shipment; one of another Shipment (or none) is refused."""
	quote = frappe.db.get_value("Carrier Quote", name, "*", as_dict=True) if name else None
	if not quote or quote.shipment != shipment:
		frappe.throw(
			_("That quote is not one of Shipment {0}'s. Get rates again.").format(shipment),
			frappe.PermissionError,
		)
	return quote


def rate_of(quote) -> Rate:
	return Rate.from_dict(json.loads(quote.rate))


def is_fresh(quote, fingerprint: str) -> bool:
	return get_datetime(quote.expires_at) > now_datetime() and quote.fingerprint == fingerprint


def mark_bought(name: str):
	frappe.db.set_value("Carrier Quote", name, "bought", 1, update_modified=False)


def clear_old():
	"""Daily: quotes older than a week go (bought ones stay with their Shipment's history)."""
	before = add_to_date(now_datetime(), days=-KEPT_DAYS)
	frappe.db.delete("Carrier Quote", {"creation": ("<", before), "bought": 0})
