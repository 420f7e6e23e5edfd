"""A Shopify refund -> an ERPNext credit note (Sales Invoice return) against the order's invoice. Pure.

Amounts are Shopify's: each refunded line's subtotal (net of its tax when the order's prices
included tax) is split into rows with exact unit rates, as the order was; its total_tax is spread
over the line's tax titles; refunded shipping becomes a negative shipping charge. Goods Shopify
restocked come back on a Delivery Note return (`stock_returns`), as ERPNext moves stock there. Each row points
at an invoice row of the same item (`sales_invoice_item`) with the highest rate first, so ERPNext's
return checks (quantity and rate not above what was invoiced) hold. A credit note that would not
equal Shopify's refund to the cent is held.
"""

from collections import OrderedDict
from decimal import Decimal

from erp_connectors.connectors.errors import NeedsAttention
from erp_connectors.shopify_connector.mapping import INCLUDED_IN_PRICES, charge, tax_account
from erp_connectors.shopify_connector.money import shop_amount, split_evenly, unit

ZERO = Decimal(0)


def refund_date(refund: dict) -> str:
	return str(refund.get("processed_at") or refund.get("created_at"))[:10]


def money_refunded(refund: dict) -> Decimal:
	"""What Shopify actually paid back: the refund's successful refund transactions."""
	return sum(
		(
			Decimal(str(t.get("amount") or 0))
			for t in refund.get("transactions") or []
			if t.get("kind") == "refund" and t.get("status") == "success"
		),
		ZERO,
	)


def credit_note(
	refund: dict,
	invoice: dict,
	settings: dict,
	item_for_line: dict[str, str],
) -> tuple[dict, Decimal]:
	"""(credit note dict, the refund's total as Shopify computes it)."""
	currency = invoice["currency"]
	step = unit(currency)
	included = any(
		(t.get("description") or "").endswith(INCLUDED_IN_PRICES) for t in invoice.get("taxes") or []
	)
	available = _invoice_rows(invoice)
	tax_by_title: OrderedDict[str, Decimal] = OrderedDict()
	items, missing, total = [], [], ZERO

	for refund_line in refund.get("refund_line_items") or []:
		qty = int(refund_line.get("quantity") or 0)
		if qty <= 0:
			continue
		line = refund_line.get("line_item") or {}
		item_code = item_for_line.get(str(refund_line.get("line_item_id") or line.get("id")))
		if not item_code:
			missing.append(f"'{line.get('title')}' (SKU '{line.get('sku') or ''}')")
			continue
		tax = shop_amount(refund_line, "total_tax")
		_spread_tax(tax_by_title, line.get("tax_lines") or [], tax, step)
		subtotal = shop_amount(refund_line, "subtotal")
		total += subtotal + (ZERO if included else tax)
		for row_qty, rate in sorted(
			split_evenly(subtotal - (tax if included else ZERO), qty, step), key=lambda r: -r[1]
		):
			items += _take(available, item_code, row_qty, rate, refund)
	if missing:
		raise NeedsAttention(
			f"Shopify refund {refund.get('id')} has lines with no Item in ERPNext: {', '.join(missing)}. "
			"Link or create the Items, then retry this event."
		)

	charges = []
	for amount, tax in _shipping_refunds(refund):
		net = amount - (tax if included else ZERO)
		total += amount + (ZERO if included else tax)
		if tax:
			title = _first_tax_title(invoice)
			tax_by_title[title] = tax_by_title.get(title, ZERO) + tax
		if not net:
			continue
		if settings.get("shipping_as") == "Item":
			items += _take(available, settings["shipping_item"], 1, net, refund)
		else:
			charges.append(charge(_shipping_account(settings, refund), "Shipping refund", -net))
	discrepancy = sum(
		(
			shop_amount(a, "amount")
			for a in refund.get("order_adjustments") or []
			if a.get("kind") == "refund_discrepancy"
		),
		ZERO,
	)
	if discrepancy:
		raise NeedsAttention(
			f"Shopify refund {refund.get('id')} carries a refund discrepancy of {discrepancy} {currency} (money "
			"refunded that is not tied to lines or shipping). Nothing was posted: record it with a credit note by "
			"hand, then mark this event resolved."
		)
	taxes = [
		charge(
			_tax_account_for(title, invoice, settings, refund),
			title + (INCLUDED_IN_PRICES if included else ""),
			-amount,
		)
		for title, amount in tax_by_title.items()
		if amount
	]
	if not items and not charges and not taxes:
		return None, total
	doc = {
		"doctype": "Sales Invoice",
		"is_return": 1,
		"return_against": invoice["name"],
		"customer": invoice["customer"],
		"company": invoice["company"],
		"currency": currency,
		"posting_date": refund_date(refund),
		"set_posting_time": 1,
		"selling_price_list": invoice.get("selling_price_list"),
		"ignore_pricing_rule": 1,
		"disable_rounded_total": 1,
		"items": items,
		"taxes": charges + taxes,
		"remarks": f"Shopify refund {refund.get('id')}"
		+ (f": {refund['note']}" if refund.get("note") else ""),
	}
	if invoice.get("debit_to"):
		doc["debit_to"] = invoice["debit_to"]
	return doc, total


