"""A held event names its fixes (remedies) and a reason it is counted by; the Shopify order mapping
names one fix per missing Item and per unmapped tax title, all at once."""

import pytest

from erp_connectors.connectors import remedies
from erp_connectors.connectors.errors import NeedsAttention
from erp_connectors.connectors.retry import RetryPolicy, decide
from erp_connectors.shopify_connector import mapping
from erp_connectors.shopify_connector import remedies as shopify_remedies
from tests.shopify.test_order_mapping import SETTINGS, items_for, line, order_of, sample


def held(order, settings=SETTINGS, known=None) -> NeedsAttention:
	with pytest.raises(NeedsAttention) as info:
		mapping.sales_order(order, settings, "John Smith", items_for(order) if known is None else known)
	return info.value


def test_two_missing_skus_give_two_item_remedies_with_what_create_item_prefills():
	order = sample()
	first, fourth = order["line_items"][0], order["line_items"][3]
	known = items_for(order)
	del known[str(first["id"])], known[str(fourth["id"])]
	error = held(order, known=known)
	# Shopify's sample lines carry no variant id: the SKU is what finds (and keys) them.
	assert [(r.kind, r.key) for r in error.remedies] == [
		("shopify_item", "sku:SKU2006-001"),
		("shopify_item", "sku:SKU2006-020"),
	]
	data = error.remedies[0].data
	assert (data["sku"], data["variant_id"], data["item_name"]) == ("SKU2006-001", None, first["name"])
	assert error.remedies[1].title == "No Item for 'Mid-century lounger' (SKU 'SKU2006-020', variant -)"
	with_variant = shopify_remedies.missing_item({**fourth, "variant_id": 457924702, "name": None})
	assert with_variant.key == "variant:457924702" and with_variant.data["variant_id"] == "457924702"
	assert decide(error, 1, RetryPolicy()).state == "held"
	assert remedies.held_reason(error) == "Shopify SKU with no Item"


def test_missing_items_and_unmapped_taxes_are_named_in_one_hold():
	order = order_of(
		[
			line(1, "10.00", 1, taxes=[("Provincial Tax", "0.70")]),
			line(3, "5.00", 1, taxes=[("GST", "0.25")]),
		],
		total="15.95",
		total_tax="0.95",
	)
	error = held(order, known={"3": "SKU-3"})  # line 1 has no Item; Provincial Tax no account
	assert [r.key for r in error.remedies] == ["variant:2", "tax:Provincial Tax"]
	assert (
		"no Item in ERPNext" in error.remote_message
		and "'Provincial Tax' with no account" in error.remote_message
	)
	assert remedies.held_reason(error) == "Shopify SKU with no Item and Shopify tax title with no account"


def test_every_unmapped_tax_title_is_a_remedy_and_a_mapped_one_is_not():
	order = order_of(
		[line(1, "10.00", 1, taxes=[("Provincial Tax", "0.70"), ("City Tax", "0.10"), ("GST", "0.50")])],
		total="11.30",
		total_tax="1.30",
	)
	error = held(order)
	assert [(r.kind, r.data) for r in error.remedies] == [
		("shopify_tax_account", {"tax_title": "Provincial Tax"}),
		("shopify_tax_account", {"tax_title": "City Tax"}),
	]
	assert "taxes 'Provincial Tax', 'City Tax' with no account" in error.remote_message


def test_a_line_without_variant_or_sku_is_named_but_offers_nothing_to_link():
	order = order_of([{**line(1, "10.00", 1), "variant_id": None, "sku": ""}], total="10.00")
	(remedy,) = held(order, known={}).remedies
	assert remedy.key == "line:1" and remedy.data["variant_id"] is None and remedy.data["sku"] == ""


def test_remedies_round_trip_through_the_event_and_keys_stay_unique():
	twice = [shopify_remedies.unmapped_tax("GST"), shopify_remedies.unmapped_tax("GST")]
	text = remedies.dump(twice + [shopify_remedies.missing_item(line(5, "1.00", 1))])
	loaded = remedies.load(text)
	assert [r.key for r in loaded] == ["tax:GST", "variant:6"]
	assert loaded[0] == shopify_remedies.unmapped_tax("GST")
	assert remedies.dump([]) is None and remedies.load(None) == [] and remedies.load("not json") == []


def test_hold_fields_set_on_hold_and_clear_otherwise():
	error = NeedsAttention("x", remedies=[shopify_remedies.unmapped_tax("GST")])
	fields = remedies.hold_fields(error)
	assert remedies.load(fields["remedies"])[0].key == "tax:GST"
	assert fields["held_reason"] == "Shopify tax title with no account"
	assert remedies.hold_fields(None) == {"remedies": None, "held_reason": None}


@pytest.mark.parametrize(
	"message, reason",
	[
		(
			"Shopify order #1001 totals 12.00 USD but maps to 10.00 (difference 2.00). It may carry duties",
			"Shopify order … totals … USD but maps to … (difference …)",
		),
		(
			"Sales Invoice ACC-SINV-2026-00001 has no customer. Set one, then retry.",
			"Sales Invoice … has no customer",
		),
		(
			"Shopify Store acme.myshopify.com is disabled. Enable it, then retry.",
			"Shopify Store … is disabled",
		),
		(
			"Shopify reports a payment by gateway 'paypal' on order #1002; add a row",
			"Shopify reports a payment by gateway … on order …; add a row",
		),
	],
)
def test_a_reason_without_remedies_is_the_message_without_what_varies(message, reason):
	assert remedies.held_reason(NeedsAttention(message)) == reason
	assert remedies.held_reason(NeedsAttention(message, reason="Own words")) == "Own words"
