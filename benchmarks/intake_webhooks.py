"""Shopify order intake on a real bench, beside ERPNext's own speed, in one run.

1. The endpoint: signed orders/create webhooks and Frappe's own /api/method/ping, interleaved in one
   shuffled stream, at 1, 8 and 50 concurrent, with the workers processing meanwhile: p50 and p99 of
   each, and their ratio (the same load for both). The first requests after gunicorn starts are
   shown apart (each worker imports the connector on its first webhook); every worker is warmed
   before the measured levels.
2. The floor: ERPNext's own insert, submit and commit of the very Sales Order the connector makes
   from the order, in one process and in as many processes as there are workers, timed from when
   every process has started; measured just before the throughput phase and again just after it.
3. Throughput: N orders, each delivered twice, 50 at a time, turned into submitted Sales Orders by
   the workers: orders per minute, as a share of the floor with as many processes (the mean of the
   two measured around it), and the CPU's idle share while they were processed. Lost (never
   processed) and doubled (two Sales Orders for one Shopify order) are counted over every order sent.

It starts gunicorn (4 x 4 threads) and the workers itself. Run with the bench's Python:

    /path/to/bench/env/bin/python benchmarks/intake_webhooks.py --bench /path/to/bench --site SITE \\
        --orders 1000 --workers 2

The site needs the bench suite's "Test Company" (its before_tests hook makes it).
"""

import argparse
import copy
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE.parent / "tests/data/shopify_webhook_orders_create_2026-04_docs_sample.json"
SKU = "INTAKE-BENCH-SKU"
WEBHOOK = "/api/method/erp_connectors.shopify_connector.integration.webhook"


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


