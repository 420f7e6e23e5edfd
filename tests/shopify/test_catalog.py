"""Variants are bound to existing Items by SKU, page by page; nothing is created, nothing bound twice."""

import pytest

from erp_connectors.connectors.gateway import AccountRef, InMemoryGateway
from erp_connectors.shopify_connector import stock
from erp_connectors.shopify_connector.catalog import link_variants
from erp_connectors.testing.fake_shopify_admin import FakeShopifyAdmin
from tests.shopify.test_stock_push import LOC, client, item

STORE = AccountRef("Shopify Store", "acme.myshopify.com")


@pytest.fixture
def fake():
	with FakeShopifyAdmin(maximum=2000.0) as service:  # Shopify Advanced's bucket: both runs fit in it
		yield service


def test_variants_link_by_sku_across_pages_and_unknown_skus_are_reported(fake):
	gateway = InMemoryGateway()
	for n in range(520):
		fake.add_variant(f"SKU-{n}" if n % 100 else "", variant_id=900_000 + n)
		if n % 7:
			gateway.insert({"doctype": "Item", "name": f"SKU-{n}", "item_code": f"SKU-{n}"})
	result = link_variants(client(fake), gateway, STORE)
	queried = [r.json()["variables"] for r in fake.requests]
	assert [q["first"] for q in queried] == [250, 250, 250]
	assert queried[0]["after"] is None and queried[1]["after"] and queried[2]["after"]
	expected_linked = [n for n in range(520) if n % 100 and n % 7]
	assert result.linked == len(expected_linked)
	assert "SKU-7" in result.unmatched and "gid://shopify/ProductVariant/900000" in result.unmatched
	assert gateway.find_link(STORE, "variant", "900001") == ("Item", "SKU-1")
	assert gateway.find_link(STORE, "inventory_item", "gid://shopify/InventoryItem/900008") == (
		"Item",
		"SKU-1",
	)
	assert set(gateway.docs["Item"]) == {f"SKU-{n}" for n in range(520) if n % 7}  # no Item created

	again = link_variants(client(fake), gateway, STORE)
	assert (again.linked, again.already) == (0, len(expected_linked))
	assert fake.throttled == 0


def test_a_full_reconcile_resends_unchanged_quantities_with_their_last_value():
	levels = {(item(1), LOC): 5}
	assert stock.plan(levels, {(item(1), LOC): 5}) == []
	assert stock.plan(levels, {(item(1), LOC): 5}, everything=True) == [
		{"inventoryItemId": item(1), "locationId": LOC, "quantity": 5, "changeFromQuantity": 5}
	]


def test_only_prices_that_differ_are_sent_one_call_per_product(fake):
	from erp_connectors.shopify_connector.prices import push_prices

	gateway = InMemoryGateway()
	for n, (price, product) in enumerate([("10.00", 1), ("20.00", 1), ("30.00", 2), ("5.00", 3)]):
		fake.add_variant(f"P-{n}", variant_id=800 + n, product_id=product, price=price)
		gateway.insert({"doctype": "Item", "name": f"P-{n}", "item_code": f"P-{n}"})
	gateway.prices = {
		("P-0", "Standard Selling"): 10.0,
		("P-1", "Standard Selling"): 21.5,
		("P-2", "Standard Selling"): 29.99,
	}
	link_variants(client(fake), gateway, STORE)
	result = push_prices(client(fake), gateway, STORE, "Standard Selling")
	assert result.calls == 2 and result.unpriced == ["P-3"]
	assert sorted(result.changed.values()) == ["21.50", "29.99"]
	assert [variant["price"] for variant in fake.variants] == ["10.00", "21.50", "29.99", "5.00"]
	again = push_prices(client(fake), gateway, STORE, "Standard Selling")
	assert (again.calls, again.changed) == (0, {})  # Shopify already holds the list's prices


def test_a_variant_linked_by_hand_gets_its_inventory_item_bound_by_the_next_link_run(fake):
	"""A held order's Link to existing Item binds only the variant (the order names no inventory
	item); Link Variants by SKU then binds its inventory item, so its stock is pushed too."""
	gateway = InMemoryGateway()
	fake.add_variant("OLD-SKU", variant_id=700_001)
	gateway.insert({"doctype": "Item", "name": "RENAMED", "item_code": "RENAMED"})
	gateway.add_link(STORE, "variant", "700001", "Item", "RENAMED")
	result = link_variants(client(fake), gateway, STORE)
	assert (result.linked, result.already, result.unmatched) == (0, 1, [])
	assert gateway.find_link(STORE, "inventory_item", "gid://shopify/InventoryItem/700008") == (
		"Item",
		"RENAMED",
	)
