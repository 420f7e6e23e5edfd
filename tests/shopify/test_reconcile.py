"""The poll path: GraphQL orders converted to the webhook shape map exactly like the webhook itself."""

import copy
import json
from pathlib import Path

import pytest

from erp_connectors.shopify_connector import mapping
from erp_connectors.shopify_connector.graphql_client import ShopifyGraphQL
from erp_connectors.shopify_connector.reconcile import orders_updated_since, rest_order
from erp_connectors.testing.fake_shopify_admin import FakeShopifyAdmin, graphql_order
from tests.shopify.test_order_mapping import (
	SETTINGS,
	items_for,
	line,
	order_of,
	tax_inclusive_order,
	taxed_discounted_order,
)

DATA = Path(__file__).parent.parent / "data"
SAMPLE = json.loads((DATA / "shopify_webhook_orders_create_2026-04_docs_sample.json").read_text())

CASES = {
	"official sample": SAMPLE,
	"tax exclusive, discounted": taxed_discounted_order(),
	"tax inclusive": tax_inclusive_order(),
	"yen": order_of([line(1, "1000", 3, discounts=["1"])], total="2999", currency="JPY"),
}


@pytest.mark.parametrize("case", CASES)
def test_polled_order_maps_exactly_like_its_webhook(case):
	webhook = copy.deepcopy(CASES[case])
	polled = rest_order(json.loads(json.dumps(graphql_order(webhook, "2026-11-22T10:00:00Z"))))
	assert polled["id"] == webhook["id"]
	from_webhook = mapping.sales_order(webhook, SETTINGS, "C", items_for(webhook))
	from_poll = mapping.sales_order(polled, SETTINGS, "C", items_for(polled))
	assert from_poll == from_webhook
	assert mapping.customer_doc(polled, SETTINGS) == mapping.customer_doc(webhook, SETTINGS)


def test_poll_pages_through_every_order_changed_since_the_cursor():
	with FakeShopifyAdmin() as fake:
		for index in range(120):
			order = copy.deepcopy(SAMPLE)
			order["id"] = 5_000_000_000_000_000_000 // 1000 + index
			fake.add_order(order, updated_at=f"2026-11-22T10:{index // 60:02d}:{index % 60:02d}Z")
		client = ShopifyGraphQL("acme.myshopify.com", fake.token, base_url=fake.url, sleep=lambda s: None)
		seen = list(orders_updated_since(client, "2026-11-22T10:00:09Z"))
	assert len(seen) == 110  # 10 older than the cursor are skipped
	assert [updated for _, updated in seen] == sorted(updated for _, updated in seen)
	assert len({order["id"] for order, _ in seen}) == 110
	assert sum(1 for request in fake.requests if request.path.endswith("graphql.json")) == 3  # 50 + 50 + 10
