"""What one signed Shopify webhook costs the web server, next to Frappe's own /api/method/ping.

Runs Frappe's whole WSGI application in one process (no gunicorn, no network, no workers), the two
requests taking turns, and prints per request: time (p50, p90), SQL statements, commits, Redis round
trips and jobs enqueued. The difference is what the intake adds to a request: find the account,
verify, insert and commit one row, signal the drain.

    cd BENCH/sites && ../env/bin/python /path/to/benchmarks/webhook_request.py --site SITE --requests 300
"""

import argparse
import collections
import json
import statistics
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
WEBHOOK = "/api/method/erp_connectors.shopify_connector.integration.webhook"


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--site", required=True)
	parser.add_argument("--requests", type=int, default=300)
	args = parser.parse_args()

	sys.path.insert(0, str(HERE))
	import frappe
	from intake_webhooks import SKU, TEMPLATE, make_order
	from order_profile import Counters

	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	from erp_connectors.connectors.bench_fixtures import set_connector_settings
	from erp_connectors.shopify_connector.bench_fixtures import SECRET, SHOP, ensure_items, ensure_store
	from erp_connectors.testing.shopify_webhooks import signed_headers

	ensure_store()
	ensure_items([SKU])
	# Every request comes from one address: the per-IP webhook limit is lifted for the run.
	previous_settings = set_connector_settings(webhook_rate_limit_per_minute=1_000_000)
	frappe.destroy()

	from frappe.app import application
	from werkzeug.test import Client

	client = Client(application)
	host = {"Host": args.site}
	template = json.loads(TEMPLATE.read_text())
	first_id = 7_600_000_000_000_000 + (int(time.time()) % 10**6) * 10**7
	sent = []

	def webhook():
		body = json.dumps(make_order(template, len(sent), SKU, first_id)).encode()
		event_id = str(uuid.uuid4())
		sent.append(event_id)
		headers = signed_headers(body, SECRET, SHOP, "orders/create", event_id, event_id=event_id)
		return lambda: client.post(WEBHOOK, data=body, headers={**headers, **host})

	def ping():
		return lambda: client.get("/api/method/ping", headers=host)

	counters = Counters()
	counters.install()
	results = {"ping": [], "webhook": []}
	totals = {"ping": collections.Counter(), "webhook": collections.Counter()}
	for index in range(args.requests * 2 + 40):
		kind = "ping" if index % 2 else "webhook"
		request = webhook() if kind == "webhook" else ping()
		counters.take()
		started = time.perf_counter()
		response = request()
		elapsed = (time.perf_counter() - started) * 1000
		assert response.status_code == 200, response.get_data()[:300]
		if index >= 40:  # the first requests load caches and modules
			results[kind].append(elapsed)
			totals[kind].update(counters.take())

	print(f"one process, site {args.site}, {args.requests} of each, taking turns")
	print(
		f"{'per request':<12} {'p50 ms':>7} {'p90 ms':>7} {'queries':>8} {'commits':>8} {'redis':>6} {'jobs':>5}"
	)
	for kind in ("ping", "webhook"):
		times = sorted(results[kind])
		per = {key: totals[kind][key] / len(times) for key in ("queries", "commits", "redis", "jobs")}
		print(
			f"{kind:<12} {statistics.median(times):>7.2f} {times[int(len(times) * 0.9)]:>7.2f}"
			f" {per['queries']:>8.2f} {per['commits']:>8.2f} {per['redis']:>6.2f} {per['jobs']:>5.2f}"
		)
	print(
		f"webhook / ping p50: {statistics.median(results['webhook']) / statistics.median(results['ping']):.2f}"
	)

	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.db.sql("delete from `tabConnector Event` where remote_event_id in %s", (tuple(sent),))
	set_connector_settings(**previous_settings)
	frappe.destroy()


if __name__ == "__main__":
	main()
