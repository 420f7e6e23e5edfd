# Copyright (c) 2026, erp_connectors team

import frappe
from frappe.model.document import Document


class ShopifyInventoryLevel(Document):
	pass


def on_doctype_update():
	frappe.db.add_unique(
		"Shopify Inventory Level",
		["store", "inventory_item", "location"],
		constraint_name="unique_store_level",
	)