def stock_returns(
	refund: dict, deliveries: list[dict], item_for_line: dict[str, str], settings: dict
) -> list[dict]:
	"""Delivery Note returns bringing back what Shopify restocked ('return') of goods already shipped.

	ERPNext moves stock on the Delivery Note, so the goods come back on its return (the credit
	note carries the money). Rows point at the shipped rows (`dn_detail`); a restocked line that was
	never shipped has nothing to bring back."""
	locations = settings.get("location_warehouses") or {}
	left = [(note, row, Decimal(str(row["qty"]))) for note in deliveries for row in note["items"]]
	per_note: dict[str, dict] = {}
	for refund_line in refund.get("refund_line_items") or []:
		qty = int(refund_line.get("quantity") or 0)
		if refund_line.get("restock_type") != "return" or qty <= 0:
			continue
		item_code = item_for_line.get(str(refund_line.get("line_item_id")))
		location = refund_line.get("location_id")
		warehouse = locations.get(str(location)) if location else None
		for index, (note, row, available) in enumerate(left):
			if qty <= 0:
				break
			if row["item_code"] != item_code or available <= 0:
				continue
			count = min(Decimal(qty), available)
			left[index] = (note, row, available - count)
			qty -= int(count)
			doc = per_note.setdefault(note["name"], _return_of(note, refund))
			doc["items"].append(
				{
					"item_code": item_code,
					"qty": -int(count),
					"rate": row.get("rate") or 0,
					"dn_detail": row["name"],
					"warehouse": warehouse or row["warehouse"],
				}
			)
	return list(per_note.values())


def _return_of(note: dict, refund: dict) -> dict:
	"""A return is dated the refund's day, but never before the delivery it returns (ERPNext
	refuses stock moved back before it left); on the delivery's own day it takes the current time."""
	doc = {
		"doctype": "Delivery Note",
		"is_return": 1,
		"return_against": note["name"],
		"customer": note["customer"],
		"company": note["company"],
		"currency": note["currency"],
		"items": [],
	}
	date = refund_date(refund)
	if not note.get("posting_date") or date > str(note["posting_date"]):
		doc.update({"posting_date": date, "set_posting_time": 1})
	return doc


def credit_note_total(doc: dict) -> Decimal:
	"""ERPNext's grand total for the fields `credit_note` emits (negative for a return)."""
	net = sum((Decimal(str(i["rate"])) * Decimal(str(i["qty"])) for i in doc["items"]), ZERO)
	return net + sum((Decimal(str(t["tax_amount"])) for t in doc["taxes"]), ZERO)


