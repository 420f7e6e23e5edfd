"""get_order_status: a Sales Order with its invoices, payments, deliveries, shipments and tracking."""

import frappe

from erp_connectors.api.contract import ApiError, required_str


def get_order_status(order) -> dict:
	order = required_str(order, "order")
	if not frappe.db.exists("Sales Order", order):
		raise ApiError(404, "not_found", f"No Sales Order {order}.", {"field": "order"})
	if not frappe.has_permission("Sales Order", "read", order):
		raise ApiError(403, "permission_denied", f"Not permitted to read Sales Order {order}.")
	so = frappe.db.get_value(
		"Sales Order",
		order,
		[
			"name",
			"status",
			"docstatus",
			"customer",
			"po_no",
			"transaction_date",
			"delivery_date",
			"grand_total",
			"currency",
			"per_delivered",
			"per_billed",
		],
		as_dict=True,
	)
	invoices = _parents(
		"Sales Invoice Item",
		"sales_order",
		[order],
		"Sales Invoice",
		["name", "status", "posting_date", "due_date", "grand_total", "outstanding_amount"],
	)
	payments = _parents(
		"Payment Entry Reference",
		"reference_name",
		[order] + [i["name"] for i in invoices],
		"Payment Entry",
		[
			"name",
			"posting_date",
			"paid_amount",
			"paid_to_account_currency",
			"mode_of_payment",
			"reference_no",
		],
	)
	deliveries = _parents(
		"Delivery Note Item",
		"against_sales_order",
		[order],
		"Delivery Note",
		["name", "status", "posting_date"],
	)
	shipments = _parents(
		"Shipment Delivery Note",
		"delivery_note",
		[d["name"] for d in deliveries],
		"Shipment",
		[
			"name",
			"status",
			"carrier",
			"carrier_service",
			"awb_number",
			"tracking_status",
			"tracking_url",
			"shipment_amount",
		],
	)
	return {
		"order": so.name,
		"status": so.status,
		"submitted": so.docstatus == 1,
		"cancelled": so.docstatus == 2,
		"customer": so.customer,
		"po_no": so.po_no,
		"transaction_date": so.transaction_date,
		"delivery_date": so.delivery_date,
		"grand_total": so.grand_total,
		"currency": so.currency,
		"per_delivered": so.per_delivered,
		"per_billed": so.per_billed,
		"invoices": invoices,
		"payments": payments,
		"deliveries": deliveries,
		"shipments": shipments,
	}


def _parents(child: str, link_field: str, values: list[str], parent: str, fields: list[str]) -> list[dict]:
	"""Submitted `parent` documents having a `child` row whose `link_field` is one of `values`."""
	if not values:
		return []
	names = frappe.get_all(
		child, filters={link_field: ("in", values), "parenttype": parent}, pluck="parent", distinct=True
	)
	if not names:
		return []
	rows = frappe.get_all(
		parent, filters={"name": ("in", names), "docstatus": 1}, fields=fields, order_by="creation asc"
	)
	return [dict(row) for row in rows]
