"""How a Stripe object points back at the ERP document it pays, and the idempotency key derived from it.

We write these metadata keys on every Checkout Session, Payment Link and (through
`payment_intent_data`) PaymentIntent we create, so every later event can be tied
to its Sales Invoice without trusting anything the browser sent.
"""

import hashlib

SALES_INVOICE = "sales_invoice"
PAYMENT_REQUEST = "payment_request"
REFERENCE_DOCTYPE = "erp_doctype"
REFERENCE_NAME = "erp_name"
EXPECTED_AMOUNT_MINOR = "expected_amount_minor"
STRIPE_ACCOUNT = "erp_stripe_account"
CREDIT_NOTE = "credit_note"  # on a refund made from ERPNext: the Sales Invoice return it pays back

MAX_IDEMPOTENCY_KEY = 255


def document_metadata(
	reference_doctype: str,
	reference_name: str,
	amount_minor: int,
	*,
	sales_invoice: str | None = None,
	payment_request: str | None = None,
	account_name: str | None = None,
	extra: dict | None = None,
) -> dict[str, str]:
	metadata = {str(key): str(value) for key, value in (extra or {}).items()}
	metadata.update(
		{
			REFERENCE_DOCTYPE: reference_doctype,
			REFERENCE_NAME: reference_name,
			EXPECTED_AMOUNT_MINOR: str(amount_minor),
		}
	)
	if reference_doctype == "Sales Invoice":
		sales_invoice = sales_invoice or reference_name
	if reference_doctype == "Payment Request":
		payment_request = payment_request or reference_name
	if sales_invoice:
		metadata[SALES_INVOICE] = sales_invoice
	if payment_request:
		metadata[PAYMENT_REQUEST] = payment_request
	if account_name:
		metadata[STRIPE_ACCOUNT] = account_name
	return metadata


def idempotency_key(
	doctype: str, name: str, purpose: str, amount_minor: int, currency: str, attempt: int | None = None
) -> str:
	"""Same document, purpose, amount and currency -> same key, so a retried POST replays, never repeats.

	A changed amount gives a new key (a new session is right then). `attempt`
	lets a user deliberately start over, e.g. after a session expired.
	"""
	key = f"{doctype}:{name}:{purpose}:{amount_minor}:{currency.lower()}"
	if attempt:
		key += f":{attempt}"
	if len(key) > MAX_IDEMPOTENCY_KEY:
		digest = hashlib.sha256(key.encode()).hexdigest()
		key = f"{key[: MAX_IDEMPOTENCY_KEY - len(digest) - 1]}#{digest}"
	return key
