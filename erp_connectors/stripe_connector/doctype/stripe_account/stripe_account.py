# Copyright (c) 2026, erp_connectors team

import frappe
from frappe import _
from frappe.model.document import Document

from erp_connectors.connectors import site_policy
from erp_connectors.stripe_connector import payment_gateway
from erp_connectors.stripe_connector.amounts import AmountError, exponent
from erp_connectors.stripe_connector.client import HOSTS

KEY_PREFIXES = {"Test": ("sk_test_", "rk_test_"), "Live": ("sk_live_", "rk_live_")}


class StripeAccount(Document):
	def validate(self):
		key = self.secret_key or ""
		if key and set(key) != {"*"} and not key.startswith(KEY_PREFIXES[self.mode]):
			frappe.throw(
				_("This is not a {0}-mode secret key: it should start with {1}.").format(
					self.mode, " or ".join(KEY_PREFIXES[self.mode])
				)
			)
		site_policy.validate_url_field(self, "base_url", "Stripe", HOSTS)
		for fieldname in ("clearing_account", "fee_account", "dispute_account"):
			self.check_account_company(self.get(fieldname), self.meta.get_label(fieldname))
		currencies = [(row.currency or "").upper() for row in self.payout_accounts]
		if len(set(currencies)) != len(currencies):
			frappe.throw(_("Give one payout bank account per currency."))
		for row in self.payout_accounts:
			self.check_account_company(
				row.bank_account, _("Payout bank account for {0}").format(row.currency)
			)

	def check_account_company(self, account, label):
		if account and self.company:
			company = frappe.db.get_value("Account", account, "company")
			if company != self.company:
				frappe.throw(
					_("{0}: {1} belongs to {2}, not {3}.").format(label, account, company, self.company)
				)

	def on_update(self):
		payment_gateway.ensure_gateway(self.name)

	# Called by ERPNext's Payment Request through the payments app's Payment Gateway.
	def validate_transaction_currency(self, currency):
		try:
			exponent(currency)
		except AmountError as error:
			frappe.throw(str(error))

	def get_payment_url(self, **kwargs):
		"""The Checkout URL for a Payment Request; the amount is read from the document, not from kwargs."""
		from erp_connectors.stripe_connector.checkout import checkout_for

		return checkout_for(self, kwargs["reference_doctype"], kwargs["reference_docname"])["url"]
