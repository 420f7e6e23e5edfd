"""Payments: a succeeded PaymentIntent (or bare charge) becomes one Payment Entry against its invoice.

Events race and repeat (checkout.session.completed and payment_intent.succeeded
describe the same money), so both go through `post_payment_for_intent`, which
looks up the link first and fetches the current PaymentIntent, charge and balance
transaction from Stripe; the event's snapshot is only a pointer. The invoice comes
from metadata we wrote when creating the session (or the session's link); the
amount is checked against the invoice before anything is posted.
"""

from dataclasses import dataclass
from decimal import Decimal

from erp_connectors.connectors.errors import NeedsAttention, TransientError
from erp_connectors.connectors.sources import SyncContext
from erp_connectors.stripe_connector import references
from erp_connectors.stripe_connector.amounts import from_minor, normalise_currency
from erp_connectors.stripe_connector.mapping import balance_amounts, payment_entry_for_invoice
from erp_connectors.stripe_connector.posting import linked, note, object_id, post


@dataclass(frozen=True)
class Target:
	"""The ERP document a Stripe payment pays, and where we learned it."""

	invoice: str
	payment_request: str | None
	expected_minor: int | None
	found_in: str


def post_payment_for_intent(ctx: SyncContext, payment_intent_id: str, session: dict | None = None):
	existing = linked(ctx, "payment_intent", payment_intent_id)
	if existing:
		return existing
	intent = ctx.client.retrieve_payment_intent(payment_intent_id)
	if intent.get("status") != "succeeded":
		raise TransientError(
			f"PaymentIntent {payment_intent_id} is '{intent.get('status')}', not succeeded yet"
		)
	charge_id = object_id(intent.get("latest_charge"))
	if not charge_id:
		raise TransientError(f"PaymentIntent {payment_intent_id} has no charge yet")
	return _post(ctx, ctx.client.retrieve_charge(charge_id), intent, session)


def post_payment_for_charge(ctx: SyncContext, charge_id: str):
	"""The Payment Entry for a charge, posting it first if its own event has not arrived yet."""
	existing = linked(ctx, "charge", charge_id)
	if existing:
		return existing
	charge = ctx.client.retrieve_charge(charge_id)
	intent_id = object_id(charge.get("payment_intent"))
	if intent_id:
		existing = linked(ctx, "payment_intent", intent_id)
		if existing:
			return existing
		return _post(ctx, charge, ctx.client.retrieve_payment_intent(intent_id), None)
	return _post(ctx, charge, None, None)


def _post(ctx: SyncContext, charge: dict, intent: dict | None, session: dict | None):
	reference_no = intent["id"] if intent else charge["id"]
	if not charge.get("paid") or charge.get("status") != "succeeded":
		raise TransientError(f"Charge {charge['id']} is '{charge.get('status')}', not succeeded yet")
	transaction_id = object_id(charge.get("balance_transaction"))
	if not transaction_id:
		raise TransientError(f"Charge {charge['id']} has no balance transaction yet")

	objects = [o for o in (intent, charge, session) if o]
	target = find_target(ctx, objects)
	if target is None and intent and session is None:
		session = ctx.client.find_checkout_session(intent["id"])
		target = find_target(ctx, [session]) if session else None
	if target is None:
		raise NeedsAttention(
			f"Stripe payment {reference_no} ({charge['currency'].upper()} "
			f"{from_minor(_gross_minor(charge, intent), charge['currency'])}) names no Sales Invoice. Nothing was "
			f"posted. In the Stripe Dashboard add metadata '{references.SALES_INVOICE}' = <invoice name> to "
			f"{reference_no}, then retry this event (or record the payment by hand)."
		)

	invoice = load_invoice(ctx, target.invoice, f"{target.found_in} of {reference_no}")
	gross = check_amount(ctx, invoice, target, charge, intent, reference_no)
	fees = balance_amounts(ctx.client.retrieve_balance_transaction(transaction_id))
	doc = payment_entry_for_invoice(
		invoice,
		gross=gross,
		charge_currency=charge["currency"],
		fees=fees,
		reference_no=reference_no,
		settings=ctx.settings,
		payment_request=target.payment_request,
	)
	keys = ([("payment_intent", intent["id"])] if intent else []) + [
		("charge", charge["id"]),
		("balance_transaction", fees.id),
	]
	return post(ctx, doc, keys)


def _gross_minor(charge: dict, intent: dict | None) -> int:
	if intent:
		return intent["amount_received"]
	return charge.get("amount_captured") or charge["amount"]


