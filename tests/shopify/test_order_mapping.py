"""Shopify order -> Sales Order mapping: totals to the cent on the official sample and built cases."""

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from erp_connectors.connectors.errors import NeedsAttention
from erp_connectors.shopify_connector import mapping
from erp_connectors.shopify_connector.money import split_evenly, unit

DATA = Path(__file__).parent.parent / "data"
SETTINGS = {
	"company": "Test Company",
	"default_warehouse": "Stores - TC",
	"price_list": "Standard Selling",
	"customer_group": "Individual",
	"shipping_as": "Charge",
	"shipping_account": "Freight - TC",
	"shipping_item": "SHIPPING",
	"tax_accounts": {"State Tax": "State Tax - TC", "County Tax": "County Tax - TC", "GST": "GST - TC"},
	"time_zone": "America/New_York",  # the site's; Shopify's samples are in the shop's -05:00
}


def sample():
	return json.loads((DATA / "shopify_webhook_orders_create_2026-04_docs_sample.json").read_text())


def items_for(order):
	return {str(line["id"]): line["sku"] or f"ITEM-{line['id']}" for line in order["line_items"]}


def build(order, settings=SETTINGS):
	return mapping.sales_order(order, settings, "John Smith", items_for(order))


def money(amount, currency="USD", presentment=None):
	shop = {"amount": amount, "currency_code": currency}
	return {"shop_money": shop, "presentment_money": presentment or shop}


def line(line_id, price, qty, taxes=(), discounts=(), sku=None):
	return {
		"id": line_id,
		"variant_id": line_id + 1,
		"sku": sku or f"SKU-{line_id}",
		"title": f"Product {line_id}",
		"price": price,
		"quantity": qty,
		"tax_lines": [{"title": title, "price": amount} for title, amount in taxes],
		"discount_allocations": [{"amount": amount} for amount in discounts],
	}


def order_of(
	lines, shipping=None, total=None, total_tax="0.00", total_discounts="0.00", included=False, currency="USD"
):
	return {
		"id": 450789469000000001,
		"name": "#1001",
		"currency": currency,
		"processed_at": "2026-11-20T10:00:00-05:00",
		"taxes_included": included,
		"line_items": lines,
		"shipping_lines": shipping or [],
		"tax_lines": [],
		"total_tax": total_tax,
		"total_discounts": total_discounts,
		"total_price": total,
	}


def taxed_discounted_order():
	return order_of(
		[line(1, "33.33", 3, taxes=[("State Tax", "6.53")], discounts=["10.00"])],
		shipping=[
			{
				"title": "Ground",
				"price": "10.00",
				"tax_lines": [{"title": "State Tax", "price": "0.73"}],
				"discount_allocations": [],
			}
		],
		total="107.25",
		total_tax="7.26",
		total_discounts="10.00",
	)


def tax_inclusive_order():
	return order_of(
		[line(1, "119.00", 2, taxes=[("GST", "38.00")]), line(2, "11.90", 1, taxes=[("GST", "1.90")])],
		shipping=[
			{
				"title": "Express",
				"price": "5.95",
				"tax_lines": [{"title": "GST", "price": "0.95"}],
				"discount_allocations": [],
			}
		],
		total="255.85",
		total_tax="40.85",
		included=True,
	)


def test_official_sample_lands_on_total_price():
	order = sample()
	doc = build(order)
	assert mapping.erp_grand_total(doc) == Decimal(order["total_price"]) == Decimal("404.95")
	# Shopify's sample has a 20.00 discount allocated to no line: it goes on the Net Total
	assert (doc["apply_discount_on"], doc["discount_amount"]) == ("Net Total", Decimal("20.00"))
	assert doc["taxes"] == [
		{
			"charge_type": "Actual",
			"account_head": "Freight - TC",
			"description": "Shipping: Generic Shipping",
			"tax_amount": Decimal("10.00"),
		}
	]
	assert doc["po_no"] == order["name"] and doc["transaction_date"] == "2021-12-31"
	assert doc["ignore_pricing_rule"] == 1 and doc["disable_rounded_total"] == 1


