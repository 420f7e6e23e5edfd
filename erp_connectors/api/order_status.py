"""get_order_status: a Sales Order with its invoices, payments, deliveries, shipments and tracking."""

import frappe

from erp_connectors.api.contract import ApiError, required_str


def get_order_status(order) -> dict:
	order = required_str(order, "order")
	# One read through the user's permissions: an order that does not exist and one this user
	# may not read answer the same, so the API tells nobody which orders exist.
	found = _readable(
		"Sales Order",
		{"name": order},
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
	)
	if not found:
		raise ApiError(404, "not_found", f"No Sales Order {order} that you may read.", {"field": "order"})
	so = found[0]
	restricted: list[str] = []
	invoices = _parents(
		"Sales Invoice Item",
		{"sales_order": order},
		"Sales Invoice",
		["name", "status", "posting_date", "due_date", "grand_total", "outstanding_amount"],
		restricted,
	)
	paid = [("Sales Order", order)] + [("Sales Invoice", i["name"]) for i in invoices]
	payments = _payments(paid, restricted)
	deliveries = _parents(
		"Delivery Note Item",
		{"against_sales_order": order},
		"Delivery Note",
		["name", "status", "posting_date"],
		restricted,
	)
	shipments = _parents(
		"Shipment Delivery Note",
		{"delivery_note": ("in", [d["name"] for d in deliveries])} if deliveries else None,
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
		restricted,
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
		"restricted": restricted,
	}


def _payments(references: list[tuple[str, str]], restricted: list[str]) -> list[dict]:
	rows = _parents(
		"Payment Entry Reference",
		{
			"reference_doctype": ("in", sorted({doctype for doctype, _ in references})),
			"reference_name": ("in", [name for _, name in references]),
		},
		"Payment Entry",
		[
			"name",
			"posting_date",
			"paid_amount",
			"paid_to_account_currency",
			"mode_of_payment",
			"reference_no",
		],
		restricted,
	)
	wanted = set(references)
	names = {
		row.parent
		for row in frappe.get_all(
			"Payment Entry Reference",
			filters={"parent": ("in", [r["name"] for r in rows] or [""])},
			fields=["parent", "reference_doctype", "reference_name"],
		)
		if (row.reference_doctype, row.reference_name) in wanted
	}
	return [row for row in rows if row["name"] in names]


def _parents(
	child: str, child_filters: dict | None, parent: str, fields: list[str], restricted: list[str]
) -> list[dict]:
	"""Submitted `parent` documents with a `child` row matching `child_filters`, as far as this user
	may read them. A doctype the user may not read at all is named in `restricted`, not hidden."""
	if child_filters is None:
		return []
	if not frappe.has_permission(parent, "read"):
		restricted.append(parent)
		return []
	names = frappe.get_all(
		child, filters={**child_filters, "parenttype": parent}, pluck="parent", distinct=True
	)
	if not names:
		return []
	return _readable(parent, {"name": ("in", names), "docstatus": 1}, fields)


def _readable(doctype: str, filters: dict, fields: list[str]) -> list[dict]:
	"""Rows through the user's role and user permissions (frappe.get_list), oldest first."""
	rows = frappe.get_list(
		doctype, filters=filters, fields=fields, order_by="creation asc", limit_page_length=0
	)
	return [frappe._dict(row) for row in rows]
