import json
from pathlib import Path

import fakeredis
import pytest

from erp_connectors.connectors.errors import AuthError, NeedsAttention, PermanentError, RateLimitedError
from erp_connectors.connectors.rate_budget import RateBudget
from erp_connectors.shopify_connector.api_versions import PINNED
from erp_connectors.shopify_connector.fulfillment import (
	FULFILLMENT_CREATE,
	FULFILLMENT_ORDERS,
	order_gid,
	push_fulfillment,
	update_tracking,
)
from erp_connectors.shopify_connector.graphql_client import ShopifyGraphQL, user_errors
from erp_connectors.testing.fake_shopify_admin import INVALID_TOKEN, FakeShopifyAdmin

DATA = Path(__file__).parent.parent / "data"
ORDER = json.loads((DATA / "shopify_webhook_orders_create_2026-04_docs_sample.json").read_text())
TOKEN = "shpat_fake_token"


def client(fake, token=TOKEN, **options):
	sleeps = []
	options.setdefault("sleep", sleeps.append)
	c = ShopifyGraphQL("acme.myshopify.com", token, base_url=fake.url, **options)
	c.sleeps = sleeps
	return c


@pytest.fixture
def fake():
	with FakeShopifyAdmin() as service:
		service.add_order(ORDER)
		yield service


def test_wrong_token_is_an_auth_error_with_shopifys_message(fake):
	with pytest.raises(AuthError) as info:
		client(fake, token="shpat_wrong").execute(FULFILLMENT_ORDERS, {"id": order_gid(ORDER["id"])})
	assert info.value.remote_message == INVALID_TOKEN


def test_request_goes_to_the_versioned_graphql_path_with_the_token(fake):
	client(fake).execute(FULFILLMENT_ORDERS, {"id": order_gid(ORDER["id"])})
	request = fake.requests[-1]
	assert request.path == f"/admin/api/{PINNED}/graphql.json"
	assert request.header("x-shopify-access-token") == TOKEN


def test_throttled_answer_is_waited_out_then_succeeds(fake):
	fake.maximum = fake.available = 20.0
	fake.restore_rate = 1000.0  # refills within the real gap between the calls
	c = client(fake)
	c.execute(FULFILLMENT_ORDERS, {"id": order_gid(ORDER["id"])}, cost=12)
	fake.restore_rate = 0.001
	c.sleeps.clear()
	fake.available = 0.0
	with pytest.raises(RateLimitedError) as info:
		c.execute(FULFILLMENT_ORDERS, {"id": order_gid(ORDER["id"])}, cost=12)
	assert len(c.sleeps) == c.throttle_retries and fake.throttled == c.throttle_retries + 1
	assert info.value.retry_after > 1000  # (12 - 0) / 0.001 s: Shopify's own restore rate decides


def test_throttle_status_feeds_the_shared_budget(fake):
	budget = RateBudget(
		fakeredis.FakeRedis(), "rl:acme", capacity=1000, refill_per_second=100, sleep=lambda s: None
	)
	fake.available = 1000.0
	client(fake, budget=budget).execute(FULFILLMENT_ORDERS, {"id": order_gid(ORDER["id"])}, cost=12)
	# Shopify reported 988 left after this call; the next worker may take that much at once, not more
	assert budget.reserve(988) == 0.0
	assert budget.reserve(50) > 0.4


def test_push_fulfils_by_sku_with_tracking(fake):
	quantities = {"SKU2006-001": 1, "LENS-PROTECT-2YR": 1}
	tracking = {
		"company": "USPS",
		"number": "9400100000000000000000",
		"url": "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400100000000000000000",
	}
	result = push_fulfillment(client(fake), ORDER["id"], quantities, tracking)
	assert result["trackingInfo"] == [tracking]
	(record,) = fake.fulfillments
	assert sorted(record["lines"]) == [("LENS-PROTECT-2YR", 1), ("SKU2006-001", 1)]


def test_tracking_added_later_updates_the_same_fulfillment(fake):
	pushed = push_fulfillment(client(fake), ORDER["id"], {"SKU2006-001": 1})
	assert pushed["trackingInfo"] == []
	tracking = {"company": "DHL Express", "number": "JD014600003828811234", "url": None}
	updated = update_tracking(client(fake), pushed["id"], tracking)
	assert updated == {
		"id": pushed["id"],
		"trackingInfo": [{"company": "DHL Express", "number": "JD014600003828811234", "url": None}],
	}
	assert len(fake.fulfillments) == 1
	with pytest.raises(PermanentError, match="refused"):
		update_tracking(client(fake), "gid://shopify/Fulfillment/999", tracking)


def test_more_than_remains_is_held_with_the_skus_named(fake):
	push_fulfillment(client(fake), ORDER["id"], {"SKU2006-001": 1})
	with pytest.raises(NeedsAttention, match="1 x SKU2006-001"):
		push_fulfillment(client(fake), ORDER["id"], {"SKU2006-001": 1})
	assert len(fake.fulfillments) == 1


def test_user_errors_surface_verbatim(fake):
	[order] = fake.fulfillment_orders[order_gid(ORDER["id"])]
	line = order["lineItems"][0]
	too_many = {"id": line["id"], "quantity": line["remainingQuantity"] + 1}
	fulfillment = {
		"lineItemsByFulfillmentOrder": [
			{"fulfillmentOrderId": order["id"], "fulfillmentOrderLineItems": [too_many]}
		]
	}
	data = client(fake).execute(FULFILLMENT_CREATE, {"fulfillment": fulfillment})
	with pytest.raises(PermanentError) as info:
		user_errors(data["fulfillmentCreate"])
	assert info.value.remote_message == "fulfillment: Invalid fulfillment order line item quantity requested."
