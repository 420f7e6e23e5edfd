"""Shopify order (REST-shaped webhook payload) -> ERPNext documents. Pure.

Totals are built so that ERPNext, computing the Sales Order its own way, lands
on Shopify's total_price to the cent:
- each line's net amount (price x qty, less its discount allocations, less its
  taxes when prices include tax) is split into rows with exact unit rates;
- each tax title becomes one "Actual" charge row with Shopify's own amount;
- shipping is an "Actual" charge row or an item row, net of its discounts;
- discounts Shopify did not allocate to lines go on the Net Total.
`erp_grand_total` repeats ERPNext's arithmetic for exactly these fields, and a
payload that would not land on the cent is held instead of posted.
"""

from collections import OrderedDict
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from erp_connectors.connectors.errors import NeedsAttention
from erp_connectors.shopify_connector import remedies
from erp_connectors.shopify_connector.money import allocated_discount, shop_amount, split_evenly, unit

# Marks a tax row of an order whose Shopify prices include tax (the item rates here are net of it):
# the accountant sees it, and a later refund knows its subtotals include the tax.
INCLUDED_IN_PRICES = " (included in Shopify prices)"


def order_date(order: dict, settings: dict) -> str:
	"""The order's day in the site's time zone. Webhooks carry the shop's own offset and the Admin
	GraphQL API (the poll, the backfill) UTC: the same order must land on the same day either way."""
	stamp = str(order.get("processed_at") or order.get("created_at"))
	moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
	if moment.tzinfo is None:
		return moment.date().isoformat()
	return moment.astimezone(ZoneInfo(settings.get("time_zone") or "UTC")).date().isoformat()


def customer_doc(order: dict, settings: dict) -> dict:
	customer = order.get("customer") or {}
	address = order.get("billing_address") or order.get("shipping_address") or {}
	full_name = " ".join(
		part for part in (customer.get("first_name"), customer.get("last_name")) if part
	) or address.get("name")
	email = customer.get("email") or order.get("email") or order.get("contact_email")
	return {
		"doctype": "Customer",
		"customer_name": (full_name or email or f"Shopify {order.get('name')}").strip(),
		"customer_type": "Company" if address.get("company") and not full_name else "Individual",
		"customer_group": settings["customer_group"],
		"email_id": email,
		"mobile_no": customer.get("phone") or order.get("phone"),
	}


def address_docs(order: dict, customer_name: str) -> list[tuple[str, dict]]:
	"""(kind, Address dict) for the billing and shipping addresses, deduplicated."""
	out = []
	seen = set()
	for kind, field in (("Billing", "billing_address"), ("Shipping", "shipping_address")):
		address = order.get(field)
		if not address or not address.get("address1"):
			continue
		key = tuple(address.get(k) for k in ("address1", "address2", "city", "zip", "country_code"))
		if key in seen:
			out[-1][1]["is_shipping_address"] = 1
			continue
		seen.add(key)
		out.append(
			(
				kind,
				{
					"doctype": "Address",
					"address_title": customer_name,
					"address_type": kind,
					"address_line1": address.get("address1"),
					"address_line2": address.get("address2"),
					"city": address.get("city") or "-",
					"state": address.get("province"),
					"pincode": address.get("zip"),
					"country": address.get("country"),
					"phone": address.get("phone"),
					"is_primary_address": int(kind == "Billing"),
					"is_shipping_address": int(kind == "Shipping"),
					"links": [{"link_doctype": "Customer", "link_name": customer_name}],
				},
			)
		)
	return out


