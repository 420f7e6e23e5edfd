"""The shop behind an access token, and the webhook subscriptions that point it at us. Pure,
apart from the client it is given; the Shopify Store buttons (store_actions) call these."""

from erp_connectors.connectors.errors import PermanentError
from erp_connectors.shopify_connector.graphql_client import ShopifyGraphQL, user_errors

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
