"""Collecting payment: a Stripe Checkout Session for what a Sales Invoice or Payment Request still asks.

The amount and currency are read from the submitted document here, never taken from
the caller; the session's idempotency key is derived from the document and amount,
so asking twice returns the same session instead of a second one.
"""

from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import flt, get_url

from erp_connectors.connectors.desk import user_facing
from erp_connectors.connectors.frappe_gateway import FrappeGateway
from erp_connectors.connectors.gateway import AccountRef
from erp_connectors.stripe_connector.amounts import AmountError, chargeable_minor
from erp_connectors.stripe_connector.integration import client_for
from erp_connectors.stripe_connector.payment_gateway import account_of_gateway

SUPPORTED = ("Sales Invoice", "Payment Request")


@frappe.whitelist(methods=["POST"])
@user_facing("Stripe")
def create_checkout(doctype: str, name: str, account: str | None = None) -> dict:
	"""Desk action (and API): a Checkout Session URL for the document's outstanding amount."""
	if doctype not in SUPPORTED:
		frappe.throw(_("Stripe Checkout is offered for {0} only.").format(" and ".join(SUPPORTED)))
	frappe.has_permission(doctype, "write", name, throw=True)
	doc = frappe.get_doc(doctype, name)
	return checkout_for(choose_account(doc, account), doctype, name)


def checkout_for(account, doctype: str, name: str) -> dict:
	doc = frappe.get_doc(doctype, name)
	amount, currency, invoice, request = amount_due(doc)
	if not account.enabled:
		frappe.throw(_("Stripe Account {0} is disabled.").format(account.name))
	try:
		chargeable_minor(amount, currency)
	except AmountError as error:
		frappe.throw(str(error), title=_("Amount Stripe cannot charge"))
	landing = get_url(f"/invoices/{invoice}")
	session = client_for(account).create_checkout_session(
		amount=amount,
		currency=currency,
		reference_doctype=doctype,
		reference_name=name,
		success_url=account.success_url or landing,
		cancel_url=account.cancel_url or landing,
		customer_email=customer_email(doc),
		sales_invoice=invoice,
		payment_request=request,
		description=f"{doctype} {name}",
	)
	FrappeGateway().add_link(
		AccountRef("Stripe Account", account.name), "checkout_session", session["id"], doctype, name
	)
	if doctype == "Payment Request" and doc.payment_url != session["url"]:
		doc.db_set("payment_url", session["url"])
	return {"url": session["url"], "session_id": session["id"], "amount": amount, "currency": currency}


def amount_due(doc) -> tuple[Decimal, str, str, str | None]:
	"""(amount, currency, sales invoice, payment request) still to collect, or a message why not."""
	if doc.docstatus != 1:
		frappe.throw(_("Submit {0} {1} before collecting payment for it.").format(doc.doctype, doc.name))
	if doc.doctype == "Payment Request":
		if doc.reference_doctype != "Sales Invoice":
			frappe.throw(_("Stripe Checkout collects Payment Requests for Sales Invoices only."))
		if doc.status in ("Paid", "Cancelled"):
			frappe.throw(_("Payment Request {0} is {1}.").format(doc.name, doc.status))
		amount = flt(doc.grand_total, doc.precision("grand_total"))
		return Decimal(str(amount)), doc.currency, doc.reference_name, doc.name
	if doc.party_account_currency and doc.party_account_currency != doc.currency:
		frappe.throw(
			_(
				"{0} is in {1} but its receivable account is in {2}; collect it with a Payment Request."
			).format(doc.name, doc.currency, doc.party_account_currency)
		)
	amount = flt(doc.outstanding_amount, doc.precision("outstanding_amount"))
	if amount <= 0:
		frappe.throw(_("Sales Invoice {0} has nothing outstanding.").format(doc.name))
	return Decimal(str(amount)), doc.currency, doc.name, None


def choose_account(doc, requested: str | None):
	"""The named account, the Payment Request's gateway account, or the company's only Stripe Account."""
	requested = requested or account_of_gateway(doc.get("payment_gateway"))
	if requested:
		account = frappe.get_doc("Stripe Account", requested)
		if account.company != doc.company:
			frappe.throw(
				_("Stripe Account {0} books for {1}, not {2}.").format(
					account.name, account.company, doc.company
				)
			)
		return account
	names = frappe.get_all("Stripe Account", filters={"enabled": 1, "company": doc.company}, pluck="name")
	if len(names) != 1:
		frappe.throw(
			_("Choose the Stripe Account: {0} enabled accounts book for {1}.").format(len(names), doc.company)
		)
	return frappe.get_doc("Stripe Account", names[0])


def customer_email(doc) -> str | None:
	return doc.get("email_to") or doc.get("contact_email") or None
