"""create_order: a Sales Order from an external channel, exactly once per idempotency key.

The key is bound to the order by a Connector Link (unique per API user and key), so a
retry, or two racing requests with one key, give one order. Reusing a key for a
different request is refused (409), as Stripe does.
"""

import hashlib

import frappe
from frappe.utils import nowdate

from erp_connectors.api.contract import ApiError, OrderRequest, unacceptable, unknown
from erp_connectors.api.items import resolve
from erp_connectors.connectors.frappe_gateway import FrappeGateway, is_insert_race
from erp_connectors.connectors.gateway import AccountRef

REMOTE_TYPE = "api_order"


def create_order(request: OrderRequest) -> tuple[dict, int]:
	account = AccountRef("User", frappe.session.user)
	digest = hashlib.sha256(request.fingerprint().encode()).hexdigest()
	gateway = FrappeGateway()
	for attempt in (1, 2):
		bound = gateway.find_link(account, REMOTE_TYPE, request.idempotency_key)
		if bound:
			return replay(account, request, bound[1], digest)
		try:
			return _insert(account, request, digest, gateway)
		except Exception as error:
			if attempt == 2 or not is_insert_race(error):
				raise
			# A racing request (this key's, or another order of a new item) inserted a row first:
			# undo ours and look again in a fresh snapshot, which sees what it committed.
			frappe.db.rollback()
			frappe.local.message_log = []


def _insert(account: AccountRef, request: OrderRequest, digest: str, gateway: FrappeGateway):
	doc = frappe.get_doc(sales_order(request))
	doc.insert()
	if request.submit:
		doc.submit()
	winner = gateway.add_link(account, REMOTE_TYPE, request.idempotency_key, "Sales Order", doc.name)
	if winner[1] != doc.name:
		# A request with the same key committed first: undo ours (the order is all this request
		# wrote) and start a fresh snapshot, in which their order is visible, to answer with it.
		frappe.db.rollback()
		return replay(account, request, winner[1], digest)
	frappe.db.set_value("Connector Link", _key_link(account, request), "request_hash", digest)
	return summary(doc.name, request.idempotency_key, replayed=False), 201


def replay(account: AccountRef, request: OrderRequest, order: str, digest: str) -> tuple[dict, int]:
	first = frappe.db.get_value("Connector Link", _key_link(account, request), "request_hash")
	if first and first != digest:
		raise ApiError(
			409,
			"idempotency_key_reused",
			f"idempotency_key {request.idempotency_key!r} was used for a different order ({order}); "
			"use a new key for a new order.",
			{"field": "idempotency_key", "order": order},
		)
	return summary(order, request.idempotency_key, replayed=True), 200


def _key_link(account: AccountRef, request: OrderRequest) -> dict:
	"""The Connector Link binding this API user's idempotency key to its order."""
	return {
		"account_doctype": account.doctype,
		"account": account.name,
		"remote_type": REMOTE_TYPE,
		"remote_id": request.idempotency_key,
	}


def sales_order(request: OrderRequest) -> dict:
	if not frappe.db.exists("Customer", request.customer):
		raise unknown("customer", f"no customer named {request.customer!r}")
	company = (
		request.company
		or frappe.defaults.get_user_default("Company")
		or frappe.db.get_single_value("Global Defaults", "default_company")
	)
	if not company or not frappe.db.exists("Company", company):
		raise unknown("company", f"no company named {company!r}")
	if request.currency and not frappe.db.exists("Currency", request.currency):
		raise unknown("currency", f"unknown currency {request.currency!r}")
	if request.delivery_date < nowdate():
		raise unacceptable("delivery_date", "must be today or later")
	codes = resolve([line.item for line in request.lines])
	items = []
	for index, line in enumerate(request.lines):
		if line.item not in codes:
			raise unknown(f"items[{index}].item_code", f"no item with code or barcode {line.item!r}")
		if line.warehouse and not frappe.db.exists("Warehouse", {"name": line.warehouse, "company": company}):
			raise unknown(f"items[{index}].warehouse", f"no warehouse {line.warehouse!r} in {company}")
		row = {"item_code": codes[line.item], "qty": float(line.qty), "delivery_date": request.delivery_date}
		if line.rate is not None:
			row["rate"] = float(line.rate)
		if line.warehouse:
			row["warehouse"] = line.warehouse
		items.append(row)
	doc = {
		"doctype": "Sales Order",
		"customer": request.customer,
		"company": company,
		"transaction_date": nowdate(),
		"delivery_date": request.delivery_date,
		"order_type": "Sales",
		"items": items,
	}
	if request.currency:
		doc["currency"] = request.currency
	if request.po_no:
		doc["po_no"] = request.po_no
	return doc


def summary(order: str, key: str, *, replayed: bool) -> dict:
	values = frappe.db.get_value(
		"Sales Order",
		order,
		["name", "status", "docstatus", "grand_total", "currency", "customer"],
		as_dict=True,
	)
	return {
		"order": values.name,
		"status": values.status,
		"submitted": values.docstatus == 1,
		"customer": values.customer,
		"grand_total": values.grand_total,
		"currency": values.currency,
		"idempotency_key": key,
		"replayed": replayed,
	}
