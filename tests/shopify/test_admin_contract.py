"""The fake Shopify answers as Shopify's Admin API does: a request the schema refuses gets Shopify's
error answer, versions fall forward as Shopify's do, and an answer Shopify could not send fails."""

import json
from datetime import date

import pytest
import requests

from erp_connectors.connectors.errors import PermanentError
from erp_connectors.shopify_connector import api_versions, shop, stock
from erp_connectors.shopify_connector.graphql_client import ShopifyGraphQL
from erp_connectors.testing.contracts.shopify_admin import bulk_file_problems, data_problems
from erp_connectors.testing.contracts.shopify_schema import admin_schema, parsed
from erp_connectors.testing.fake_shopify_admin import FakeShopifyAdmin
from tests.shopify.test_stock_push import LOC, item

QUANTITY = {"inventoryItemId": item(1), "locationId": LOC, "quantity": 3, "changeFromQuantity": None}


def post(fake, query, variables=None, version=api_versions.PINNED):
	return requests.post(
		f"{fake.url}/admin/api/{version}/graphql.json",
		json={"query": query, "variables": variables or {}},
		headers={"X-Shopify-Access-Token": fake.token},
		timeout=5,
	)


def client(fake, version=api_versions.PINNED):
	return ShopifyGraphQL(
		"acme.myshopify.com", fake.token, base_url=fake.url, api_version=version, sleep=lambda s: None
	)


@pytest.fixture
def fake():
	with FakeShopifyAdmin() as service:
		yield service


def test_an_unknown_field_is_refused_with_shopify_s_error_answer(fake):
	answer = post(fake, "query { shop { name planName } }")
	assert answer.status_code == 200
	[error] = answer.json()["errors"]
	assert error["extensions"]["code"] == "undefinedField"
	assert error["locations"] == [{"line": 1, "column": 21}]
	assert "planName" in error["message"] and "data" not in answer.json()
	assert fake.refused and fake.requests[-1].path.endswith("/graphql.json")


def test_a_variable_shopify_would_not_accept_is_refused_as_its_executor_reports_it(fake):
	"""compareQuantity (deprecated in 2026-01) is gone from InventoryQuantityInput by 2026-10."""
	quantity = {**QUANTITY, "compareQuantity": 2}
	answer = post(
		fake,
		stock.SET_QUANTITIES,
		{"input": {"name": "available", "reason": "correction", "quantities": [quantity]}, "key": "k"},
	)
	[error] = answer.json()["errors"]
	assert (
		error["message"] == "Variable $input of type InventorySetQuantitiesInput! was provided invalid value"
	)
	[problem] = error["extensions"]["problems"]
	assert problem["path"][:2] == ["quantities", 0] and "compareQuantity" in problem["explanation"]
	with pytest.raises(PermanentError) as info:
		client(fake).execute(
			stock.SET_QUANTITIES, {"input": {"name": "available", "quantities": [quantity]}, "key": "k"}
		)
	assert "was provided invalid value" in info.value.remote_message


def test_a_deprecated_field_is_refused_by_the_suite(fake):
	answer = post(fake, "query { shop { plan { displayName } } }")
	[error] = answer.json()["errors"]
	assert error["extensions"]["code"] == "deprecatedUsage"
	assert "publicDisplayName" in error["message"]  # Shopify's own advice, from the schema


def test_a_deprecated_input_field_inside_a_variable_is_refused_too(fake):
	query = (
		"mutation S($topic: WebhookSubscriptionTopic!, $sub: WebhookSubscriptionInput!) {"
		" webhookSubscriptionCreate(topic: $topic, webhookSubscription: $sub) { userErrors { message } } }"
	)
	answer = post(fake, query, {"topic": "ORDERS_CREATE", "sub": {"callbackUrl": "https://example.com/h"}})
	[error] = answer.json()["errors"]
	assert error["extensions"]["problems"][0]["path"] == ["callbackUrl"]
	assert fake.subscriptions == []


def test_the_stock_push_was_refused_at_2025_10_while_shopify_still_answered_it():
	with FakeShopifyAdmin(today=date(2026, 3, 1)) as fake:
		with pytest.raises(PermanentError) as info:
			stock.push(client(fake, "2025-10"), stock.plan({(item(1), LOC): 3}, {}))
		assert info.value.remote_message == "Unknown directive '@idempotent'."
		assert fake.inventory == {}
	with FakeShopifyAdmin(today=date(2026, 3, 1)) as fake:
		assert stock.push(client(fake), stock.plan({(item(1), LOC): 3}, {})).sent == 1


def test_a_retired_version_is_answered_as_the_oldest_supported_one():
	with FakeShopifyAdmin(today=date(2027, 8, 1)) as fake:  # 2026-07 left support on 2027-07-01
		answer = post(fake, shop.SHOP, version="2026-07")
		assert answer.headers["X-Shopify-API-Version"] == "2026-10"
		assert answer.json()["data"]["shop"]["plan"] == {"publicDisplayName": "Basic"}
		assert post(fake, shop.SHOP, version="2025-05").status_code == 404  # never released