def sales_order(order: dict, settings: dict, customer: str, item_for_line: dict[str, str]) -> dict:
	currency = order.get("currency")
	step = unit(currency)
	included = bool(order.get("taxes_included"))
	date = order_date(order, settings)
	warehouse = settings["default_warehouse"]
	tax_by_title: OrderedDict[str, Decimal] = OrderedDict()
	items, missing, missing_lines = [], [], []
	tip, tip_line_ids = tips(order)

	for line in order.get("line_items") or []:
		qty = int(line.get("quantity") or 0)
		if qty <= 0 or str(line["id"]) in tip_line_ids:
			continue
		item_code = item_for_line.get(str(line["id"]))
		if line.get("gift_card"):
			item_code = settings.get("gift_card_item")
			if not item_code:
				raise NeedsAttention(
					f"Shopify order {order.get('name')} sells a gift card ('{line.get('title')}'), but the Shopify "
					"Store has no Gift Card Item. Set it (a non-stock item) and the Gift Card Liability Account "
					"under Payments and Payouts, then retry this event."
				)
		if not item_code:
			missing.append(
				f"'{line.get('title')}' (SKU '{line.get('sku') or ''}', variant {line.get('variant_id')})"
			)
			missing_lines.append(line)
			continue
		line_tax = add_taxes(tax_by_title, line.get("tax_lines"))
		net = shop_amount(line, "price") * qty - allocated_discount(line) - (line_tax if included else 0)
		for row_qty, rate in split_evenly(net, qty, step):
			items.append(
				{
					"item_code": item_code,
					"qty": row_qty,
					"rate": rate,
					"warehouse": warehouse,
					"delivery_date": date,
				}
			)
	if missing:
		# Every fix the order needs at once: the tax titles too, so one round of fixes is enough.
		unmapped = unmapped_tax_titles(order, settings, tip_line_ids)
		message = (
			f"Shopify order {order.get('name')} has lines with no Item in ERPNext: {', '.join(missing)}. "
			"Create the Items (item code = SKU) or link them to the Shopify variants, then retry this event."
		)
		raise NeedsAttention(
			message + (f" {unmapped_taxes_message(order, unmapped)}" if unmapped else ""),
			remedies=[remedies.missing_item(line) for line in missing_lines]
			+ [remedies.unmapped_tax(title) for title in unmapped],
		)

	charges = []
	for shipping in order.get("shipping_lines") or []:
		shipping_tax = add_taxes(tax_by_title, shipping.get("tax_lines"))
		net = (
			shop_amount(shipping, "price") - allocated_discount(shipping) - (shipping_tax if included else 0)
		)
		if net == 0:
			continue
		if settings.get("shipping_as") == "Item":
			items.append(
				{
					"item_code": settings["shipping_item"],
					"qty": 1,
					"rate": net,
					"warehouse": warehouse,
					"delivery_date": date,
				}
			)
		else:
			charges.append(
				charge(settings["shipping_account"], f"Shipping: {shipping.get('title') or ''}".strip(), net)
			)

	if sum(tax_by_title.values(), Decimal(0)) != shop_amount(order, "total_tax"):
		# Some payloads carry taxes only at order level.
		tax_by_title = OrderedDict()
		add_taxes(tax_by_title, order.get("tax_lines"))
	unmapped = [
		title for title, amount in tax_by_title.items() if amount and not _account_for(title, settings)
	]
	if unmapped:
		raise NeedsAttention(
			unmapped_taxes_message(order, unmapped),
			remedies=[remedies.unmapped_tax(title) for title in unmapped],
		)
	taxes = [
		charge(tax_account(title, settings, order), title + (INCLUDED_IN_PRICES if included else ""), amount)
		for title, amount in tax_by_title.items()
		if amount
	]
	if tip:
		if not settings.get("tip_account"):
			raise NeedsAttention(
				f"Shopify order {order.get('name')} carries a tip of {tip} {currency}, but the Shopify Store has no "
				"Tips Account. Set it under Payments and Payouts, then retry this event."
			)
		charges.append(charge(settings["tip_account"], "Tip", tip))

	allocated = sum(
		(
			allocated_discount(x)
			for x in (order.get("line_items") or []) + (order.get("shipping_lines") or [])
		),
		Decimal(0),
	)
	unallocated = shop_amount(order, "total_discounts") - allocated
	doc = {
		"doctype": "Sales Order",
		"customer": customer,
		"company": settings["company"],
		"transaction_date": date,
		"delivery_date": date,
		"currency": currency,
		"selling_price_list": settings["price_list"],
		"ignore_pricing_rule": 1,
		"set_warehouse": warehouse,
		"po_no": order.get("name"),
		"disable_rounded_total": 1,
		"items": items,
		"taxes": charges + taxes,
	}
	if settings.get("naming_series"):
		doc["naming_series"] = settings["naming_series"]
	if unallocated > 0:
		doc.update({"apply_discount_on": "Net Total", "discount_amount": unallocated})
	expected = shop_amount(order, "total_price")
	mapped = erp_grand_total(doc)
	if mapped != expected:
		raise NeedsAttention(
			f"Shopify order {order.get('name')} totals {expected} {currency} but maps to {mapped} "
			f"(difference {expected - mapped}). It may carry duties, tips or fees this store does not map yet; "
			"check the order in Shopify before retrying."
		)
	return doc


