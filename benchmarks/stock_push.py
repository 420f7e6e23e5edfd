"""Stock push: 10,000 SKUs to a fake Shopify at Standard-plan limits, against the anchor's method.

Ours: only changed quantities, 250 per inventorySetQuantities call, through the shared
Redis rate budget fed by Shopify's throttleStatus (1,000-point bucket, 100 points/s).
The anchor (frappe/ecommerce_integrations): two REST calls per item against the REST
leaky bucket (40 requests, 2/s). Its run is simulated for a sample of items against
the same fake in the same run, and its steady rate extrapolated to 10,000 items.

    python benchmarks/stock_push.py [--skus 10000] [--anchor-sample 60]
"""

import argparse
import time

import fakeredis
import requests

from erp_connectors.connectors.rate_budget import RateBudget
from erp_connectors.shopify_connector import stock
from erp_connectors.shopify_connector.graphql_client import ShopifyGraphQL
from erp_connectors.testing.fake_shopify_admin import FakeShopifyAdmin

LOCATION = "gid://shopify/Location/1"


def ours(fake, skus: int):
	budget = RateBudget(fakeredis.FakeRedis(), "rl:bench", capacity=1000, refill_per_second=100)
	client = ShopifyGraphQL("bench.myshopify.com", fake.token, base_url=fake.url, budget=budget)
	levels = {(f"gid://shopify/InventoryItem/{n}", LOCATION): n % 50 for n in range(skus)}
	started = time.perf_counter()
	result = stock.push(client, stock.plan(levels, {}))
	first = time.perf_counter() - started
	result.points = fake.points_spent
	changed = {key: qty + 1 for key, qty in list(levels.items())[: skus // 10]}
	started = time.perf_counter()
	again = stock.push(client, stock.plan({**levels, **changed}, result.pushed))
	second = time.perf_counter() - started
	assert fake.inventory == {**levels, **changed}, "the fake does not hold what we pushed"
	return result, first, again, second


def anchor(fake, items: int):
	"""Two REST calls per item (read the level, then set it), waiting out 429s as the anchor does."""
	session = requests.Session()
	session.headers["X-Shopify-Access-Token"] = fake.token
	base = f"{fake.url}/admin/api/2024-01"
	calls = 0
	started = time.perf_counter()
	steady_from = None
	for n in range(items):
		for method, path in (("GET", "inventory_levels.json"), ("POST", "inventory_levels/set.json")):
			while True:
				response = session.request(
					method, f"{base}/{path}", json={"inventory_item_id": n, "available": n % 50}, timeout=10
				)
				calls += 1
				if response.status_code != 429:
					break
				steady_from = steady_from or (time.perf_counter(), n)
				time.sleep(float(response.headers.get("Retry-After", 1)))
	elapsed = time.perf_counter() - started
	if steady_from:
		per_item = (time.perf_counter() - steady_from[0]) / max(1, items - steady_from[1])
	else:
		per_item = elapsed / items
	return elapsed, calls, per_item


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--skus", type=int, default=10_000)
	parser.add_argument("--anchor-sample", type=int, default=60)
	args = parser.parse_args()
	with FakeShopifyAdmin(maximum=1000.0, restore_rate=100.0) as fake:
		result, first, again, second = ours(fake, args.skus)
		anchor_seconds, anchor_calls, per_item = anchor(fake, args.anchor_sample)
	anchor_full = per_item * args.skus
	print(
		f"ours, first push       {args.skus} SKUs in {first:.2f} s: {result.calls} calls, {result.points:.0f} points, {result.sent} quantities"
	)
	print(f"ours, 10% changed      {again.sent} quantities in {second:.2f} s: {again.calls} calls")
	print(
		f"anchor, sample         {args.anchor_sample} items in {anchor_seconds:.1f} s: {anchor_calls} REST calls (incl. 429 retries)"
	)
	print(f"anchor, steady rate    {per_item:.2f} s per item -> {anchor_full:,.0f} s for {args.skus} items")
	print(f"ratio (anchor / ours)  {anchor_full / first:,.0f}x")


if __name__ == "__main__":
	main()
