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
