"""Collecting payment: Checkout Sessions and Payment Links for exactly what an ERP document asks.

Mixed into `StripeAccountClient` (uses its `_call`, `_stripe` and `account_name`). Every POST
carries an idempotency key derived from the document, amount and currency, so a retry replays
Stripe's first answer instead of creating a second session, price or link.
"""

from decimal import Decimal

from erp_connectors.stripe_connector import amounts, references


class Collecting:
	def _charge_for(
		self, amount, currency, reference_doctype, reference_name, sales_invoice, payment_request, extra=None
	) -> tuple[int, dict]:
		"""The amount in Stripe's minor units and the metadata tying it to the ERP document."""
		minor = amounts.chargeable_minor(amount, currency)
		meta = references.document_metadata(
			reference_doctype,
			reference_name,
			minor,
			sales_invoice=sales_invoice,
			payment_request=payment_request,
			account_name=self.account_name,
			extra=extra,
		)
		return minor, meta

	def create_checkout_session(
		self,
		*,
		amount: Decimal,
		currency: str,
		reference_doctype: str,
		reference_name: str,
		success_url: str,
		cancel_url: str,
		customer_email: str | None = None,
		sales_invoice: str | None = None,
		payment_request: str | None = None,
		description: str | None = None,
		metadata: dict | None = None,
		attempt: int | None = None,
	) -> dict:
		"""A Checkout Session for exactly `amount` (from the ERP document), in correct minor units."""
		minor, meta = self._charge_for(
			amount, currency, reference_doctype, reference_name, sales_invoice, payment_request, metadata
		)
		params = {
			"mode": "payment",
			"line_items": [
				{
					"quantity": 1,
					"price_data": {
						"currency": currency.lower(),
						"unit_amount": minor,
						"product_data": {"name": description or f"{reference_doctype} {reference_name}"},
					},
				}
			],
			"success_url": success_url,
			"cancel_url": cancel_url,
			"client_reference_id": meta.get(references.SALES_INVOICE, reference_name),
			"metadata": meta,
			"payment_intent_data": {"metadata": meta},
		}
		if customer_email:
			params["customer_email"] = customer_email
		key = references.idempotency_key(
			reference_doctype, reference_name, "checkout_session", minor, currency, attempt
		)
		return self._call(
			"POST /v1/checkout/sessions",
			lambda: self._stripe.v1.checkout.sessions.create(params=params, options={"idempotency_key": key}),
			params,
		)

	def create_payment_link(
		self,
		*,
		amount: Decimal,
		currency: str,
		reference_doctype: str,
		reference_name: str,
		sales_invoice: str | None = None,
		payment_request: str | None = None,
		description: str | None = None,
		success_url: str | None = None,
		attempt: int | None = None,
	) -> dict:
		"""A reusable link for the same amount: a one-off Price, then a Payment Link for it."""
		minor, meta = self._charge_for(
			amount, currency, reference_doctype, reference_name, sales_invoice, payment_request
		)
		price_params = {
			"currency": currency.lower(),
			"unit_amount": minor,
			"product_data": {"name": description or f"{reference_doctype} {reference_name}"},
			"metadata": meta,
		}
		price_key = references.idempotency_key(
			reference_doctype, reference_name, "price", minor, currency, attempt
		)
		price = self._call(
			"POST /v1/prices",
			lambda: self._stripe.v1.prices.create(
				params=price_params, options={"idempotency_key": price_key}
			),
			price_params,
		)
		link_params = {
			"line_items": [{"price": price["id"], "quantity": 1}],
			"metadata": meta,
			"payment_intent_data": {"metadata": meta},
			"restrictions": {"completed_sessions": {"limit": 1}},
		}
		if success_url:
			link_params["after_completion"] = {"type": "redirect", "redirect": {"url": success_url}}
		link_key = references.idempotency_key(
			reference_doctype, reference_name, "payment_link", minor, currency, attempt
		)
		return self._call(
			"POST /v1/payment_links",
			lambda: self._stripe.v1.payment_links.create(
				params=link_params, options={"idempotency_key": link_key}
			),
			link_params,
		)