def test_tax_exclusive_with_line_discount_and_uneven_split():
	order = taxed_discounted_order()
	doc = build(order)
	# 99.99 - 10.00 = 89.99 over 3 units has no exact unit rate, so: 1 x 29.99 + 2 x 30.00
	assert [(i["qty"], i["rate"]) for i in doc["items"]] == [(1, Decimal("29.99")), (2, Decimal("30.00"))]
	assert mapping.erp_grand_total(doc) == Decimal("107.25")
	assert "discount_amount" not in doc


def test_tax_inclusive_prices_are_netted_and_taxes_added_back():
	order = tax_inclusive_order()
	doc = build(order)
	assert [(i["qty"], i["rate"]) for i in doc["items"]] == [(2, Decimal("100.00")), (1, Decimal("10.00"))]
	assert [t["tax_amount"] for t in doc["taxes"]] == [Decimal("5.00"), Decimal("40.85")]
	assert mapping.erp_grand_total(doc) == Decimal("255.85")


def test_shipping_discount_reduces_the_shipping_charge():
	order = order_of(
		[line(1, "50.00", 1)],
		shipping=[
			{
				"title": "Free over 50",
				"price": "7.50",
				"tax_lines": [],
				"discount_allocations": [{"amount": "7.50"}],
			}
		],
		total="50.00",
		total_discounts="7.50",
	)
	doc = build(order)
	assert doc["taxes"] == []
	assert "discount_amount" not in doc  # the discount was allocated to the shipping line
	assert mapping.erp_grand_total(doc) == Decimal("50.00")


def test_shipping_as_item():
	order = order_of(
		[line(1, "20.00", 1)],
		shipping=[{"title": "Post", "price": "4.99", "tax_lines": [], "discount_allocations": []}],
		total="24.99",
	)
	doc = build(order, {**SETTINGS, "shipping_as": "Item"})
	assert doc["items"][-1] == {
		"item_code": "SHIPPING",
		"qty": 1,
		"rate": Decimal("4.99"),
		"warehouse": "Stores - TC",
		"delivery_date": "2026-11-20",
	}


def test_multi_currency_uses_shop_money_not_presentment():
	item = line(1, "10.00", 2)
	item["price_set"] = money("10.00", "USD", {"amount": "9.20", "currency_code": "EUR"})
	order = order_of([item], total="18.40")
	order["total_price_set"] = money("20.00", "USD", {"amount": "18.40", "currency_code": "EUR"})
	order["presentment_currency"] = "EUR"
	doc = build(order)
	assert doc["currency"] == "USD"
	assert mapping.erp_grand_total(doc) == Decimal("20.00")


def test_zero_decimal_currency_splits_in_whole_yen():
	order = order_of([line(1, "1000", 3, discounts=["1"])], total="2999", currency="JPY")
	doc = build(order)
	assert [(i["qty"], i["rate"]) for i in doc["items"]] == [(1, Decimal("999")), (2, Decimal("1000"))]
	assert mapping.erp_grand_total(doc) == Decimal("2999")


def test_ids_stay_exact_and_unicode_survives():
	order = sample()
	order["customer"]["first_name"] = "Zoë"
	order["customer"]["last_name"] = "Ångström"
	order["billing_address"].update({"address1": "東京都千代田区1-1", "city": "東京", "country": "Japan"})
	customer = mapping.customer_doc(order, SETTINGS)
	assert customer["customer_name"] == "Zoë Ångström"
	(billing, *_), *_ = mapping.address_docs(order, customer["customer_name"])
	assert billing == "Billing"
	addresses = dict(mapping.address_docs(order, customer["customer_name"]))
	assert addresses["Billing"]["address_line1"] == "東京都千代田区1-1"
	ids = items_for(order)
	assert "487817672276298554" in ids  # 18 digits, not rounded through a float


def test_unknown_skus_are_all_named_in_one_actionable_message():
	order = sample()
	known = items_for(order)
	del known[str(order["line_items"][0]["id"])]
	del known[str(order["line_items"][3]["id"])]
	with pytest.raises(NeedsAttention) as info:
		mapping.sales_order(order, SETTINGS, "John Smith", known)
	message = info.value.remote_message
	assert "SKU 'SKU2006-001'" in message and "SKU 'SKU2006-020'" in message
	assert "then retry this event" in message