def tips(order: dict) -> tuple[Decimal, set[str]]:
	"""(total tip, ids of the lines that carry it). Shopify counts a tip in total_price and shows it
	as a line with no product or variant; it is money for staff (or the shop), not a sale of goods."""
	tip = shop_amount(order, "total_tip_received")
	if not tip:
		return tip, set()
	lines = [
		line
		for line in order.get("line_items") or []
		if not line.get("product_id") and not line.get("variant_id") and not line.get("gift_card")
	]
	carried = sum((shop_amount(line, "price") * int(line.get("quantity") or 0) for line in lines), Decimal(0))
	return tip, ({str(line["id"]) for line in lines} if carried == tip else set())


def erp_grand_total(doc: dict) -> Decimal:
	"""ERPNext's grand total for the fields `sales_order` emits (no rounding adjustment); also
	for the invoice ERPNext maps from such an order, which carries the same fields."""
	net = sum((Decimal(str(i["rate"])) * Decimal(str(i["qty"])) for i in doc["items"]), Decimal(0))
	net -= Decimal(str(doc.get("discount_amount") or 0))
	return net + sum((Decimal(str(t["tax_amount"])) for t in doc.get("taxes") or []), Decimal(0))


def add_taxes(tax_by_title: dict, tax_lines) -> Decimal:
	total = Decimal(0)
	for tax in tax_lines or []:
		amount = shop_amount(tax, "price")
		tax_by_title[tax.get("title") or "Tax"] = (
			tax_by_title.get(tax.get("title") or "Tax", Decimal(0)) + amount
		)
		total += amount
	return total


def tax_account(title: str, settings: dict, order: dict) -> str:
	account = _account_for(title, settings)
	if not account:
		raise NeedsAttention(unmapped_taxes_message(order, [title]), remedies=[remedies.unmapped_tax(title)])
	return account


def _account_for(title: str, settings: dict) -> str | None:
	return (settings.get("tax_accounts") or {}).get(title)


def unmapped_tax_titles(order: dict, settings: dict, skipped_line_ids=()) -> list[str]:
	"""Tax titles with an amount anywhere in the order (lines, shipping, order level) and no account."""
	found: OrderedDict[str, Decimal] = OrderedDict()
	for line in order.get("line_items") or []:
		if str(line.get("id")) not in skipped_line_ids:
			add_taxes(found, line.get("tax_lines"))
	for shipping in order.get("shipping_lines") or []:
		add_taxes(found, shipping.get("tax_lines"))
	add_taxes(found, order.get("tax_lines"))
	return [title for title, amount in found.items() if amount and not _account_for(title, settings)]


def unmapped_taxes_message(order: dict, titles: list[str]) -> str:
	if len(titles) == 1:
		return (
			f"Shopify order {order.get('name')} has tax '{titles[0]}' with no account. "
			f"Add '{titles[0]}' under Shopify Store > Tax Title to Account, then retry this event."
		)
	quoted = ", ".join(f"'{title}'" for title in titles)
	return (
		f"Shopify order {order.get('name')} has taxes {quoted} with no account. "
		"Add them under Shopify Store > Tax Title to Account, then retry this event."
	)


def charge(account: str, description: str, amount: Decimal) -> dict:
	return {
		"charge_type": "Actual",
		"account_head": account,
		"description": description,
		"tax_amount": amount,
	}
