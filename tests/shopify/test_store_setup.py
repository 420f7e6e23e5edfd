"""Setting up a store from what the shop holds: Fetch Locations (every active location, page by
page) and Fetch Tax Titles (the titles of recent orders' lines and shipping), against the fake
Shopify, which checks each document and answer against Shopify's schema."""

import json
from pathlib import Path

import pytest

from erp_connectors.shopify_connector.shop import RECENT_TAX_TITLES, locations, recent_tax_titles
from erp_connectors.testing.fake_shopify_admin import FakeShopifyAdmin
from tests.shopify.test_stock_push import client

DATA = Path(__file__).parent.parent / "data"


@pytest.fixture
def fake():
	with FakeShopifyAdmin() as service:
		yield service


def test_fetch_locations_reads_every_active_location_across_pages(fake):
	for n in range(130):
		fake.add_location(f"Shop {n}", location_id=70_000 + n, active=n != 5)
	found = locations(client(fake))
	assert len(found) == 129 and "70005" not in {row["shopify_location_id"] for row in found}
	assert found[0] == {
		"shopify_location_id": "70000",
		"location_name": "Shop 0",
		"city": "Ottawa",
		"country": "CA",
		"fulfills_online_orders": True,
	}
	sent = [request.json() for request in fake.requests]
	assert [body["variables"]["first"] for body in sent] == [100, 100]
	assert sent[1]["variables"]["after"]  # the second page asked for by cursor


def order(order_id: int, line_taxes, shipping_taxes=()) -> dict:
	sample = json.loads((DATA / "shopify_webhook_orders_create_2026-04_docs_sample.json").read_text())
	sample.update({"id": order_id, "name": f"#{order_id}"})
	sample["line_items"] = [
		{
			**sample["line_items"][0],
			"id": order_id * 10,
			"tax_lines": [{"title": t, "price": "1.00"} for t in line_taxes],
		}
	]
	sample["tax_lines"] = [{"title": t, "price": "1.00", "rate": 0.05} for t in line_taxes]
	sample["shipping_lines"][0]["tax_lines"] = [{"title": t, "price": "0.50"} for t in shipping_taxes]
	return sample


def test_fetch_tax_titles_reads_recent_orders_lines_and_shipping_once_each(fake):
	fake.add_order(order(1, ["Old Tax"]), updated_at="2026-08-01T10:00:00Z")  # before the window
	fake.add_order(order(2, ["GST", "PST"], ["GST"]), updated_at="2026-11-20T10:00:00Z")
	fake.add_order(order(3, ["HST"], ["Shipping Levy"]), updated_at="2026-11-21T10:00:00Z")
	titles = recent_tax_titles(client(fake), since="2026-09-01T00:00:00Z")
	assert titles == ["HST", "Shipping Levy", "GST", "PST"]  # the newest order first
	(sent,) = [request.json() for request in fake.requests]
	assert sent["query"] == RECENT_TAX_TITLES
	assert sent["variables"]["query"] == "updated_at:>'2026-09-01T00:00:00Z'"


def test_fetch_tax_titles_stops_after_the_most_recent_orders(fake):
	for n in range(1, 8):
		fake.add_order(order(n, [f"Tax {n}"]), updated_at=f"2026-11-2{n}T10:00:00Z")
	assert recent_tax_titles(client(fake), since="2026-09-01T00:00:00Z", max_orders=3) == [
		"Tax 7",
		"Tax 6",
		"Tax 5",
	]
