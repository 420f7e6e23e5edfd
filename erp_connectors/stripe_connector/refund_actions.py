"""Desk: *Refund via Stripe* on a submitted credit note (a Sales Invoice return) of an invoice paid
through Stripe.

The amount is what the credit note still owes the customer, read from the document (never from the
browser), at most what the charge has left to refund. The credit note's row is locked before anything
is read, so a double click runs one request after the other; the second finds the first's refund
(a Connector Link from the refund to the credit note) and asks Stripe for nothing. Within a request,
the idempotency key comes from the credit note and amount, so a retried or lost call replays
Stripe's first answer instead of paying twice. No Payment Entry is made here: it posts when Stripe
confirms (charge.refunded / refund.updated, sync_refunds), allocated against the credit note.
"""

from decimal import Decimal

import frappe
from frappe import _

from erp_connectors.connectors.desk import user_facing
from erp_connectors.connectors.frappe_gateway import FrappeGateway
from erp_connectors.connectors.gateway import AccountRef
from erp_connectors.stripe_connector.amounts import chargeable_minor, from_minor, normalise_currency
from erp_connectors.stripe_connector.integration import client_for

REQUESTED = "refund_request"  # link: Stripe refund id -> the credit note it pays back


@frappe.whitelist(methods=["POST"])
@user_facing("Stripe")
def refund_credit_note(credit_note: str) -> dict:
	# The row lock first: a second click waits here, then sees the first click's refund.
	frappe.db.sql("select name from `tabSales Invoice` where name = %s for update", credit_note)
	frappe.has_permission("Sales Invoice", "write", credit_note, throw=True)
	doc = frappe.get_doc("Sales Invoice", credit_note)
	if doc.docstatus != 1 or not doc.is_return or not doc.return_against:
		frappe.throw(_("Refund via Stripe pays back a submitted credit note (a return against an invoice)."))
	requested = requests_for(credit_note)
	open_requests = [r for r in requested if r["state"] in ("requested", "paid back")]
	if open_requests:
		first = open_requests[0]
		return {**first, "already": True}
	owed = -Decimal(str(doc.outstanding_amount or 0))
	if owed <= 0:
		frappe.throw(_("Credit note {0} owes the customer nothing.").format(credit_note))
	account_name, charge_id = stripe_charge_of(doc.return_against)
	account = frappe.get_doc("Stripe Account", account_name)
	if not account.enabled:
		frappe.throw(_("Stripe Account {0} is disabled.").format(account.name))
	client = client_for(account)
	charge = client.retrieve_charge(charge_id)
	currency = normalise_currency(charge["currency"])
	if normalise_currency(doc.currency) != currency:
		frappe.throw(
			_("Credit note {0} is in {1}, the Stripe payment in {2}.").format(
				credit_note, doc.currency, currency
			)
		)
	refundable = from_minor(
		(charge.get("amount_captured") or charge["amount"]) - charge.get("amount_refunded", 0), currency
	)
	amount = min(owed, refundable)
	if amount <= 0:
		frappe.throw(_("Stripe payment {0} has nothing left to refund.").format(charge_id))
	failed = len([r for r in requested if r["state"] == "failed"])
	refund = client.create_refund(
		charge_id=charge_id,
		amount_minor=chargeable_minor(amount, currency),
		currency=currency,
		credit_note=credit_note,
		attempt=failed + 1 if failed else None,  # a new key once an earlier refund has failed
	)
	FrappeGateway().add_link(
		AccountRef("Stripe Account", account.name), REQUESTED, refund["id"], "Sales Invoice", credit_note
	)
	text = _("Stripe refund {0} of {1} {2} requested on payment {3}: {4}.").format(
		refund["id"], currency, amount, charge_id, refund.get("status")
	)
	if amount < owed:
		text += " " + _(
			"Only {0} {1} was left on the payment; {0} {2} is still owed to the customer."
		).format(currency, amount, owed - amount)
	doc.add_comment("Comment", text)
	return {
		"refund": refund["id"],
		"status": refund.get("status"),
		"amount": amount,
		"currency": currency,
		"owed": owed,
		"state": "requested",
		"already": False,
	}


def stripe_charge_of(invoice: str) -> tuple[str, str]:
	"""(Stripe Account, charge id) of the Stripe payment posted against the invoice; the latest one."""
	rows = frappe.db.sql(
		"""select l.account, l.remote_id from `tabConnector Link` l
		join `tabPayment Entry Reference` r on r.parent = l.reference_name
		where l.account_doctype = 'Stripe Account' and l.remote_type = 'charge'
		and l.reference_doctype = 'Payment Entry' and r.reference_doctype = 'Sales Invoice'
		and r.reference_name = %s and r.docstatus = 1
		order by l.creation desc limit 1""",
		invoice,
	)
	if not rows:
		frappe.throw(
			_("Invoice {0} was not paid through Stripe, so Stripe cannot refund it.").format(invoice)
		)
	return rows[0][0], rows[0][1]


def requests_for(credit_note: str) -> list[dict]:
	"""Each Stripe refund asked for this credit note: requested, paid back (its entry) or failed."""
	found = []
	for link in frappe.get_all(
		"Connector Link",
		filters={
			"account_doctype": "Stripe Account",
			"remote_type": REQUESTED,
			"reference_name": credit_note,
		},
		fields=["account", "remote_id"],
		order_by="creation asc",
	):
		filters = {"account_doctype": "Stripe Account", "account": link.account}
		entry = frappe.db.get_value(
			"Connector Link",
			{**filters, "remote_type": "refund", "remote_id": link.remote_id},
			"reference_name",
		)
		failed = frappe.db.exists(
			"Connector Link",
			{**filters, "remote_type": "note", "remote_id": f"refund_failed:{link.remote_id}"},
		)
		state = "failed" if failed else ("paid back" if entry else "requested")
		found.append({"refund": link.remote_id, "state": state, "payment_entry": entry})
	return found


@frappe.whitelist()
def refund_state(credit_note: str) -> dict:
	"""What the credit note's form shows: whether Stripe can refund it, and its refunds so far."""
	frappe.has_permission("Sales Invoice", "read", credit_note, throw=True)
	doc = frappe.get_doc("Sales Invoice", credit_note)
	paid_by_stripe = bool(
		doc.is_return
		and doc.return_against
		and frappe.db.sql(
			"""select 1 from `tabConnector Link` l join `tabPayment Entry Reference` r on r.parent = l.reference_name
			where l.account_doctype = 'Stripe Account' and l.remote_type = 'charge' and r.reference_name = %s
			and r.docstatus = 1 limit 1""",
			doc.return_against,
		)
	)
	return {"stripe": paid_by_stripe, "refunds": requests_for(credit_note) if paid_by_stripe else []}
