"""The initial backfill: one bulk operation, its JSONL streamed order by order, each order exactly as its webhook."""

import copy
import json

import pytest

from erp_connectors.connectors.errors import PermanentError
from erp_connectors.shopify_connector import bulk, mapping
from erp_connectors.shopify_connector.graphql_client import ShopifyGraphQL
from erp_connectors.testing.fake_shopify_admin import FakeShopifyAdmin
from tests.shopify.test_order_mapping import SETTINGS, items_for
from tests.shopify.test_reconcile import CASES, SAMPLE


def client_of(fake):
	return ShopifyGraphQL("acme.myshopify.com", fake.token, base_url=fake.url, sleep=lambda s: None)


def test_backfill_streams_every_order_changed_since_and_maps_it_like_its_webhook():
	with FakeShopifyAdmin() as fake:
		cases = [{**copy.deepcopy(case), "id": 7_000 + index} for index, case in enumerate(CASES.values())]
		for index, case in enumerate(cases):
			fake.add_order(copy.deepcopy(case), updated_at=f"2026-11-22T11:00:0{index}Z")
		fake.add_order({**copy.deepcopy(SAMPLE), "id": 1}, updated_at="2026-01-01T00:00:00Z")  # too old
		sleeps = []
		found = list(bulk.orders_by_bulk(client_of(fake), "2026-11-22T00:00:00Z", sleep=sleeps.append))
		[operation] = fake.bulk_operations
		downloads = [r for r in fake.requests if r.path.startswith("/bulk/")]
	assert len(found) == len(CASES) and sleeps == [2.0]  # polled once while RUNNING
	assert "x-shopify-access-token" not in downloads[0].headers  # a signed URL, not the token
	assert fake.contract.bulk_files == {downloads[0].path: operation["id"]}  # checked against its query
	for (order, _), webhook in zip(found, cases, strict=True):
		assert order["id"] == webhook["id"]
		assert mapping.sales_order(order, SETTINGS, "C", items_for(order)) == mapping.sales_order(
			webhook, SETTINGS, "C", items_for(webhook)
		)
	assert int(operation["objectCount"]) > len(CASES)  # lines and shipping lines are lines of their own


def test_each_order_is_yielded_before_the_next_one_is_read():
	lines_read = []

	def lines():
		for index in range(3):
			order = {"id": f"gid://shopify/Order/{index}", "legacyResourceId": str(index), "updatedAt": "t"}
			for line in (order, {"id": f"gid://shopify/LineItem/{index}", "__parentId": order["id"]}):
				lines_read.append(line["id"])
				yield json.dumps(line)

	stream = bulk.stream_orders(lines())
	with pytest.raises(KeyError):  # rest_order needs real fields: prove laziness before it runs
		next(stream)
	assert lines_read == ["gid://shopify/Order/0", "gid://shopify/LineItem/0", "gid://shopify/Order/1"]


def test_a_child_line_out_of_place_is_refused():
	lines = [json.dumps({"id": "gid://shopify/LineItem/1", "__parentId": "gid://shopify/Order/9"})]
	with pytest.raises(PermanentError, match="does not follow its order"):
		list(bulk.stream_orders(lines))


def test_only_one_bulk_query_runs_at_a_time_and_nothing_matched_is_no_file():
	with FakeShopifyAdmin() as fake:
		client = client_of(fake)
		first = bulk.start(client, None)
		with pytest.raises(PermanentError):
			bulk.start(client, None)
		assert bulk.wait(client, first, sleep=lambda s: None) is None  # no orders: no URL
