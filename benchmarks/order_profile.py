"""Where a Shopify order's time goes in the worker, next to ERPNext's own insert and submit.

For N orders it runs, in one process on one site:
- the connector path: the signed order stored as a Connector Event, then `process_event` (claim,
  customer, mapping, Sales Order insert and submit, link, status, call log, doc-event hooks);
- ERPNext's own path: the very Sales Order the mapping produced, inserted, submitted, committed.
Per order it counts SQL statements, commits, Redis round trips and jobs enqueued, and times both;
with --profile it prints the connector path's heaviest functions outside ERPNext's own.

    cd BENCH/sites && ../env/bin/python /path/to/benchmarks/order_profile.py --site SITE --orders 30
"""

import argparse
import collections
import cProfile
import json
import pstats
import time
from pathlib import Path

SAMPLE = (
	Path(__file__).resolve().parents[1] / "tests/data/shopify_webhook_orders_create_2026-04_docs_sample.json"
)


class Counters:
	def __init__(self):
		self.counts = collections.Counter()

	def install(self):
		"""Counted where the round trips happen: each statement a cursor sends (Frappe's own or any
		that bypasses frappe.db.sql), each Redis command outside a pipeline and each pipeline sent."""
		import pymysql.cursors
		import redis
		import rq

		counts = self.counts
		original_execute, original_redis, original_pipeline, original_enqueue = (
			pymysql.cursors.Cursor.execute,
			redis.Redis.execute_command,
			redis.client.Pipeline.execute,
			rq.Queue.enqueue_call,
		)

		def execute(cursor, query, *args, **kwargs):
			text = str(query).strip().lower()
			counts["commits" if text.startswith("commit") else "queries"] += 1
			return original_execute(cursor, query, *args, **kwargs)

		def execute_command(client, *args, **kwargs):
			counts["redis"] += 1
			return original_redis(client, *args, **kwargs)

		def execute_pipeline(pipeline, *args, **kwargs):
			counts["redis"] += 1
			return original_pipeline(pipeline, *args, **kwargs)

		def enqueue_call(queue, *args, **kwargs):
			counts["jobs"] += 1
			return original_enqueue(queue, *args, **kwargs)

		pymysql.cursors.Cursor.execute = execute
		redis.Redis.execute_command, redis.client.Pipeline.execute = execute_command, execute_pipeline
		rq.Queue.enqueue_call = enqueue_call

	def take(self) -> dict:
		taken = dict(self.counts)
		self.counts.clear()
		return taken


def order(template: dict, number: int, sku: str) -> dict:
	from erp_connectors.shopify_connector.bench_fixtures import sample_order

	body = sample_order(9_500_000_000_000 + number)
	body["name"] = f"#P{number}"  # the Sales Order's po_no: unique per order
	for line in body["line_items"]:
		line.update({"sku": sku, "variant_id": None})
	return body


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--orders", type=int, default=30)
	parser.add_argument("--profile", action="store_true")
	args = parser.parse_args()

	import frappe

	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	from erp_connectors.connectors import intake, processing
	from erp_connectors.connectors.frappe_gateway import _plain
	from erp_connectors.connectors.sources import InboundEvent
	from erp_connectors.shopify_connector import mapping
	from erp_connectors.shopify_connector.bench_fixtures import SHOP, ensure_items, ensure_store
	from erp_connectors.shopify_connector.integration import BINDING, build_context

	ensure_store()
	sku = "PROFILE-SKU"
	ensure_items([sku])
	frappe.db.commit()
	template = json.loads(SAMPLE.read_text())
	run = int(time.time()) % 10**6 * 1000
	counters = Counters()
	counters.install()
	totals = {"connector": collections.Counter(), "erpnext": collections.Counter()}
	seconds = {"connector": 0.0, "erpnext": 0.0}
	profiler = cProfile.Profile() if args.profile else None

	def run_connector(index) -> str:
		"""The signed order stored as an event (as the web request does), then the worker's whole path."""
		body = order(template, run + index, sku)
		event = InboundEvent(event_id=f"profile-{run}-{index}", topic="orders/create", payload=body)
		name, _ = intake.store_event(BINDING.source, SHOP, event, {})
		counters.take()
		started = time.perf_counter()
		if profiler:
			profiler.enable()
		processing.process_event(name)
		if profiler:
			profiler.disable()
		seconds["connector"] += time.perf_counter() - started
		totals["connector"].update(counters.take())
		status, error, sales_order = frappe.db.get_value(
			"Connector Event", name, ["status", "last_error", "reference_name"]
		)
		assert status == "Processed", error
		return frappe.db.get_value("Sales Order", sales_order, "customer")

	def run_erpnext(index, customer: str):
		"""The same Sales Order (another order id), inserted and submitted with ERPNext's own API."""
		twin = order(template, run + 500_000 + index, sku)
		doc = mapping.sales_order(
			twin, settings, customer, {str(line["id"]): sku for line in twin["line_items"]}
		)
		counters.take()
		started = time.perf_counter()
		so = frappe.get_doc(_plain(doc))
		so.insert(ignore_permissions=True)
		so.submit()
		frappe.db.commit()
		seconds["erpnext"] += time.perf_counter() - started
		totals["erpnext"].update(counters.take())

	settings = build_context(SHOP).settings
	customer = run_connector(-1)  # the customer is created once; both paths then sell to it
	counters.take()
	seconds["connector"] = 0.0
	totals["connector"].clear()
	# The first Sales Order after the other path's commit costs more (ERPNext reloads what that
	# commit changed), so the two paths take turns at going first.
	for index in range(args.orders):
		if index % 2 == 0:
			run_connector(index)
			run_erpnext(index, customer)
		else:
			run_erpnext(index, customer)
			run_connector(index)

	print(f"{args.orders} orders of {len(template['line_items'])} lines, one process, site {args.site}")
	print(f"{'per order':<12} {'ms':>8} {'queries':>8} {'commits':>8} {'redis':>6} {'jobs':>5}")
	for path in ("erpnext", "connector"):
		per = {key: totals[path][key] / args.orders for key in ("queries", "commits", "redis", "jobs")}
		print(
			f"{path:<12} {seconds[path] / args.orders * 1000:>8.1f} {per['queries']:>8.1f} {per['commits']:>8.1f}"
			f" {per['redis']:>6.1f} {per['jobs']:>5.1f}"
		)
	print(f"connector / erpnext time: {seconds['connector'] / seconds['erpnext']:.2f}")
	if profiler:
		stats = pstats.Stats(profiler)
		stats.sort_stats("cumulative")
		print("\nheaviest functions of ours (cumulative):")
		stats.print_stats("erp_connectors", 25)
	frappe.destroy()


if __name__ == "__main__":
	main()
