"""The shop behind an access token, the webhook subscriptions that point it at us, and what setting
up a store reads from the shop (its locations, the tax titles its recent orders carry). Pure, apart
from the client it is given; the Shopify Store buttons (store_actions) call these."""

from erp_connectors.connectors.errors import PermanentError
from erp_connectors.shopify_connector.graphql_client import ShopifyGraphQL, legacy_id, nodes, user_errors

SHOP = "query Shop { shop { name myshopifyDomain currencyCode plan { publicDisplayName } } }"

SCOPES = "query Scopes { currentAppInstallation { accessScopes { handle } } }"

SUBSCRIBE = """
mutation Subscribe($topic: WebhookSubscriptionTopic!, $uri: String!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: {uri: $uri, format: JSON}) {
    webhookSubscription { id topic }
    userErrors { field message }
  }
}
"""


def shop_info(client: ShopifyGraphQL) -> dict:
	return client.execute(SHOP, cost=2)["shop"]


def granted_scopes(client: ShopifyGraphQL) -> list[str]:
	"""The access scopes the token was granted, as Shopify reports them (every way of connecting)."""
	installation = client.execute(SCOPES, cost=2)["currentAppInstallation"]
	return sorted(scope["handle"] for scope in installation["accessScopes"])


def topic_enum(topic: str) -> str:
	"""orders/create -> ORDERS_CREATE, as WebhookSubscriptionTopic names it."""
	return topic.upper().replace("/", "_")


def subscribe(client: ShopifyGraphQL, topics, uri: str) -> dict:
	"""Subscribe each topic to `uri`; a topic already subscribed there is reported, not an error."""
	created, existing = [], []
	for topic in topics:
		enum = topic_enum(topic)
		result = client.execute(SUBSCRIBE, {"topic": enum, "uri": uri}, cost=10)
		try:
			user_errors(result["webhookSubscriptionCreate"])
			created.append(enum)
		except PermanentError as error:
			if "already been taken" not in error.remote_message:
				raise
			existing.append(enum)  # registering twice is harmless
	return {"url": uri, "created": created, "existing": existing}


LOCATIONS = """
query Locations($first: Int!, $after: String) {
  locations(first: $first, after: $after, includeInactive: false) {
    nodes { id legacyResourceId name isActive fulfillsOnlineOrders address { city countryCode } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

# Order.taxLines holds every tax of the order's lines (one per title and rate); shipping's are apart.
RECENT_TAX_TITLES = """
query RecentTaxTitles($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT, reverse: true) {
    nodes {
      taxLines { title }
      shippingLines(first: 5) { nodes { taxLines { title } } }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""
ORDERS_PAGE = 50
# Per order: its tax lines and up to 5 shipping lines with theirs, as Shopify counts them.
ORDERS_PAGE_COST = 2 + ORDERS_PAGE * 8


def locations(client: ShopifyGraphQL) -> list[dict]:
	"""The shop's active locations, as the store's Locations table keeps them (numeric ids)."""
	return [
		{
			"shopify_location_id": legacy_id(node),
			"location_name": node["name"],
			"city": (node.get("address") or {}).get("city"),
			"country": (node.get("address") or {}).get("countryCode"),
			"fulfills_online_orders": bool(node.get("fulfillsOnlineOrders")),
		}
		for node in nodes(client, LOCATIONS, "locations", {"first": 100}, cost=102)
	]


def recent_tax_titles(client: ShopifyGraphQL, since: str, max_orders: int = 250) -> list[str]:
	"""The tax titles of the orders changed since `since` (ISO UTC), newest first, at most
	`max_orders` of them; each title once, in the order first seen."""
	titles: dict[str, None] = {}
	query = f"updated_at:>'{since}'"
	for count, order in enumerate(
		nodes(
			client, RECENT_TAX_TITLES, "orders", {"first": ORDERS_PAGE, "query": query}, cost=ORDERS_PAGE_COST
		)
	):
		if count >= max_orders:
			break
		taxes = list(order.get("taxLines") or [])
		for shipping in (order.get("shippingLines") or {}).get("nodes") or []:
			taxes += shipping.get("taxLines") or []
		for tax in taxes:
			title = (tax.get("title") or "").strip()
			if title:
				titles.setdefault(title, None)
	return list(titles)