def connect(bench: Path, site: str):
	os.chdir(bench / "sites")
	import frappe

	frappe.init(site=site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	return frappe


def floor_child(bench: Path, site: str, count: int, first_id: int, customer: str):
	"""One process of the floor: `count` Sales Orders made with ERPNext's own API, started when the
	parent says so."""
	frappe = connect(bench, site)
	from erp_connectors.connectors.frappe_gateway import _plain
	from erp_connectors.shopify_connector import mapping
	from erp_connectors.shopify_connector.bench_fixtures import SHOP
	from erp_connectors.shopify_connector.integration import build_context

	settings = build_context(SHOP).settings
	template = json.loads(TEMPLATE.read_text())
	docs = []
	for index in range(count):
		order = make_order(template, index, SKU, first_id)
		items = {str(line["id"]): SKU for line in order["line_items"]}
		docs.append(_plain(mapping.sales_order(order, settings, customer, items)))
	print("ready", flush=True)
	sys.stdin.readline()  # every process starts at once, after all have imported and connected
	for doc in docs:
		so = frappe.get_doc(copy.deepcopy(doc))
		so.insert(ignore_permissions=True)
		so.submit()
		frappe.db.commit()


def floor(args, customer: str, processes: int, first_id: int) -> tuple[float, float]:
	"""ERPNext's own Sales Orders per minute with `processes` processes side by side, and the CPU's
	idle share meanwhile (commits wait on the disk, queries on the database: ERPNext idles too)."""
	children = [
		subprocess.Popen(
			[
				sys.executable,
				__file__,
				"--bench",
				str(args.bench),
				"--site",
				args.site,
				"--floor-child",
				str(args.floor_orders),
				"--first-id",
				str(first_id + n * 1_000_000),
				"--customer",
				customer,
			],
			stdin=subprocess.PIPE,
			stdout=subprocess.PIPE,
			text=True,
		)
		for n in range(processes)
	]
	# Timed from the moment all are ready: a process's start-up (importing ERPNext, connecting) is
	# not ERPNext's speed at making Sales Orders.
	ready = [child.stdout.readline().strip() for child in children]
	assert ready == ["ready"] * processes, ready
	idle0, total0 = cpu_times()
	started = time.perf_counter()
	for child in children:
		child.stdin.write("go\n")
		child.stdin.flush()
	outputs = [child.communicate()[0] for child in children]
	elapsed = time.perf_counter() - started
	idle1, total1 = cpu_times()
	assert all(child.returncode == 0 for child in children), outputs
	return processes * args.floor_orders / (elapsed / 60), (idle1 - idle0) / (total1 - total0)


def cpu_times() -> tuple[int, int]:
	fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
	return fields[3] + fields[4], sum(fields)  # idle + iowait, total


def percentile(samples, share):
	samples = sorted(samples)
	return samples[max(0, int(len(samples) * share) - 1)]


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--bench", required=True, type=Path)
	parser.add_argument("--site", required=True)
	parser.add_argument("--port", type=int, default=8100)
	parser.add_argument("--orders", type=int, default=1000)
	parser.add_argument("--workers", type=int, default=2)
	parser.add_argument("--floor-orders", type=int, default=60, help="Sales Orders per floor process")
	parser.add_argument(
		"--latency-requests",
		type=int,
		default=1000,
		help="webhooks (and as many pings) per level; p99 is the 10th slowest of 1,000",
	)
	parser.add_argument("--timeout", type=float, default=1800)
	parser.add_argument("--floor-child", type=int, help=argparse.SUPPRESS)
	parser.add_argument("--first-id", type=int, default=None, help=argparse.SUPPRESS)
	parser.add_argument("--customer", help=argparse.SUPPRESS)
	args = parser.parse_args()
	if args.floor_child:
		floor_child(args.bench, args.site, args.floor_child, args.first_id, args.customer)
		return

	sys.path.insert(0, str(HERE))
	from bench_stack import Stack

	frappe = connect(args.bench, args.site)
	from erp_connectors.connectors.bench_fixtures import before_tests, set_connector_settings
	from erp_connectors.shopify_connector import mapping
	from erp_connectors.shopify_connector.bench_fixtures import SECRET, SHOP, ensure_items, ensure_store
	from erp_connectors.testing.shopify_webhooks import signed_headers

	# A Failed event comes back when the drains' sweep finds its retry due, inside the run too.
	waiting = frappe.db.count("Connector Event", {"status": ("in", ("Queued", "Processing", "Failed"))})
	if waiting:
		sys.exit(
			f"{waiting} Connector Events are already Queued, Processing or Failed (a run stopped midway?): "
			"the workers would process them inside this run's time. Process or delete them first."
		)
	before_tests()
	ensure_store()
	ensure_items([SKU])
	# Every delivery comes from this one address; Shopify's come from many. The per-IP webhook limit
	# would answer 429 to most of them, so it is lifted for the run and put back after.
	previous_settings = set_connector_settings(webhook_rate_limit_per_minute=1_000_000)
	previous_handler = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
	stack = None
	try:
		template = json.loads(TEMPLATE.read_text())
		customer_doc = mapping.customer_doc(make_order(template, 0, SKU), {"customer_group": "Commercial"})
		customer = frappe.db.get_value("Customer", {"customer_name": customer_doc["customer_name"]})
		if not customer:
			customer = (
				frappe.get_doc(
					{**customer_doc, "customer_group": "Commercial", "territory": "All Territories"}
				)
				.insert(ignore_permissions=True)
				.name
			)
		frappe.db.commit()
		run_id = 7_000_000_000_000_000 + (int(time.time()) % 10**6) * 10**7

		def count(query, values=None):
			frappe.db.commit()  # a fresh snapshot: what the workers committed
			return frappe.db.sql(query, values)[0][0]

		print(
			f"bench {args.bench}, site {args.site}, {os.cpu_count()} cores, {args.workers} workers, gunicorn 4 x 4 threads",
			flush=True,
		)
		stack = Stack(args.bench, args.site, args.port, workers=args.workers, scheduler=False)
		stack.start()
		stack.wait_until_up(args.site)
		base, host = f"http://127.0.0.1:{args.port}", {"Host": args.site}
		session = requests.Session()
		session.mount("http://", requests.adapters.HTTPAdapter(pool_connections=64, pool_maxsize=64))
		sent = []  # (order id, event id) of every order delivered

		def webhook_request(index):
			body = json.dumps(make_order(template, index, SKU, run_id)).encode()
			event_id = str(uuid.uuid4())
			sent.append((run_id + index, event_id))
			return body, {
				**signed_headers(body, SECRET, SHOP, "orders/create", event_id, event_id=event_id),
				**host,
			}

		def timed(request):
			kind, payload = request
			started = time.perf_counter()
			for _ in range(3):  # a keep-alive connection the server just closed: reconnect, as senders do
				try:
					if kind == "ping":
						response = session.get(base + "/api/method/ping", headers=host, timeout=60)
					else:
						response = session.post(
							base + WEBHOOK, data=payload[0], headers=payload[1], timeout=60
						)
					break
				except requests.ConnectionError:
					started = time.perf_counter()
			return kind, (time.perf_counter() - started) * 1000, response.status_code

		next_index = 0

		def interleaved(concurrency: int, count: int) -> dict[str, list[float]]:
			nonlocal next_index
			requests_ = [("ping", None)] * count
			for _ in range(count):
				requests_.append(("webhook", webhook_request(next_index)))
				next_index += 1
			random.shuffle(requests_)
			with ThreadPoolExecutor(concurrency) as pool:
				results = list(pool.map(timed, requests_))
			bad = sorted({status for _, _, status in results if status != 200})
			assert not bad, f"non-200 answers: {bad}"
			return {kind: [ms for k, ms, _ in results if k == kind] for kind in ("webhook", "ping")}

		# A gunicorn worker imports an app's modules on the first request that needs them (--preload
		# loads Frappe alone), so each worker's first webhook pays for importing the connector. That is
		# once per worker start, not per request: shown apart, then every worker is warmed.
		threads = 16  # gunicorn 4 x 4
		cold = interleaved(threads, threads)
		print(
			f"\nfirst requests after gunicorn starts, {threads} of each at {threads} concurrent: "
			f"webhook max {max(cold['webhook']):.0f} ms, ping max {max(cold['ping']):.0f} ms"
		)
		interleaved(threads, 100)
		print("\nendpoint latency, webhook and ping interleaved, workers processing meanwhile:")
		for concurrency in (1, 8, 50):
			by_kind = interleaved(concurrency, args.latency_requests)
			w50, w99 = statistics.median(by_kind["webhook"]), percentile(by_kind["webhook"], 0.99)
			p50, p99 = statistics.median(by_kind["ping"]), percentile(by_kind["ping"], 0.99)
			print(
				f"  concurrency {concurrency:>2}: webhook p50 {w50:7.1f} ms, p99 {w99:7.1f} ms | ping p50 {p50:7.1f} ms, "
				f"p99 {p99:7.1f} ms | ratio p50 {w50 / p50:.2f}, p99 {w99 / p99:.2f}",
				flush=True,
			)

		def processed(ids):
			return count(
				"select count(*) from `tabConnector Event` where remote_event_id in %s and status in ('Processed','Held','Dead')",
				(tuple(ids),),
			)

		latency_ids = [event for _, event in sent]
		deadline = time.time() + args.timeout
		while processed(latency_ids) < len(latency_ids) and time.time() < deadline:
			time.sleep(2)

		# The floor brackets the throughput phase, measured with the same database and the same machine
		# minutes: this VM's speed drifts by a third within an hour.
		floor_one, _ = floor(args, customer, 1, run_id + 10**9)
		floor_before, floor_idle = floor(args, customer, args.workers, run_id + 2 * 10**9)
		print(
			f"\nERPNext's own insert+submit+commit, just before: {floor_one:.0f} orders/min in 1 process, "
			f"{floor_before:.0f} orders/min in {args.workers} processes side by side (CPU idle {floor_idle:.0%})",
			flush=True,
		)
		print(f"\nthroughput: {args.orders} orders, each delivered twice, 50 at a time", flush=True)
		deliveries = [webhook_request(next_index + i) for i in range(args.orders)]
		throughput_ids = [event for _, event in sent[-args.orders :]]
		idle0, total0 = cpu_times()
		started = time.time()
		with ThreadPoolExecutor(50) as pool:
			statuses = [status for _, _, status in pool.map(timed, [("webhook", d) for d in deliveries * 2])]
		send_seconds = time.time() - started
		while processed(throughput_ids) < args.orders and time.time() - started < args.timeout:
			time.sleep(2)
		elapsed = time.time() - started
		idle1, total1 = cpu_times()
		floor_after, _ = floor(args, customer, args.workers, run_id + 3 * 10**9)
		floor_many = (floor_before + floor_after) / 2
		stack.stop()

		ours = args.orders / (elapsed / 60)
		order_ids = tuple(str(order_id) for order_id, _ in sent)
		events = tuple(event for _, event in sent)
		done = count(
			"select count(*) from `tabConnector Event` where remote_event_id in %s and status='Processed'",
			(events,),
		)
		orders = count(
			"select count(*) from `tabSales Order` where docstatus=1 and po_no like %s", (f"#B{run_id}-%",)
		)
		links = count(
			"select count(*) from `tabConnector Link` where remote_type='order' and remote_id in %s",
			(order_ids,),
		)
		statuses_seen = {s: statuses.count(s) for s in set(statuses)}
		print(f"  sent in {send_seconds:.1f} s, answers {statuses_seen}")
		print(f"  ERPNext's own with {args.workers} processes, just after: {floor_after:.0f} orders/min")
		print(
			f"  orders per minute: {ours:.0f} with {args.workers} workers = {ours / floor_many:.0%} of ERPNext's own "
			f"{floor_many:.0f} with {args.workers} processes, before and after ({ours / floor_one:.0%} of 1 process)"
		)
		print(f"  CPU idle while processing: {(idle1 - idle0) / (total1 - total0):.0%}")
		print(
			f"\nevery order sent ({len(sent)}): processed {done}, Sales Orders {orders} (links {links}), "
			f"lost {len(sent) - done}, doubled {max(0, orders - len(sent))}"
		)
	finally:  # a run stopped midway (Ctrl-C, a timeout's SIGTERM) stops its servers, puts the limit back
		signal.signal(signal.SIGTERM, previous_handler)
		if stack is not None:
			stack.stop()
		set_connector_settings(**previous_settings)
		frappe.destroy()


if __name__ == "__main__":
	main()
