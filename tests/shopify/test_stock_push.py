import pytest

from erp_connectors.connectors.errors import PermanentError
from erp_connectors.shopify_connector import stock
from erp_connectors.shopify_connector.graphql_client import ShopifyGraphQL
from erp_connectors.testing.fake_shopify_admin import FakeShopifyAdmin

LOC = "gid://shopify/Location/1"


def item(n):
	return f"gid://shopify/InventoryItem/{n}"


@pytest.fixture
def fake():
	with FakeShopifyAdmin() as service:
		yield service


def client(fake):
	return ShopifyGraphQL("acme.myshopify.com", fake.token, base_url=fake.url, sleep=lambda s: None)


def test_plan_sends_only_changed_quantities_with_their_previous_value():
	levels = {(item(1), LOC): 5, (item(2), LOC): 7.0, (item(3), LOC): 0}
	last = {(item(1), LOC): 5, (item(2), LOC): 3}
	assert stock.plan(levels, last) == [
		{"inventoryItemId": item(2), "locationId": LOC, "quantity": 7, "changeFromQuantity": 3},
		{"inventoryItemId": item(3), "locationId": LOC, "quantity": 0, "changeFromQuantity": None},
	]


def test_push_batches_250_and_records_what_shopify_holds(fake):
	levels = {(item(n), LOC): n % 17 for n in range(600)}
	result = stock.push(client(fake), stock.plan(levels, {}))
	assert (result.calls, result.sent, result.forced) == (3, 600, 0)  # 250 + 250 + 100
	assert fake.inventory == levels == result.pushed
	again = stock.push(client(fake), stock.plan(levels, result.pushed))
	assert (again.calls, again.sent) == (0, 0)  # nothing changed: nothing sent


def test_every_call_carries_a_fresh_idempotency_key(fake):
	stock.push(client(fake), stock.plan({(item(n), LOC): 1 for n in range(300)}, {}))
	keys = [request.json()["variables"]["key"] for request in fake.requests]
	assert len(keys) == 2 and len(set(keys)) == 2


def test_stale_batch_is_forced_once_because_erpnext_is_the_truth(fake):
	first = stock.push(client(fake), stock.plan({(item(1), LOC): 5, (item(2), LOC): 8}, {}))
	fake.inventory[(item(1), LOC)] = 4  # someone sold one in Shopify meanwhile
	result = stock.push(client(fake), stock.plan({(item(1), LOC): 9, (item(2), LOC): 6}, first.pushed))
	assert (result.calls, result.forced) == (2, 1)
	assert fake.inventory == {(item(1), LOC): 9, (item(2), LOC): 6}


def test_other_user_errors_surface_verbatim(fake):
	changes = [{"inventoryItemId": item(1), "locationId": LOC, "quantity": 1}]  # no changeFromQuantity
	with pytest.raises(PermanentError) as info:
		stock.push(client(fake), changes)
	assert info.value.remote_message == "changeFromQuantity is required"


def test_fake_replays_a_reused_key_and_refuses_it_with_other_input(fake):
	c = client(fake)
	payload = {
		"name": "available",
		"reason": "correction",
		"quantities": [
			{"inventoryItemId": item(1), "locationId": LOC, "quantity": 3, "changeFromQuantity": None}
		],
	}
	first = c.execute(stock.SET_QUANTITIES, {"input": payload, "key": "k-1"})
	assert c.execute(stock.SET_QUANTITIES, {"input": payload, "key": "k-1"}) == first
	assert fake.mutation_calls == 1
	other = {**payload, "quantities": [{**payload["quantities"][0], "quantity": 4}]}
	errors = c.execute(stock.SET_QUANTITIES, {"input": other, "key": "k-1"})["inventorySetQuantities"][
		"userErrors"
	]
	assert errors[0]["code"] == "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"
