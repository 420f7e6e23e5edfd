# Copyright (c) 2026, erp_connectors team

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate, nowdate

from erp_connectors.connectors import site_policy
from erp_connectors.shopify_connector.api_versions import PINNED, warning
from erp_connectors.shopify_connector.auth_sync import TOKEN_STATE
from erp_connectors.shopify_connector.graphql_client import HOSTS

# Written by the form's buttons (store_actions) while the form may be open: a save keeps what is stored.
SETUP_STATE = ("connection_tested_at", "webhooks_registered_at", "tax_titles_seen")


class ShopifyStore(Document):
	def autoname(self):
		# Webhooks name the store by X-Shopify-Shop-Domain, always lower case.
		self.shop_domain = normalise_domain(self.shop_domain)
		self.name = self.shop_domain

	def on_update(self):
		frappe.cache.delete_value("erp_connectors:shopify_stock_stores")

	def onload(self):
		self.set_onload("api_version_warning", warning(self.api_version, getdate(nowdate())))
		self.set_onload("pinned_api_version", PINNED)

	def validate(self):
		self.shop_domain = normalise_domain(self.shop_domain)
		self.api_version = (self.api_version or "").strip() or PINNED
		if not self.is_new():
			# The token machinery writes these on a connection of its own; a form saved from an older
			# copy must not put back what it showed.
			kept = list(TOKEN_STATE) + list(SETUP_STATE)
			current = frappe.db.get_value(self.doctype, self.name, kept, as_dict=True) or {}
			for field in kept:
				self.set(field, current.get(field))
		if not self.shop_domain.endswith(".myshopify.com"):
			frappe.throw(_("Shop Domain must be the store's .myshopify.com domain, e.g. acme.myshopify.com"))
		site_policy.validate_url_field(self, "base_url", "Shopify", HOSTS)
		titles = [row.tax_title for row in self.tax_accounts]
		duplicates = {title for title in titles if titles.count(title) > 1}
		if duplicates:
			frappe.throw(
				_("Each Shopify tax title may map to one account only: {0}").format(", ".join(duplicates))
			)
		if self.shipping_as == "Item" and not self.shipping_item:
			frappe.throw(_("Choose the Shipping Item, or book shipping as a Charge"))
		if self.shipping_as == "Charge" and not self.shipping_account:
			frappe.throw(_("Choose the Shipping Income Account, or book shipping as an Item"))
		self.validate_payments()

	def validate_payments(self):
		"""The Payments and Payouts section: one row per gateway, the company's accounts."""
		names = [(row.gateway or "").strip() for row in self.get("gateways") or []]
		duplicates = {name for name in names if names.count(name) > 1}
		if duplicates:
			frappe.throw(_("Map each gateway once: {0}").format(", ".join(sorted(duplicates))))
		for row, name in zip(self.get("gateways") or [], names, strict=True):
			row.gateway = name
		if self.invoice_at_fulfillment and not self.get("gateways"):
			frappe.throw(_("Invoice at Fulfillment posts payments per gateway: map the Gateways first."))
		accounts = [(row.account, _("Gateway {0}").format(row.gateway)) for row in self.get("gateways") or []]
		accounts += [
			(self.get(field), self.meta.get_label(field))
			for field in (
				"gift_card_account",
				"tip_account",
				"payout_bank_account",
				"payout_fee_account",
				"payout_dispute_account",
				"payout_reserve_account",
				"payout_adjustment_account",
			)
		]
		for account, label in accounts:
			company = account and frappe.db.get_value("Account", account, "company")
			if account and self.company and company != self.company:
				frappe.throw(
					_("{0}: {1} belongs to {2}, not {3}.").format(label, account, company, self.company)
				)
		if self.sync_payouts and not self.payout_bank_account:
			frappe.throw(_("Choose the Payout Bank Account to post Shopify Payments payouts."))


def normalise_domain(domain: str | None) -> str:
	domain = (domain or "").strip().lower()
	for prefix in ("https://", "http://"):
		domain = domain.removeprefix(prefix)
	return domain.rstrip("/")