def test_versions_and_when_they_leave_support():
	assert api_versions.support(api_versions.PINNED, date.today()).supported
	old = api_versions.support("2025-07", date(2026, 12, 3))
	assert (old.known, old.supported, old.until) == (True, False, date(2026, 7, 1))
	assert old.describe() == (
		"API version 2025-07 left Shopify's support on 2026-07-01. Shopify now answers it as 2026-01."
	)
	assert api_versions.support("2026-10", date(2026, 12, 3)).describe() == (
		"API version 2026-10 is supported until 2027-10-01."
	)
	assert not api_versions.support("2025-05", date(2026, 12, 3)).known
	assert api_versions.served_version("2026-07", date(2027, 7, 1)) == "2026-10"


def test_test_connection_and_webhook_registration_against_the_fake(fake):
	c = client(fake)
	assert shop.shop_info(c) == {
		"name": "Acme",
		"myshopifyDomain": "acme.myshopify.com",
		"currencyCode": "USD",
		"plan": {"publicDisplayName": "Basic"},
	}
	topics = ["orders/create", "refunds/create"]
	first = shop.subscribe(c, topics, "https://erp.example.com/api/method/hook")
	again = shop.subscribe(c, topics, "https://erp.example.com/api/method/hook")
	assert (first["created"], again["existing"]) == (["ORDERS_CREATE", "REFUNDS_CREATE"],) * 2
	assert [s["uri"] for s in fake.subscriptions] == ["https://erp.example.com/api/method/hook"] * 2


# The checks on answers: what Shopify could not send fails.
SHOP_DOC = parsed("query { shop { name plan { publicDisplayName } } }")


def shop_problems(data):
	schema = admin_schema(api_versions.PINNED)
	return data_problems(schema, SHOP_DOC, SHOP_DOC.definitions[0], {}, data)


def test_an_answer_with_exactly_the_selected_fields_passes():
	assert shop_problems({"shop": {"name": "Acme", "plan": {"publicDisplayName": "Basic"}}}) == []


@pytest.mark.parametrize(
	("shop_data", "problem"),
	[
		(
			{"name": "Acme", "plan": {"publicDisplayName": "Basic", "displayName": "Basic"}},
			"not selected, but sent",
		),
		({"name": "Acme"}, "selected, but missing"),
		({"name": "Acme", "plan": {"publicDisplayName": None}}, "Cannot return null for non-nullable field"),
		({"name": 7, "plan": {"publicDisplayName": "Basic"}}, "Shopify would send '7', the fake sent 7"),
	],
)
def test_an_answer_shopify_could_not_send_is_a_violation(shop_data, problem):
	assert any(problem in p for p in shop_problems({"shop": shop_data}))


def test_scalars_and_enums_have_shopify_s_wire_formats():
	doc = parsed(
		"query { orders(first: 1) { nodes { legacyResourceId currencyCode totalPriceSet { shopMoney { amount } } } } }"
	)
	schema = admin_schema(api_versions.PINNED)

	def problems(node):
		return data_problems(schema, doc, doc.definitions[0], {}, {"orders": {"nodes": [node]}})

	money = {"shopMoney": {"amount": "10.50"}}
	assert problems({"legacyResourceId": "1", "currencyCode": "EUR", "totalPriceSet": money}) == []
	assert problems(
		{"legacyResourceId": 1, "currencyCode": "EUR", "totalPriceSet": money}
	)  # a string of digits
	assert problems({"legacyResourceId": "1", "currencyCode": "EURO", "totalPriceSet": money})  # no such enum
	assert problems(
		{"legacyResourceId": "1", "currencyCode": "EUR", "totalPriceSet": {"shopMoney": {"amount": 10.5}}}
	)


def test_a_bulk_file_must_hold_what_the_bulk_query_selects_line_by_line():
	query = "{ orders { edges { node { id name lineItems { edges { node { id sku } } } } } } }"
	order = {"id": "gid://shopify/Order/1", "name": "#1"}
	line = {"id": "gid://shopify/LineItem/2", "sku": "A", "__parentId": order["id"]}
	good = "\n".join(json.dumps(x) for x in (order, line))
	assert bulk_file_problems(api_versions.PINNED, query, good) == []
	extra = "\n".join(json.dumps(x) for x in ({**order, "email": "a@b.c"}, line))
	assert bulk_file_problems(api_versions.PINNED, query, extra) == [
		"data.orders.edges.0.node.email: not selected, but sent"
	]
	orphan = json.dumps({**line, "__parentId": "gid://shopify/Order/9"})
	assert "is not the object before it" in bulk_file_problems(api_versions.PINNED, query, orphan)[0]