def test_missing_tax_mapping_names_the_title_and_where_to_fix_it():
	order = order_of(
		[line(1, "10.00", 1, taxes=[("Provincial Tax", "0.70")])], total="10.70", total_tax="0.70"
	)
	with pytest.raises(NeedsAttention, match="'Provincial Tax'.*Shopify Store > Tax Title to Account"):
		build(order)


def test_total_that_cannot_be_represented_is_held_not_posted():
	order = order_of([line(1, "10.00", 1)], total="12.00")  # e.g. a tip or duty we don't map
	with pytest.raises(NeedsAttention, match="totals 12.00 USD but maps to 10.00"):
		build(order)


def test_erp_grand_total_matches_hand_computed_erpnext_figures():
	doc = {
		"items": [{"rate": Decimal("30.00"), "qty": 2}, {"rate": Decimal("29.99"), "qty": 1}],
		"taxes": [{"tax_amount": Decimal("7.26")}, {"tax_amount": Decimal("10.00")}],
		"discount_amount": Decimal("5.00"),
	}
	# net 89.99 - 5.00 discount + 17.26 charges
	assert mapping.erp_grand_total(doc) == Decimal("102.25")


@pytest.mark.parametrize(
	("total", "qty", "step"),
	[("10.00", 3, "0.01"), ("0.01", 5, "0.01"), ("1001", 2, "1"), ("7.00", 7, "0.01")],
)
def test_split_evenly_is_exact(total, qty, step):
	rows = split_evenly(Decimal(total), qty, Decimal(step))
	assert sum(q for q, _ in rows) == qty
	assert sum(q * r for q, r in rows) == Decimal(total)
	assert all(r == r.quantize(Decimal(step)) for _, r in rows)


@settings(max_examples=300, deadline=None)
@given(
	lines=st.lists(
		st.tuples(st.integers(1, 500_00), st.integers(1, 9), st.integers(0, 2500), st.integers(0, 100)),
		min_size=1,
		max_size=6,
	),
	shipping_cents=st.integers(0, 50_00),
	included=st.booleans(),
)
def test_property_mapped_total_equals_shopify_total(lines, shipping_cents, included):
	"""Shopify's own arithmetic: price x qty - allocations (+ taxes when exclusive) + shipping."""
	cent = Decimal("0.01")
	built, total = [], Decimal(0)
	total_tax = Decimal(0)
	for index, (price_cents, qty, rate_bp, discount_pct) in enumerate(lines):
		price = Decimal(price_cents) * cent
		gross = price * qty
		discount = (gross * discount_pct / 100).quantize(cent)
		tax = ((gross - discount) * rate_bp / 10000).quantize(cent)
		if included:
			tax = ((gross - discount) * rate_bp / (10000 + rate_bp)).quantize(cent)
		built.append(
			line(index + 1, str(price), qty, taxes=[("State Tax", str(tax))], discounts=[str(discount)])
		)
		total += gross - discount + (0 if included else tax)
		total_tax += tax
	shipping = Decimal(shipping_cents) * cent
	order = order_of(
		built,
		shipping=[{"title": "Ship", "price": str(shipping), "tax_lines": [], "discount_allocations": []}],
		total=str(total + shipping),
		total_tax=str(total_tax),
		total_discounts=str(sum(Decimal(b["discount_allocations"][0]["amount"]) for b in built)),
		included=included,
	)
	doc = build(order)
	assert mapping.erp_grand_total(doc) == total + shipping
	assert all(i["rate"] == i["rate"].quantize(cent) for i in doc["items"])


def test_unit_knows_zero_decimal_currencies():
	assert unit("JPY") == Decimal(1) and unit("usd") == Decimal("0.01") and unit("KRW") == Decimal(1)


def test_mapping_does_not_mutate_the_payload():
	order = sample()
	before = copy.deepcopy(order)
	build(order)
	assert order == before
