"""ERPNext Items -> Shopify products with productSet. Pure, apart from the client it is given.

A plain Item becomes a product with one variant; an Item template becomes a product whose
options are the template's attributes, with one variant per variant Item. productSet is an
upsert keyed by the product handle (derived from the item code), so a push retried after a
crash updates the product it made instead of making a second one. The variants and inventory
items Shopify returns are linked to the Items, so orders, stock and prices then meet on them.
"""

import re
from dataclasses import dataclass, field

from erp_connectors.connectors.gateway import AccountRef, ERPGateway
from erp_connectors.shopify_connector.graphql_client import ShopifyGraphQL, user_errors

PRODUCT_SET = """
mutation PushProduct($identifier: ProductSetIdentifiers, $input: ProductSetInput!) {
  productSet(synchronous: true, identifier: $identifier, input: $input) {
    product { id legacyResourceId handle variants(first: 100) { nodes { id legacyResourceId sku inventoryItem { id } } } }
    userErrors { field message code }
  }
}
"""
DEFAULT_OPTION = {"name": "Title", "values": [{"name": "Default Title"}]}


@dataclass
class PushResult:
	pushed: list = field(default_factory=list)  # item codes (plain Items and templates)
	skipped: list = field(default_factory=list)  # (item code, why)
	calls: int = 0


def handle_for(item_code: str) -> str:
	return re.sub(r"[^a-z0-9]+", "-", item_code.lower()).strip("-") or "item"


def product_input(item: dict, prices: dict) -> dict:
	"""`item`: {item_code, item_name, description?, variants: [{item_code, attributes: {name: value}}]}."""
	variants = item.get("variants") or []
	if not variants:
		return {
			"title": item["item_name"],
			"handle": handle_for(item["item_code"]),
			"productOptions": [DEFAULT_OPTION],
			"variants": [
				_variant(item["item_code"], [{"optionName": "Title", "name": "Default Title"}], prices)
			],
		}
	names = list(dict.fromkeys(name for variant in variants for name in variant["attributes"]))
	options = [
		{
			"name": name,
			"values": [{"name": value} for value in dict.fromkeys(v["attributes"][name] for v in variants)],
		}
		for name in names
	]
	return {
		"title": item["item_name"],
		"handle": handle_for(item["item_code"]),
		"productOptions": options,
		"variants": [
			_variant(
				variant["item_code"],
				[{"optionName": name, "name": variant["attributes"][name]} for name in names],
				prices,
			)
			for variant in variants
		],
	}


def _variant(item_code: str, option_values: list, prices: dict) -> dict:
	variant = {"optionValues": option_values, "inventoryItem": {"sku": item_code, "tracked": True}}
	if item_code in prices:
		variant["price"] = f"{prices[item_code]:.2f}"
	return variant


def push_items(
	client: ShopifyGraphQL, gateway: ERPGateway, account: AccountRef, items: list[dict], prices: dict
) -> PushResult:
	result = PushResult()
	for item in items:
		codes = [v["item_code"] for v in item.get("variants") or []] or [item["item_code"]]
		missing = [v["item_code"] for v in item.get("variants") or [] if not v.get("attributes")]
		if missing:
			result.skipped.append((item["item_code"], f"variants without attributes: {', '.join(missing)}"))
			continue
		if any(gateway.find_link(account, "listed_item", code) for code in codes):
			continue  # the store already sells it (pushed, imported or linked by SKU): never a second product
		payload = product_input(item, prices)
		data = client.execute(
			PRODUCT_SET, {"identifier": {"handle": payload["handle"]}, "input": payload}, cost=10
		)["productSet"]
		result.calls += 1
		user_errors(data)
		product = data["product"]
		gateway.add_link(account, "product", product["legacyResourceId"], "Item", item["item_code"])
		for variant in product["variants"]["nodes"]:
			if variant.get("sku") in codes:
				gateway.add_link(account, "variant", variant["legacyResourceId"], "Item", variant["sku"])
				gateway.add_link(
					account, "inventory_item", variant["inventoryItem"]["id"], "Item", variant["sku"]
				)
				gateway.add_link(account, "listed_item", variant["sku"], "Item", variant["sku"])
		result.pushed.append(item["item_code"])
	return result
