"""get_prices: selling prices from a price list, for a customer or customer group, up to 1,000 items."""

import frappe
from frappe.utils import getdate, nowdate

from erp_connectors.api.contract import ApiError, item_list, optional_str, unacceptable
from erp_connectors.api.items import readable_record, resolve


def get_prices(items, price_list=None, customer=None, customer_group=None) -> dict:
	requested = item_list(items)
	price_list = optional_str(price_list, "price_list")
	customer = optional_str(customer, "customer")
	customer_group = optional_str(customer_group, "customer_group")
	if not frappe.has_permission("Item Price", "read"):
		raise ApiError(403, "permission_denied", "Reading prices needs read permission on Item Price.")
	if customer:
		values = readable_record("Customer", customer, ["default_price_list", "customer_group"], "customer")
		customer_group = customer_group or values.customer_group
		price_list = price_list or values.default_price_list
	if customer_group:
		values = readable_record("Customer Group", customer_group, ["default_price_list"], "customer_group")
		price_list = price_list or values.default_price_list
	price_list = price_list or frappe.db.get_single_value("Selling Settings", "selling_price_list")
	list_values = readable_record(
		"Price List", price_list or "", ["enabled", "selling", "currency"], "price_list"
	)
	if not list_values.enabled or not list_values.selling:
		raise unacceptable("price_list", f"{price_list} is not an enabled selling price list")

	codes = resolve(requested)
	rows = frappe.get_list(
		"Item Price",
		filters={"price_list": price_list, "item_code": ("in", sorted(set(codes.values())) or [""])},
		fields=["item_code", "price_list_rate", "currency", "uom", "customer", "valid_from", "valid_upto"],
		order_by="valid_from desc",
		limit_page_length=0,
	)
	best = choose_prices(rows, customer)
	prices, no_price = [], []
	for code in requested:
		if code not in codes:
			continue
		row = best.get(codes[code])
		if row is None:
			no_price.append(code)
			continue
		prices.append(
			{
				"requested": code,
				"item_code": codes[code],
				"price_list_rate": row.price_list_rate,
				"currency": row.currency,
				"uom": row.uom,
				"customer_specific": bool(row.customer),
			}
		)
	return {
		"price_list": price_list,
		"currency": list_values.currency,
		"customer": customer,
		"customer_group": customer_group,
		"prices": prices,
		"no_price": no_price,
		"not_found": [code for code in requested if code not in codes],
	}


def choose_prices(rows, customer) -> dict:
	"""Per item: a valid price for this customer beats a valid general one; newest valid_from first."""
	today = getdate(nowdate())
	best: dict[str, tuple[int, object]] = {}
	for row in rows:
		if row.valid_from and getdate(row.valid_from) > today:
			continue
		if row.valid_upto and getdate(row.valid_upto) < today:
			continue
		if row.customer and row.customer != customer:
			continue
		rank = 0 if row.customer else 1
		if row.item_code not in best or rank < best[row.item_code][0]:
			best[row.item_code] = (rank, row)
	return {code: row for code, (_, row) in best.items()}
