"""Shopify products -> ERPNext Items: a product with options becomes an Item template with one
variant Item per Shopify variant; a product without options becomes one Item. Pure, apart from
the client it is given.

Items are never duplicated: a variant whose SKU is already an Item code is linked to that Item;
a variant already linked is left alone. Item codes are the SKUs (a template's is the product's
handle), so orders, stock and prices meet on the same code.
"""

from dataclasses import dataclass, field

from erp_connectors.connectors.gateway import AccountRef, ERPGateway
from erp_connectors.shopify_connector.graphql_client import ShopifyGraphQL, legacy_id, nodes

PAGE = 5  # 5 products x 100 variants keeps a page's cost near 500 of the 1,000-point bucket
PRODUCTS = """
query Products($first: Int!, $after: String) {
  products(first: $first, after: $after) {
    nodes {
      id legacyResourceId title handle
      options { name values }
      variants(first: 100) { nodes {
        id legacyResourceId sku title price selectedOptions { name value } inventoryItem { id }
      } }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""
DEFAULT_OPTION = ("Title", ["Default Title"])


@dataclass
class ImportResult:
	created: list = field(default_factory=list)
	linked: list = field(default_factory=list)
	skipped: list = field(default_factory=list)  # (product or variant, why)


def products(client: ShopifyGraphQL):
	return nodes(client, PRODUCTS, "products", {"first": PAGE}, cost=2 + PAGE * 101)


def has_options(product: dict) -> bool:
	options = product.get("options") or []
	return not (len(options) == 1 and (options[0]["name"], options[0]["values"]) == DEFAULT_OPTION) and bool(
		options
	)


def import_products(
	client: ShopifyGraphQL, gateway: ERPGateway, account: AccountRef, settings: dict
) -> ImportResult:
	result = ImportResult()
	for product in products(client):
		import_product(product, gateway, account, settings, result)
	return result


def import_product(
	product: dict, gateway: ERPGateway, account: AccountRef, settings: dict, result: ImportResult
):
	template = None
	if has_options(product):
		template = _template(product, gateway, account, settings, result)
	for variant in product["variants"]["nodes"]:
		variant_id = legacy_id(variant)
		if gateway.find_link(account, "variant", variant_id):
			continue
		sku = (variant.get("sku") or "").strip()
		if not sku:
			result.skipped.append((f"{product['title']} / {variant.get('title')}", "no SKU"))
			continue
		item = gateway.find("Item", {"item_code": sku})
		if item:
			result.linked.append(item)
		else:
			item = gateway.insert(_variant_item(product, variant, sku, template, settings))
			result.created.append(item)
		gateway.add_link(account, "variant", variant_id, "Item", item)
		gateway.add_link(account, "inventory_item", variant["inventoryItem"]["id"], "Item", item)
		gateway.add_link(account, "listed_item", item, "Item", item)  # the store sells this Item


def _template(product, gateway, account, settings, result) -> str:
	bound = gateway.find_link(account, "product", product["legacyResourceId"])
	if bound:
		return bound[1]
	code = product["handle"]
	existing = gateway.get("Item", code) if gateway.find("Item", {"item_code": code}) else None
	if existing and not existing.get("has_variants"):
		code = f"{product['handle']}-template"
	if not gateway.find("Item", {"item_code": code}):
		for option in product["options"]:
			gateway.ensure_item_attribute(option["name"], option["values"])
		gateway.insert(
			{
				"doctype": "Item",
				"item_code": code,
				"item_name": product["title"][:140],
				"item_group": settings.get("item_group") or "Products",
				"stock_uom": "Nos",
				"is_stock_item": 1,
				"has_variants": 1,
				"variant_based_on": "Item Attribute",
				"attributes": [{"attribute": option["name"]} for option in product["options"]],
			}
		)
		result.created.append(code)
	gateway.add_link(account, "product", product["legacyResourceId"], "Item", code)
	return code


def _variant_item(product, variant, sku, template, settings) -> dict:
	doc = {
		"doctype": "Item",
		"item_code": sku,
		"item_name": (product["title"] if not template else f"{product['title']} - {variant.get('title')}")[
			:140
		],
		"item_group": settings.get("item_group") or "Products",
		"stock_uom": "Nos",
		"is_stock_item": 1,
	}
	if template:
		doc["variant_of"] = template
		doc["attributes"] = [
			{"attribute": option["name"], "attribute_value": option["value"]}
			for option in variant.get("selectedOptions") or []
		]
	return doc
