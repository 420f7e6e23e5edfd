"""Fix a held Shopify event from its form: create or link the Item of a SKU, map a tax title.

The Frappe half of shopify_connector.remedies, registered under the `connector_remedies` hook.
Every action acts with the user's own permissions (an Item is inserted as the user, a store is saved
as the user); the Connector Link a link action adds is the event's own business, allowed to whoever
may fix the event.
"""

import frappe
from frappe import _

from erp_connectors.connectors.frappe_gateway import FrappeGateway
from erp_connectors.connectors.gateway import AccountRef
from erp_connectors.connectors.remedies import Remedy

# The account types ERPNext accepts in a sales taxes and charges row.
TAX_ACCOUNT_TYPES = ["Tax", "Chargeable", "Income Account", "Expenses Included In Valuation"]


def _store(event):
	if event.account_doctype != "Shopify Store":
		frappe.throw(_("This fix is for Shopify Store events."))
	return frappe.get_doc("Shopify Store", event.account)


def _account(event) -> AccountRef:
	return AccountRef(event.account_doctype, event.account)


def _action(name: str, label: str, fields: list[dict], primary: bool = False) -> dict:
	return {"name": name, "label": label, "fields": fields, "primary": primary}


class ItemRemedy:
	"""A line whose variant is linked to no Item and whose SKU is no Item code."""

	def found(self, event, remedy: Remedy) -> str | None:
		variant = remedy.data.get("variant_id")
		if variant:
			linked = FrappeGateway().find_link(_account(event), "variant", variant)
			if linked:
				return linked[1]
		sku = remedy.data.get("sku")
		return sku if sku and frappe.db.exists("Item", sku) else None

	def describe(self, event, remedy: Remedy) -> dict:
		item = self.found(event, remedy)
		if item:
			return {"resolved": True, "resolution": _("Item {0}").format(item), "actions": []}
		data = remedy.data
		actions = []
		if data.get("sku") or data.get("variant_id"):
			store = _store(event)
			actions.append(
				_action(
					"create_item",
					_("Create Item"),
					[
						_field("item_code", "Data", _("Item Code"), default=data.get("sku"), reqd=1),
						_field("item_name", "Data", _("Item Name"), default=data.get("item_name"), reqd=1),
						_field(
							"item_group",
							"Link",
							_("Item Group"),
							options="Item Group",
							default=default_item_group(store),
							reqd=1,
							get_query={"filters": {"is_group": 0}},
						),
						_field(
							"stock_uom",
							"Link",
							_("Default Unit of Measure"),
							options="UOM",
							default=default_uom(),
							reqd=1,
						),
						_field("is_stock_item", "Check", _("Maintain Stock"), default=1),
					],
					primary=True,
				)
			)
		if data.get("variant_id"):
			actions.append(
				_action(
					"link_item",
					_("Link to existing Item"),
					[
						_field(
							"item",
							"Link",
							_("Item"),
							options="Item",
							reqd=1,
							get_query={"filters": {"disabled": 0, "has_variants": 0}},
						)
					],
				)
			)
		return {"resolved": False, "resolution": None, "actions": actions}

	def apply(self, event, remedy: Remedy, action: str, values: dict) -> str:
		if action == "create_item":
			return self.create_item(event, remedy, values)
		if action == "link_item":
			return self.link_item(event, remedy, values)
		frappe.throw(_("Unknown action {0}").format(frappe.utils.escape_html(action)))

	def create_item(self, event, remedy: Remedy, values: dict) -> str:
		sku, variant = remedy.data.get("sku"), remedy.data.get("variant_id")
		code = (values.get("item_code") or "").strip()
		if not code:
			frappe.throw(_("Enter the Item Code."))
		if not variant and code != sku:
			frappe.throw(
				_(
					"This line has no Shopify variant, so its order finds the Item by SKU: the Item Code must be {0}."
				).format(frappe.utils.escape_html(sku))
			)
		if frappe.db.exists("Item", code):
			frappe.throw(
				_("Item {0} exists already: use Link to existing Item.").format(
					frappe.utils.escape_html(code)
				)
			)
		item = frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": code,
				"item_name": (values.get("item_name") or code)[:140],
				"item_group": values.get("item_group"),
				"stock_uom": values.get("stock_uom"),
				"is_stock_item": 1 if values.get("is_stock_item") else 0,
				"include_item_in_manufacturing": 0,
			}
		).insert()  # as the user: Item's own create permission applies
		# Bound as Link Variants by SKU binds it, and marked as sold by the store, so Push Items never
		# makes it a second Shopify product.
		if variant:
			self._link(event, variant, item.name)
		else:
			FrappeGateway().add_link(_account(event), "listed_item", item.name, "Item", item.name)
		return _("Created Item {0}.").format(item.name)

	def link_item(self, event, remedy: Remedy, values: dict) -> str:
		variant = remedy.data.get("variant_id")
		item = values.get("item")
		if not variant:
			frappe.throw(_("This line has no Shopify variant to link."))
		if not item or not frappe.db.exists("Item", item):
			frappe.throw(_("Choose an existing Item."))
		frappe.has_permission("Item", "read", item, throw=True)
		if frappe.db.get_value("Item", item, "has_variants"):
			frappe.throw(_("{0} is a template; choose one of its variants.").format(item))
		self._link(event, variant, item)
		return _("Linked the Shopify variant to Item {0}.").format(item)

	def _link(self, event, variant: str, item: str):
		"""The variant's link, as Link Variants by SKU makes it (its inventory item is bound by the next
		Link Variants by SKU, which reads it from Shopify)."""
		gateway, account = FrappeGateway(), _account(event)
		bound = gateway.add_link(account, "variant", variant, "Item", item)
		if bound != ("Item", item):
			frappe.throw(_("This Shopify variant is linked to {0} already.").format(bound[1]))
		gateway.add_link(account, "listed_item", item, "Item", item)


