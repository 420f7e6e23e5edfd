"""Shopify products become Item templates and variants, or plain Items; existing Items are linked, never doubled."""

import pytest

from erp_connectors.connectors.gateway import AccountRef, InMemoryGateway
from erp_connectors.shopify_connector.products import import_products
from erp_connectors.testing.fake_shopify_admin import FakeShopifyAdmin
from tests.shopify.test_stock_push import client

STORE = AccountRef("Shopify Store", "acme.myshopify.com")


@pytest.fixture
def fake():
	with FakeShopifyAdmin(maximum=4000.0) as service:  # a larger plan's bucket: both runs fit
		yield service


def catalogue(fake):
	fake.add_product(
		"Classic Tee",
		"classic-tee",
		[
			("TEE-RED-S", {"Color": "Red", "Size": "S"}, "19.00"),
			("TEE-RED-M", {"Color": "Red", "Size": "M"}, "19.00"),
			("TEE-BLUE-M", {"Color": "Blue", "Size": "M"}, "21.00"),
		],
	)
	fake.add_product("Gift Card Box", "gift-card-box", [("BOX-1", {}, "5.00")])
	fake.add_product("Sticker", "sticker", [("", {}, "1.00")])
	for n in range(6):  # more than one page of products
		fake.add_product(f"Mug {n}", f"mug-{n}", [(f"MUG-{n}", {}, "9.00")])


def test_products_become_templates_variants_and_items_once(fake):
	catalogue(fake)
	gateway = InMemoryGateway()
	gateway.insert({"doctype": "Item", "name": "TEE-RED-M", "item_code": "TEE-RED-M"})  # already here
	result = import_products(client(fake), gateway, STORE, {"item_group": "Products"})
	items = gateway.docs["Item"]
	assert items["classic-tee"]["has_variants"] == 1
	assert [a["attribute"] for a in items["classic-tee"]["attributes"]] == ["Color", "Size"]
	assert items["TEE-BLUE-M"]["variant_of"] == "classic-tee"
	assert items["TEE-BLUE-M"]["attributes"] == [
		{"attribute": "Color", "attribute_value": "Blue"},
		{"attribute": "Size", "attribute_value": "M"},
	]
	assert "variant_of" not in items["TEE-RED-M"]  # the existing Item is linked, not replaced
	assert result.linked == ["TEE-RED-M"]
	assert "variant_of" not in items["BOX-1"] and items["BOX-1"]["item_name"] == "Gift Card Box"
	assert result.skipped == [("Sticker / Default Title", "no SKU")]
	assert gateway.docs["Item Attribute"]["Size"]["values"] == ["S", "M"]
	assert gateway.find_link(
		STORE, "variant", fake.products[0]["variants"]["nodes"][2]["legacyResourceId"]
	) == (
		"Item",
		"TEE-BLUE-M",
	)
	assert sum(1 for r in fake.requests if r.path.endswith("graphql.json")) == 2  # 9 products, 5 a page

	again = import_products(client(fake), gateway, STORE, {})
	assert (again.created, again.linked) == ([], [])
	assert len(gateway.docs["Item"]) == len(items)


def test_items_become_shopify_products_once_and_listed_items_are_left_alone(fake):
	from erp_connectors.shopify_connector.product_push import push_items

	gateway = InMemoryGateway()
	items = [
		{"item_code": "MUG-BLUE", "item_name": "Blue Mug"},
		{
			"item_code": "HOODIE",
			"item_name": "Hoodie",
			"variants": [
				{"item_code": "HOODIE-S-GREY", "attributes": {"Size": "S", "Colour": "Grey"}},
				{"item_code": "HOODIE-M-GREY", "attributes": {"Size": "M", "Colour": "Grey"}},
			],
		},
	]
	prices = {"MUG-BLUE": 12.0, "HOODIE-S-GREY": 45.5}
	result = push_items(client(fake), gateway, STORE, items, prices)
	assert (result.pushed, result.calls) == (["MUG-BLUE", "HOODIE"], 2)
	hoodie = next(p for p in fake.products if p["handle"] == "hoodie")
	assert hoodie["options"] == [
		{"name": "Size", "values": ["S", "M"]},
		{"name": "Colour", "values": ["Grey"]},
	]
	assert [(v["sku"], v["price"]) for v in hoodie["variants"]["nodes"]] == [
		("HOODIE-S-GREY", "45.50"),
		("HOODIE-M-GREY", "0.00"),
	]
	variant = hoodie["variants"]["nodes"][1]
	assert gateway.find_link(STORE, "variant", variant["legacyResourceId"]) == ("Item", "HOODIE-M-GREY")
	assert gateway.find_link(STORE, "inventory_item", variant["inventoryItem"]["id"]) == (
		"Item",
		"HOODIE-M-GREY",
	)

	again = push_items(client(fake), gateway, STORE, items, prices)
	assert (again.pushed, again.calls) == ([], 0)  # linked now: no second product
	assert fake.product_sets == ["mug-blue", "hoodie"]


def test_imported_items_are_not_pushed_back_as_new_products(fake):
	from erp_connectors.shopify_connector.product_push import push_items

	catalogue(fake)
	gateway = InMemoryGateway()
	import_products(client(fake), gateway, STORE, {})
	result = push_items(
		client(fake), gateway, STORE, [{"item_code": "BOX-1", "item_name": "Gift Card Box"}], {}
	)
	assert (result.pushed, result.calls) == ([], 0)


def test_a_product_shopify_refuses_surfaces_its_user_errors(fake):
	from erp_connectors.connectors.errors import PermanentError
	from erp_connectors.shopify_connector.product_push import push_items

	twins = {
		"item_code": "SOCK",
		"item_name": "Sock",
		"variants": [
			{"item_code": "SOCK-A", "attributes": {"Size": "M"}},
			{"item_code": "SOCK-B", "attributes": {"Size": "M"}},  # the same option values twice
		],
	}
	with pytest.raises(PermanentError) as info:
		push_items(client(fake), InMemoryGateway(), STORE, [twins], {})
	assert info.value.remote_message == "input.variants.1: Duplicate variant"
	assert fake.product_sets == []
