"""Item Prices ERPNext → Shopify variant prices. Pure, apart from the client it is given.

The variants' current prices are read as they are listed (productVariants), so only prices
that differ from the store's price list are sent, grouped per product, one
productVariantsBulkUpdate each: Shopify's price is what is compared, never a cached guess.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from erp_connectors.connectors.gateway import AccountRef, ERPGateway
from erp_connectors.shopify_connector.catalog import variants
from erp_connectors.shopify_connector.graphql_client import ShopifyGraphQL, legacy_id, user_errors

BULK_UPDATE = """
mutation SetPrices($productId: ID!, $variants: [ProductVariantsBulkInput!]!) {
  productVariantsBulkUpdate(productId: $productId, variants: $variants) {
    productVariants { id price }
    userErrors { field message }
  }
}
"""


@dataclass
class PriceResult:
	changed: dict = field(default_factory=dict)  # variant gid -> new price (string)
	calls: int = 0
	unpriced: list = field(default_factory=list)  # item codes with no price in the list


def plan(
	client: ShopifyGraphQL, gateway: ERPGateway, account: AccountRef, price_list: str
) -> tuple[dict, list]:
	"""({product gid: [{id, price}]}, unpriced item codes) for linked variants whose price differs."""
	linked = []
	for variant in variants(client):
		bound = gateway.find_link(account, "variant", legacy_id(variant))
		if bound:
			linked.append((variant, bound[1]))
	prices = gateway.item_prices(sorted({item for _, item in linked}), price_list)
	per_product: dict[str, list] = {}
	unpriced = []
	for variant, item in linked:
		if item not in prices:
			unpriced.append(item)
			continue
		wanted = Decimal(str(prices[item])).quantize(Decimal("0.01"))
		if variant.get("price") is not None and Decimal(str(variant["price"])) == wanted:
			continue
		per_product.setdefault(variant["product"]["id"], []).append(
			{"id": variant["id"], "price": str(wanted)}
		)
	return per_product, sorted(set(unpriced))


def push_prices(
	client: ShopifyGraphQL, gateway: ERPGateway, account: AccountRef, price_list: str
) -> PriceResult:
	per_product, unpriced = plan(client, gateway, account, price_list)
	result = PriceResult(unpriced=unpriced)
	for product, updates in per_product.items():
		data = client.execute(BULK_UPDATE, {"productId": product, "variants": updates}, cost=10)
		user_errors(data["productVariantsBulkUpdate"])
		result.calls += 1
		result.changed.update({update["id"]: update["price"] for update in updates})
	return result
