"""Stores made before the Connection section connect as they did: with their admin-created token."""

import frappe


def execute():
	frappe.db.sql(
		"""update `tabShopify Store` set connection_method='Admin API access token (legacy)'
		where ifnull(client_id, '') = ''"""
	)
