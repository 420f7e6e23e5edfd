"""Reconciliation: poll orders updated since the cursor, so a webhook that never arrived is caught.

Polled orders are converted to the REST shape webhooks carry, then stored as
Connector Events and processed by the same handlers, so links make a webhook and
a poll of the same order one import. Pure, apart from the client it is given.
"""

from erp_connectors.shopify_connector.graphql_client import ShopifyGraphQL, legacy_id, nodes

MONEY = "shopMoney { amount currencyCode }"
ADDRESS = "address1 address2 city province zip country countryCodeV2 phone name company"
# The fields of an order, its lines and its shipping lines that `rest_order` reads; shared by the
# paged poll and the bulk backfill.
ORDER_FIELDS = f"""
  id legacyResourceId name currencyCode processedAt createdAt updatedAt taxesIncluded test
  cancelledAt cancelReason email
  totalPriceSet {{ {MONEY} }} totalTaxSet {{ {MONEY} }} totalDiscountsSet {{ {MONEY} }}
  taxLines {{ title rate priceSet {{ {MONEY} }} }}
  customer {{
    legacyResourceId firstName lastName
    defaultEmailAddress {{ emailAddress }} defaultPhoneNumber {{ phoneNumber }}
  }}
  billingAddress {{ {ADDRESS} }} shippingAddress {{ {ADDRESS} }}
"""
LINE_FIELDS = f"""
  id sku title quantity variant {{ legacyResourceId }} originalUnitPriceSet {{ {MONEY} }}
  taxLines {{ title rate priceSet {{ {MONEY} }} }}
  discountAllocations {{ allocatedAmountSet {{ {MONEY} }} }}
"""
SHIPPING_FIELDS = f"""
  id title originalPriceSet {{ {MONEY} }}
  taxLines {{ title rate priceSet {{ {MONEY} }} }}
  discountAllocations {{ allocatedAmountSet {{ {MONEY} }} }}
"""
ORDERS_SINCE = f"""
query OrdersSince($query: String!, $after: String) {{
  orders(first: 50, after: $after, query: $query, sortKey: UPDATED_AT) {{
    pageInfo {{ hasNextPage endCursor }}
    nodes {{
      {ORDER_FIELDS}
      lineItems(first: 250) {{ nodes {{ {LINE_FIELDS} }} }}
      shippingLines(first: 20) {{ nodes {{ {SHIPPING_FIELDS} }} }}
    }}
  }}
}}
"""


def orders_updated_since(client: ShopifyGraphQL, since: str | None):
	"""Yield (REST-shaped order, updatedAt), oldest change first, across every page."""
	query = f"updated_at:>'{since}'" if since else "updated_at:>'1970-01-01T00:00:00Z'"
	for node in nodes(client, ORDERS_SINCE, "orders", {"query": query}, cost=60):
		yield rest_order(node), node["updatedAt"]


def rest_order(node: dict) -> dict:
	"""A GraphQL Order as the REST-shaped payload the webhook handlers and mapping take."""
	customer = node.get("customer") or {}
	return {
		"id": int(node["legacyResourceId"]),
		"admin_graphql_api_id": node["id"],
		"name": node["name"],
		"currency": node["currencyCode"],
		"processed_at": node.get("processedAt"),
		"created_at": node.get("createdAt"),
		"updated_at": node.get("updatedAt"),
		"taxes_included": node.get("taxesIncluded"),
		"test": node.get("test"),
		"cancelled_at": node.get("cancelledAt"),
		"cancel_reason": (node.get("cancelReason") or "").lower() or None,
		"email": node.get("email"),
		"total_price_set": _money_set(node.get("totalPriceSet")),
		"total_tax_set": _money_set(node.get("totalTaxSet")),
		"total_discounts_set": _money_set(node.get("totalDiscountsSet")),
		"tax_lines": _tax_lines(node.get("taxLines")),
		"customer": {
			"id": int(customer["legacyResourceId"]),
			"email": (customer.get("defaultEmailAddress") or {}).get("emailAddress"),
			"first_name": customer.get("firstName"),
			"last_name": customer.get("lastName"),
			"phone": (customer.get("defaultPhoneNumber") or {}).get("phoneNumber"),
		}
		if customer
		else None,
		"billing_address": _address(node.get("billingAddress")),
		"shipping_address": _address(node.get("shippingAddress")),
		"line_items": [_line(line) for line in node["lineItems"]["nodes"]],
		"shipping_lines": [
			{
				"title": line.get("title"),
				"price_set": _money_set(line.get("originalPriceSet")),
				"tax_lines": _tax_lines(line.get("taxLines")),
				"discount_allocations": _allocations(line.get("discountAllocations")),
			}
			for line in node["shippingLines"]["nodes"]
		],
	}


def _line(line: dict) -> dict:
	variant = line.get("variant") or {}
	return {
		"id": int(legacy_id(line)),
		"variant_id": int(variant["legacyResourceId"]) if variant.get("legacyResourceId") else None,
		"sku": line.get("sku"),
		"title": line.get("title"),
		"quantity": line.get("quantity"),
		"price_set": _money_set(line.get("originalUnitPriceSet")),
		"tax_lines": _tax_lines(line.get("taxLines")),
		"discount_allocations": _allocations(line.get("discountAllocations")),
	}


def _money_set(value: dict | None) -> dict | None:
	if not value:
		return None
	money = value["shopMoney"]
	return {"shop_money": {"amount": money["amount"], "currency_code": money.get("currencyCode")}}


def _tax_lines(lines) -> list[dict]:
	return [
		{"title": t.get("title"), "rate": t.get("rate"), "price_set": _money_set(t.get("priceSet"))}
		for t in lines or []
	]


def _allocations(allocations) -> list[dict]:
	return [{"amount_set": _money_set(a.get("allocatedAmountSet"))} for a in allocations or []]


def _address(address: dict | None) -> dict | None:
	if not address:
		return None
	return {
		"address1": address.get("address1"),
		"address2": address.get("address2"),
		"city": address.get("city"),
		"province": address.get("province"),
		"zip": address.get("zip"),
		"country": address.get("country"),
		"country_code": address.get("countryCodeV2"),
		"phone": address.get("phone"),
		"name": address.get("name"),
		"company": address.get("company"),
	}
