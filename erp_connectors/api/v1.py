"""The public API, version 1: `/api/method/erp_connectors.api.v1.<method>`.

Thin: each method validates nothing itself and hands over; `openapi_v1.json` beside this
file is the contract (a pure test keeps the two in step). Authentication is Frappe's own
(API key and secret, or an OAuth bearer token); the role "Connector API User" is required,
and doctype permissions apply as in Desk.
"""

import json
import os

import frappe

from erp_connectors.api import changes, order_status, orders, prices, rates, stock
from erp_connectors.api.contract import order_request
from erp_connectors.api.envelope import api_method

SPEC_PATH = os.path.join(os.path.dirname(__file__), "openapi_v1.json")


@frappe.whitelist(methods=["POST"])
@api_method
def get_stock(items=None, warehouses=None):
	return stock.get_stock(items, warehouses)


@frappe.whitelist(methods=["POST"])
@api_method
def get_prices(items=None, price_list=None, customer=None, customer_group=None):
	return prices.get_prices(items, price_list, customer, customer_group)


@frappe.whitelist(methods=["POST"])
@api_method
def create_order(
	idempotency_key=None,
	customer=None,
	items=None,
	delivery_date=None,
	company=None,
	currency=None,
	po_no=None,
	submit=True,
):
	request = order_request(idempotency_key, customer, items, delivery_date, company, currency, po_no, submit)
	return orders.create_order(request)


@frappe.whitelist(methods=["GET"])
@api_method
def get_order_status(order=None):
	return order_status.get_order_status(order)


@frappe.whitelist(methods=["POST"])
@api_method
def get_shipping_rates(to_address=None, parcels=None, from_address=None, company=None):
	return rates.get_shipping_rates(to_address, parcels, from_address, company)


@frappe.whitelist(methods=["GET"])
@api_method
def list_changes(cursor=None, limit=None, kinds=None):
	return changes.list_changes(cursor, limit, kinds)


@frappe.whitelist(methods=["GET"])
@api_method
def openapi():
	with open(SPEC_PATH) as spec:
		return json.load(spec)
