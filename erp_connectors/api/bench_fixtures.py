"""Users, items, stock and prices for the API bench tests (never used in production paths)."""

import json

import frappe
from frappe.tests.test_api import make_request
from frappe.utils import add_days, get_test_client, get_url, nowdate

from erp_connectors.api.envelope import API_ROLE
from erp_connectors.connectors import bench_fixtures

COMPANY = "Test Company"
WAREHOUSE = "Stores - TC"
CUSTOMER = "API Bench Customer"
SKUS = ("API-SKU-1", "API-SKU-2", "API-SKU-3")
BARCODE = "4006381333931"  # on API-SKU-3
USERS = {
	"api-user@example.com": [API_ROLE, "Sales User", "Sales Master Manager", "Stock User", "Accounts User"],
	"api-no-role@example.com": ["Sales User", "Stock User"],
	"api-no-stock@example.com": [API_ROLE],
	# Sales without accounting: may read orders, not invoices or payments.
	"api-sales@example.com": [API_ROLE, "Sales User"],
	# Restricted by User Permission to the other company.
	"api-other-company@example.com": [API_ROLE, "Sales User", "Sales Master Manager", "Stock User"],
}
OTHER_COMPANY = "Wind Power LLC"
OTHER_CUSTOMER = "API Other Customer"
CLIENT = get_test_client()


def ensure_user(email: str, roles: list[str]) -> str:
	"""The user with exactly these roles; returns its `token key:secret` header value."""
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": email.split("@")[0], "send_welcome_email": 0}
		).insert(ignore_permissions=True)
	user = frappe.get_doc("User", email)
	user.set("roles", [])
	for role in roles:
		user.append("roles", {"role": role})
	user.api_key = user.api_key or frappe.generate_hash(length=15)
	secret = frappe.generate_hash(length=15)
	user.api_secret = secret
	user.save(ignore_permissions=True)
	return f"token {user.api_key}:{secret}"


def ensure_data() -> dict[str, str]:
	from erp_connectors.api.setup import ensure_role

	ensure_role()
	tokens = {email: ensure_user(email, roles) for email, roles in USERS.items()}
	restrict("api-other-company@example.com", "Company", OTHER_COMPANY)
	for customer in (CUSTOMER, OTHER_CUSTOMER):
		bench_fixtures.ensure_customer(customer)
	restrict("api-other-company@example.com", "Customer", OTHER_CUSTOMER)
	for sku in SKUS:
		ensure_item(sku, barcode=BARCODE if sku == SKUS[2] else None)
	# An order at a rate the list lacks would otherwise add that rate to the list (ERPNext's default),
	# and SKUS[2] must stay without a price.
	frappe.db.set_single_value("Stock Settings", "auto_insert_price_list_rate_if_missing", 0)
	frappe.db.delete("Item Price", {"item_code": SKUS[2]})
	set_price(SKUS[0], 10.0)
	set_price(SKUS[1], 20.0)
	set_price(SKUS[0], 8.0, customer=CUSTOMER)
	frappe.db.commit()
	return tokens


def ensure_item(sku: str, barcode: str | None = None):
	"""A stock item; one made just now has no Bin in any warehouse yet."""
	barcodes = [{"barcode": barcode, "barcode_type": "EAN"}] if barcode else []
	bench_fixtures.ensure_item(sku, valuation_rate=5, barcodes=barcodes)


def restrict(user: str, doctype: str, value: str):
	if not frappe.db.exists("User Permission", {"user": user, "allow": doctype, "for_value": value}):
		frappe.get_doc(
			{
				"doctype": "User Permission",
				"user": user,
				"allow": doctype,
				"for_value": value,
				"apply_to_all_doctypes": 1,
			}
		).insert(ignore_permissions=True)


def set_price(item_code: str, rate: float, customer: str | None = None, price_list: str = "Standard Selling"):
	filters = {"item_code": item_code, "price_list": price_list, "customer": customer or ("is", "not set")}
	name = frappe.db.get_value("Item Price", filters)
	if name:
		frappe.db.set_value("Item Price", name, "price_list_rate", rate)
		return name
	return (
		frappe.get_doc(
			{
				"doctype": "Item Price",
				"item_code": item_code,
				"price_list": price_list,
				"customer": customer,
				"price_list_rate": rate,
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def receive_stock(item_code: str, qty: float):
	entry = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Material Receipt",
			"company": COMPANY,
			"items": [{"item_code": item_code, "qty": qty, "t_warehouse": WAREHOUSE, "basic_rate": 5}],
		}
	).insert(ignore_permissions=True)
	entry.submit()
	frappe.db.commit()


def call(method: str, token: str | None, payload: dict | None = None, http: str = "POST"):
	headers = {"Authorization": token} if token else {}
	url = f"{get_url()}/api/method/erp_connectors.api.v1.{method}"
	if http == "GET":
		response = make_request(
			target=CLIENT.get, args=(url,), kwargs={"query_string": payload or {}, "headers": headers}
		)
	else:
		response = make_request(
			target=CLIENT.post,
			args=(url,),
			kwargs={
				"data": json.dumps(payload or {}),
				"headers": {**headers, "Content-Type": "application/json"},
			},
		)
	frappe.db.commit()  # end this connection's snapshot: the request committed on its own
	return response


def delivery_date(days: int = 7) -> str:
	return add_days(nowdate(), days)