class TaxRemedy:
	"""A tax title with no account on the store."""

	def describe(self, event, remedy: Remedy) -> dict:
		store = _store(event)
		title = remedy.data.get("tax_title")
		account = next((row.account for row in store.tax_accounts if row.tax_title == title), None)
		if account:
			return {"resolved": True, "resolution": _("Account {0}").format(account), "actions": []}
		return {
			"resolved": False,
			"resolution": None,
			"actions": [
				_action(
					"map_tax",
					_('Map "{0}"').format(title),
					[
						_field(
							"account",
							"Link",
							_("Account"),
							options="Account",
							reqd=1,
							get_query={
								"filters": {
									"company": store.company,
									"is_group": 0,
									"account_type": ["in", TAX_ACCOUNT_TYPES],
								}
							},
							description=_("An account of {0}").format(store.company),
						)
					],
					primary=True,
				)
			],
		}

	def apply(self, event, remedy: Remedy, action: str, values: dict) -> str:
		if action != "map_tax":
			frappe.throw(_("Unknown action {0}").format(frappe.utils.escape_html(action)))
		title, account = remedy.data.get("tax_title"), values.get("account")
		frappe.has_permission("Shopify Store", "write", event.account, throw=True)
		# The row lock before the read: two mappings of one store never save over each other.
		frappe.db.sql("select name from `tabShopify Store` where name=%s for update", event.account)
		store = frappe.get_doc("Shopify Store", event.account)
		row = (
			frappe.db.get_value("Account", account, ["company", "is_group"], as_dict=True)
			if account
			else None
		)
		if not row or row.is_group or row.company != store.company:
			frappe.throw(_("Choose an account of {0} that is not a group.").format(store.company))
		frappe.has_permission("Account", "read", account, throw=True)
		existing = next((r for r in store.tax_accounts if r.tax_title == title), None)
		if existing:
			existing.account = account
		else:
			store.append("tax_accounts", {"tax_title": title, "account": account})
		store.save()  # as the user: Shopify Store's write permission applies
		return _("Mapped tax {0} to {1}.").format(frappe.utils.escape_html(title), account)


def default_item_group(store) -> str | None:
	return (
		store.get("item_group")
		or frappe.db.get_single_value("Stock Settings", "item_group")
		or frappe.db.get_value("Item Group", {"is_group": 0}, "name", order_by="lft")
	)


def default_uom() -> str:
	return frappe.db.get_single_value("Stock Settings", "stock_uom") or "Nos"


def _field(fieldname, fieldtype, label, **options) -> dict:
	return {"fieldname": fieldname, "fieldtype": fieldtype, "label": label, **options}


ITEM = ItemRemedy()
TAX = TaxRemedy()
