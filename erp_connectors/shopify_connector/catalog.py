"""Shopify product variants linked to the Items that already exist here, by SKU. Pure.

An Item is never created for a variant: a variant whose SKU is no Item code stays unlinked and
is reported, so the user can create or rename the Item. Both the variant (orders name it) and
its inventory item (stock is pushed to it) are bound to the Item.
"""

from dataclasses import dataclass, field

from erp_connectors.connectors.gateway import AccountRef, ERPGateway
from erp_connectors.shopify_connector.graphql_client import ShopifyGraphQL, legacy_id, nodes

PAGE = 250
VARIANTS = """
query Variants($first: Int!, $after: String) {
  productVariants(first: $first, after: $after) {
    nodes { id legacyResourceId sku price inventoryItem { id } product { id } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


@dataclass
class LinkResult:
	linked: int = 0
	already: int = 0
	unmatched: list = field(default_factory=list)  # SKUs (or variant ids without one) with no Item


def variants(client: ShopifyGraphQL, page: int = PAGE):
	return nodes(client, VARIANTS, "productVariants", {"first": page}, cost=2 + page)


def link_variants(client: ShopifyGraphQL, gateway: ERPGateway, account: AccountRef) -> LinkResult:
	result = LinkResult()
	for variant in variants(client):
		variant_id = legacy_id(variant)
		linked = gateway.find_link(account, "variant", variant_id)
		if linked:
			# A variant linked from a held order's form knew no inventory item: it is bound here.
			inventory_item = variant["inventoryItem"]["id"]
			if not gateway.find_link(account, "inventory_item", inventory_item):
				gateway.add_link(account, "inventory_item", inventory_item, "Item", linked[1])
			result.already += 1
			continue
		sku = (variant.get("sku") or "").strip()
		item = gateway.find("Item", {"item_code": sku}) if sku else None
		if not item:
			result.unmatched.append(sku or variant["id"])
			continue
		gateway.add_link(account, "variant", variant_id, "Item", item)
		gateway.add_link(account, "inventory_item", variant["inventoryItem"]["id"], "Item", item)
		gateway.add_link(account, "listed_item", item, "Item", item)  # the store sells this Item
		result.linked += 1
	return result