def find_target(ctx: SyncContext, objects: list[dict]) -> Target | None:
	for obj in objects:
		metadata = obj.get("metadata") or {}
		where = f"metadata of {obj.get('id')}"
		expected = metadata.get(references.EXPECTED_AMOUNT_MINOR)
		expected = int(expected) if expected and str(expected).isdigit() else None
		if metadata.get(references.SALES_INVOICE):
			return Target(
				metadata[references.SALES_INVOICE], metadata.get(references.PAYMENT_REQUEST), expected, where
			)
		if metadata.get(references.PAYMENT_REQUEST):
			return _from_payment_request(ctx, metadata[references.PAYMENT_REQUEST], expected, where)
	for obj in objects:
		if obj.get("object") != "checkout.session":
			continue
		bound = linked(ctx, "checkout_session", obj["id"])
		if bound and bound[0] == "Payment Request":
			return _from_payment_request(ctx, bound[1], None, f"link of {obj['id']}")
		if bound and bound[0] == "Sales Invoice":
			return Target(bound[1], None, None, f"link of {obj['id']}")
		if obj.get("client_reference_id"):
			return Target(obj["client_reference_id"], None, None, f"client_reference_id of {obj['id']}")
	return None


def _from_payment_request(ctx: SyncContext, name: str, expected: int | None, where: str) -> Target:
	if not ctx.gateway.find("Payment Request", {"name": name}):
		raise NeedsAttention(f"Payment Request {name} (from {where}) does not exist. Correct it, then retry.")
	request = ctx.gateway.get("Payment Request", name)
	if request.get("reference_doctype") != "Sales Invoice":
		raise NeedsAttention(
			f"Payment Request {name} is for a {request.get('reference_doctype')}; only Sales Invoice payments "
			"are posted automatically. Record this payment by hand."
		)
	return Target(request["reference_name"], name, expected, where)


def load_invoice(ctx: SyncContext, name: str, where: str) -> dict:
	if not ctx.gateway.find("Sales Invoice", {"name": name}):
		raise NeedsAttention(
			f"Sales Invoice {name!r} (from {where}) does not exist. Create it or correct the Stripe metadata "
			f"'{references.SALES_INVOICE}', then retry."
		)
	invoice = ctx.gateway.get("Sales Invoice", name)
	if invoice.get("docstatus") != 1:
		raise NeedsAttention(
			f"Sales Invoice {name} is not submitted (draft or cancelled). Submit it, then retry."
		)
	company = ctx.settings.get("company")
	if company and invoice.get("company") != company:
		raise NeedsAttention(
			f"Sales Invoice {name} belongs to {invoice.get('company')}, but Stripe Account "
			f"{ctx.settings.get('account_name') or ctx.account.name} books for {company}. Nothing was posted."
		)
	if not invoice.get("customer"):
		raise NeedsAttention(f"Sales Invoice {name} has no customer. Set one, then retry.")
	return invoice


def check_amount(
	ctx, invoice: dict, target: Target, charge: dict, intent: dict | None, reference_no: str
) -> Decimal:
	"""The gross Stripe took, if it is exactly what the document asked for; NeedsAttention otherwise."""
	currency = normalise_currency(charge["currency"])
	gross_minor = _gross_minor(charge, intent)
	gross = from_minor(gross_minor, currency)
	if normalise_currency(invoice.get("currency") or "") != currency:
		raise NeedsAttention(
			f"Stripe payment {reference_no} is in {currency} but Sales Invoice {invoice['name']} is in "
			f"{invoice.get('currency')}. Nothing was posted; record this payment by hand."
		)
	if target.expected_minor is not None and gross_minor != target.expected_minor:
		raise NeedsAttention(
			f"Stripe payment {reference_no} is {currency} {gross}, but it was requested for {currency} "
			f"{from_minor(target.expected_minor, currency)} on {invoice['name']}. Nothing was posted. "
			"Check the payment in Stripe and record it by hand if it is right."
		)
	outstanding = Decimal(str(invoice.get("outstanding_amount") or 0))
	wanted = outstanding
	if target.payment_request:
		wanted = Decimal(
			str(ctx.gateway.get("Payment Request", target.payment_request).get("grand_total") or 0)
		)
	if gross != wanted or gross > outstanding:
		raise NeedsAttention(
			f"Stripe payment {reference_no} is {currency} {gross}, but Sales Invoice {invoice['name']} has "
			f"{currency} {outstanding} outstanding"
			+ (
				f" and Payment Request {target.payment_request} asks for {wanted}"
				if target.payment_request
				else ""
			)
			+ ". Nothing was posted. Was the invoice changed or paid another way? Correct it and retry, "
			"or record this payment by hand."
		)
	return gross


def record_payment_failure(ctx: SyncContext, event: dict):
	"""A failed attempt is noted on the Payment Request (or invoice); nothing is posted, status is untouched.

	Checkout lets the customer try another card in the same session, so a failed
	attempt does not fail the request.
	"""
	intent = event["data"]["object"]
	target = find_target(ctx, [intent])
	if target is None:
		return None
	error = intent.get("last_payment_error") or {}
	reason = error.get("message") or error.get("decline_code") or error.get("code") or "no reason given"
	doctype, name = (
		("Payment Request", target.payment_request)
		if target.payment_request
		else ("Sales Invoice", target.invoice)
	)
	if not ctx.gateway.find(doctype, {"name": name}):
		return None
	note(
		ctx,
		f"payment_failed:{event['id']}",
		doctype,
		name,
		f"Stripe payment attempt {intent['id']} failed: {reason}",
	)
	return (doctype, name)
