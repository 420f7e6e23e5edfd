"""Shopify webhook intake against a real bench: endpoint latency and order throughput.

Sends N signed orders/create webhooks, C at a time, to the bench's webhook
endpoint, then waits until the workers have turned every event into a Sales
Order. Reports p50/p99 endpoint latency, orders per minute, and counts lost
(stored but never processed) and doubled (more than one Sales Order per
Shopify order) orders. Every order is delivered twice to prove dedupe.

    python benchmarks/intake_webhooks.py --url http://127.0.0.1:8000 --site test.localhost \
        --shop bench.myshopify.com --secret <webhook secret> --orders 1000 --concurrency 50 \
        --template tests/data/shopify_webhook_orders_create_2026-04_docs_sample.json --sku BENCH-SKU

Needs the bench running with 2 workers, a Shopify Store named by --shop whose webhook
secret is --secret, and an Item with item code --sku.
"""

import argparse
import copy
import json
import statistics
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

from erp_connectors.testing.shopify_webhooks import signed_headers


def make_order(template: dict, index: int, sku: str, first_id: int = 7_000_000_000_000_000) -> dict:
	order = copy.deepcopy(template)
	order_id = first_id + index
	order.update(
		{"id": order_id, "name": f"#B{first_id}-{index}", "order_number": 100000 + index, "test": False}
	)
	order.update({"cancelled_at": None, "cancel_reason": None, "financial_status": "paid"})
	order["admin_graphql_api_id"] = f"gid://shopify/Order/{order_id}"
	for line in order.get("line_items", []):
		line["sku"] = sku
		line["variant_id"] = None
	return order


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--url", required=True)
	parser.add_argument("--site", default=None)
	parser.add_argument("--shop", required=True)
	parser.add_argument("--secret", required=True)
	parser.add_argument("--template", required=True)
	parser.add_argument("--sku", required=True)
	parser.add_argument("--orders", type=int, default=1000)
	parser.add_argument(
		"--first-id",
		type=int,
		default=7_000_000_000_000_000,
		help="Shopify order id of the first order; vary it between runs",
	)
	parser.add_argument("--concurrency", type=int, default=50)
	parser.add_argument("--api-key", help="key:secret of a System Manager, to count results")
	parser.add_argument("--timeout", type=float, default=900)
	parser.add_argument(
		"--baseline",
		action="store_true",
		help="first load Frappe's own /api/method/ping the same way, for the ratio",
	)
	parser.add_argument(
		"--send-only", action="store_true", help="measure the endpoint; don't wait for processing"
	)
	args = parser.parse_args()

	template = json.load(open(args.template))
	endpoint = f"{args.url}/api/method/erp_connectors.shopify_connector.integration.webhook"
	host = {"Host": args.site} if args.site else {}
	session = requests.Session()
	adapter = requests.adapters.HTTPAdapter(pool_connections=args.concurrency, pool_maxsize=args.concurrency)
	session.mount("http://", adapter)

	deliveries = []
	for index in range(args.orders):
		body = json.dumps(make_order(template, index, args.sku, args.first_id)).encode()
		webhook_id = str(uuid.uuid4())
		deliveries.append((body, webhook_id))

	reconnects = []

	def send(delivery):
		body, webhook_id = delivery
		# The event id is the webhook id, so the events are counted by the ids sent (remote_event_id).
		headers = {
			**signed_headers(body, args.secret, args.shop, "orders/create", webhook_id, event_id=webhook_id),
			**host,
		}
		for attempt in range(3):
			started = time.perf_counter()
			try:
				response = session.post(endpoint, data=body, headers=headers, timeout=30)
			except requests.ConnectionError:
				# A pooled keep-alive connection the server had just closed; Shopify would retry too.
				reconnects.append(attempt)
				continue
			return (time.perf_counter() - started) * 1000, response.status_code
		return None, "connection failed"

	def percentiles(samples):
		samples = sorted(samples)
		return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]

	if args.baseline:

		def ping(_):
			begun = time.perf_counter()
			session.get(f"{args.url}/api/method/ping", headers=host, timeout=30).raise_for_status()
			return (time.perf_counter() - begun) * 1000

		with ThreadPoolExecutor(args.concurrency) as pool:
			p50, p99 = percentiles(list(pool.map(ping, range(2 * args.orders))))
		print(
			f"baseline frappe ping     p50 {p50:.1f} ms, p99 {p99:.1f} ms ({2 * args.orders} requests)",
			flush=True,
		)

	started = time.time()
	with ThreadPoolExecutor(args.concurrency) as pool:
		results = list(pool.map(send, deliveries))
		# Shopify delivers at least once: send every webhook again.
		repeats = list(pool.map(send, deliveries))
	sent_seconds = time.time() - started
	latencies = sorted(ms for ms, _ in results + repeats if ms is not None)
	statuses = {}
	for _, status in results + repeats:
		statuses[status] = statuses.get(status, 0) + 1

	print(f"webhooks sent            {len(latencies)} ({args.orders} orders x2), statuses {statuses}")
	print(f"endpoint latency p50     {statistics.median(latencies):.1f} ms")
	print(f"endpoint latency p99     {latencies[int(len(latencies) * 0.99) - 1]:.1f} ms")
	print(
		f"send phase               {sent_seconds:.1f} s ({len(reconnects)} stale keep-alive reconnects)",
		flush=True,
	)

	if args.send_only:
		return
	auth = {"Authorization": f"token {args.api_key}"} if args.api_key else {}

	def count(doctype, filters):
		response = session.post(  # POST: the filters name every webhook id, too long for a URL
			f"{args.url}/api/method/frappe.client.get_count",
			json={"doctype": doctype, "filters": filters},
			headers={**auth, **host},
			timeout=30,
		)
		response.raise_for_status()
		return response.json()["message"]

	link_filter = [
		["account", "=", args.shop],
		["remote_type", "=", "order"],
		["remote_id", "in", [str(args.first_id + index) for index in range(args.orders)]],
	]
	sent_ids = [webhook_id for _, webhook_id in deliveries]
	ours = [["source", "=", "Shopify"], ["account", "=", args.shop], ["remote_event_id", "in", sent_ids]]
	while time.time() - started < args.timeout:
		done = count("Connector Event", [*ours, ["status", "in", ["Processed", "Held", "Dead"]]])
		if done >= args.orders:
			break
		print(f"  {time.time() - started:6.0f} s: {done} events done", flush=True)
		time.sleep(15)
	finished = time.time() - started
	processed = count("Connector Event", [*ours, ["status", "=", "Processed"]])
	stored = count("Connector Event", ours)
	links = count("Connector Link", link_filter)
	orders = count("Sales Order", [["po_no", "like", f"#B{args.first_id}-%"]])

	print(f"events stored            {stored} (expected {args.orders})")
	print(f"events processed         {processed}")
	print(f"sales orders             {orders} (links {links})")
	print(f"lost                     {args.orders - processed}")
	print(f"doubled                  {max(0, orders - args.orders)}")
	print(f"orders per minute        {processed / (finished / 60):.0f} (all done in {finished:.1f} s)")


if __name__ == "__main__":
	main()