def _invoice_rows(invoice: dict) -> dict[str, list[dict]]:
	"""Per item: the invoice's rows, highest rate first, each with the quantity still returnable."""
	rows: dict[str, list[dict]] = {}
	for row in invoice.get("items") or []:
		rows.setdefault(row["item_code"], []).append(
			{
				"name": row.get("name"),
				"rate": Decimal(str(row["rate"])),
				"left": Decimal(str(row["qty"])),
				"warehouse": row.get("warehouse"),
			}
		)
	for item_rows in rows.values():
		item_rows.sort(key=lambda r: -r["rate"])
	return rows


def _take(available, item_code, qty, rate, refund) -> list[dict]:
	taken = []
	for row in available.get(item_code, []):
		if qty <= 0:
			break
		if row["left"] <= 0:
			continue
		count = min(Decimal(qty), row["left"])
		row["left"] -= count
		qty -= int(count)
		taken.append(
			{
				"item_code": item_code,
				"qty": -int(count),
				"rate": rate,
				"sales_invoice_item": row["name"],
				"warehouse": row["warehouse"],
			}
		)
	if qty > 0:
		raise NeedsAttention(
			f"Shopify refund {refund.get('id')} returns more of {item_code} than its invoice holds. Nothing was "
			"posted; check earlier credit notes for this order, then retry."
		)
	return taken


def _spread_tax(tax_by_title: dict, tax_lines: list[dict], total: Decimal, step: Decimal):
	"""Share `total` (a refund line's tax) over the line's tax titles in proportion, to the cent."""
	if not total:
		return
	weights = [(line.get("title") or "Tax", shop_amount(line, "price")) for line in tax_lines]
	weight_sum = sum((w for _, w in weights), ZERO)
	if not weights or not weight_sum:
		tax_by_title["Tax"] = tax_by_title.get("Tax", ZERO) + total
		return
	shares = [
		(title, (total * w / weight_sum / step).to_integral_value(rounding="ROUND_FLOOR") * step)
		for title, w in weights
	]
	remainder = total - sum((share for _, share in shares), ZERO)
	for index, (title, share) in enumerate(shares):
		if remainder >= step:
			share += step
			remainder -= step
		tax_by_title[title] = tax_by_title.get(title, ZERO) + share
		shares[index] = (title, share)


def _shipping_refunds(refund: dict) -> list[tuple[Decimal, Decimal]]:
	"""(amount, tax) of refunded shipping: refund_shipping_lines (current) or shipping_refund adjustments."""
	lines = refund.get("refund_shipping_lines") or []
	if lines:
		return [(shop_amount(line, "subtotal_amount"), shop_amount(line, "tax_amount")) for line in lines]
	return [
		(-shop_amount(a, "amount"), -shop_amount(a, "tax_amount"))
		for a in refund.get("order_adjustments") or []
		if a.get("kind") == "shipping_refund"
	]


def _shipping_account(settings: dict, refund: dict) -> str:
	account = settings.get("shipping_account")
	if not account:
		raise NeedsAttention(
			f"Shopify refund {refund.get('id')} refunds shipping, but the store has no Shipping Income Account. "
			"Set it on the Shopify Store, then retry."
		)
	return account


def _first_tax_title(invoice: dict) -> str:
	"""Refunded shipping tax has no title of its own: it goes to the invoice's first tax title."""
	accounts = {row.get("account_head") for row in invoice.get("taxes") or []}
	for row in invoice.get("taxes") or []:
		description = row.get("description") or ""
		if row.get("account_head") in accounts and not description.startswith("Shipping"):
			return description.removesuffix(INCLUDED_IN_PRICES)
	return "Tax"


def _tax_account_for(title: str, invoice: dict, settings: dict, refund: dict) -> str:
	for row in invoice.get("taxes") or []:
		if (row.get("description") or "").removesuffix(INCLUDED_IN_PRICES) == title:
			return row["account_head"]
	return tax_account(title, settings, {"name": f"refund {refund.get('id')}"})
