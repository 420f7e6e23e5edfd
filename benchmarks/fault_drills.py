"""Fault drills on a real bench: nothing lost, nothing doubled, everything recovered.

Starts gunicorn, two RQ workers and the scheduler for one site, and sends signed Shopify
orders/create and Stripe checkout.session.completed webhooks (each delivered twice, each
retried with backoff until answered 2xx, as the providers do) while it:
1. kills a worker with SIGKILL while it holds an event;
2. restarts MariaDB;
3. stops Redis for 30 s;
4. has the fake Stripe answer 429, 503 and connection resets in bursts.
A supervisor restarts any process that dies, as supervisord does in production. When the traffic
is done it waits for every event to settle, then counts Shopify orders, Sales Orders, Payment
Entries and events by status, and prints the table. Also checked: every delivery answered 2xx
is stored (an acknowledged event that is not stored would be lost for good).

Run it with the bench's own Python, on a site of its own, with MariaDB and Redis that it may stop
(not the ones other work shares):

    /path/to/bench/env/bin/python benchmarks/fault_drills.py --bench /path/to/bench --site drill.localhost \
        --db-stop "mysqladmin -h127.0.0.1 -P3307 -uroot -proot shutdown" \
        --db-start "mysqld_safe --defaults-file=/etc/mysql/drill.cnf" \
        --redis-stop "redis-cli -p 6380 shutdown nosave" \
        --redis-start "redis-server --daemonize yes --port 6380 --save ''"

The site needs `allow_tests` (the fakes listen on 127.0.0.1) and the "Test Company" the bench
suite uses (its before_tests hook makes it).
"""

import argparse
import collections
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_stack import Stack  # noqa: E402
from intake_webhooks import make_order  # noqa: E402 (the intake benchmark's order)

SHOPIFY_PATH = "/api/method/erp_connectors.shopify_connector.integration.webhook"
STRIPE_PATH = "/api/method/erp_connectors.stripe_connector.integration.webhook"
TERMINAL = ("Processed", "Held", "Dead")


class Site:
	"""The site in-process for setup (frappe), and plain connections for counting: any thread, and
	each query on a fresh connection, so an outage costs a retry, not the drill."""

	def __init__(self, bench: Path, site: str):
		os.chdir(bench / "sites")
		import frappe

		self.frappe = frappe
		frappe.init(site=site, sites_path=".")
		frappe.connect()
		frappe.set_user("Administrator")
		conf = frappe.conf
		self.db = {
			"host": conf.db_host or "127.0.0.1",
			"port": int(conf.db_port or 3306),
			"user": conf.db_name,
			"password": conf.db_password,
			"database": conf.db_name,
		}

	def sql(self, query, values=None):
		import pymysql

		for _ in range(60):
			try:
				connection = pymysql.connect(**self.db, connect_timeout=3)
			except pymysql.MySQLError:
				time.sleep(2)
				continue
			with connection, connection.cursor() as cursor:
				cursor.execute(query, values)
				return cursor.fetchall()
		raise RuntimeError("the database did not come back")


def prepare(site: Site, fake_stripe, invoices: int, sku: str) -> list[tuple[str, dict]]:
	frappe = site.frappe
	from erp_connectors.connectors.bench_fixtures import before_tests
	from erp_connectors.shopify_connector.bench_fixtures import ensure_items, ensure_store
	from erp_connectors.stripe_connector import checkout
	from erp_connectors.stripe_connector.bench_fixtures import ensure_stripe_account, make_invoice

	before_tests()
	ensure_store()
	ensure_items([sku])
	ensure_stripe_account(fake_stripe)
	frappe.db.set_single_value("System Settings", "enable_scheduler", 1)
	# Frappe runs scheduled jobs once a day on a site nobody has used (no Activity Log): the drill's
	# site is in use, as production is.
	frappe.get_doc(
		{
			"doctype": "Activity Log",
			"subject": "fault drill",
			"operation": "Login",
			"status": "Success",
			"user": "Administrator",
		}
	).insert(ignore_permissions=True)
	frappe.db.commit()
	payments = []
	for _ in range(invoices):
		invoice = make_invoice(round(random.uniform(20, 200), 2))
		session = checkout.create_checkout("Sales Invoice", invoice)
		payments.append((invoice, fake_stripe.pay_checkout_session(session["session_id"])))
	frappe.db.commit()
	return payments


class Sender:
	"""Delivers like Shopify and Stripe: until answered 2xx, backing off, the same delivery id each time."""

	def __init__(self, base: str, site: str):
		self.base, self.host = base, {"Host": site}
		self.session = requests.Session()
		self.session.mount("http://", requests.adapters.HTTPAdapter(pool_connections=32, pool_maxsize=32))
		self.statuses = collections.Counter()
		self.samples: dict = {}  # one answer body per status, to show what a sender sees
		self.acknowledged: list[tuple[str, str]] = []  # (source, remote event id) answered 2xx
		self.lock = threading.Lock()

	def deliver(self, source: str, event_id: str, path: str, body: bytes, headers: dict):
		delay = 0.5
		while True:
			try:
				response = self.session.post(
					self.base + path, data=body, headers={**headers, **self.host}, timeout=30
				)
				status = response.status_code
				self.samples.setdefault(status, (response.headers.get("Retry-After"), response.text[:100]))
			except requests.RequestException:
				status = "no answer"
			with self.lock:
				self.statuses[status] += 1
				if isinstance(status, int) and 200 <= status < 300:
					self.acknowledged.append((source, event_id))
					return
			time.sleep(delay + random.random() * delay)
			delay = min(delay * 2, 8)


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--bench", required=True, type=Path)
	parser.add_argument("--site", required=True)
	parser.add_argument("--port", type=int, default=8100)
	parser.add_argument("--orders", type=int, default=300)
	parser.add_argument("--invoices", type=int, default=60)
	parser.add_argument("--db-stop", required=True)
	parser.add_argument("--db-start", required=True)
	parser.add_argument("--redis-stop", required=True)
	parser.add_argument("--redis-start", required=True)
	parser.add_argument("--window", type=float, default=110, help="seconds over which deliveries are spread")
	parser.add_argument("--settle-timeout", type=float, default=900)
	args = parser.parse_args()

	from erp_connectors.shopify_connector.bench_fixtures import SECRET, SHOP
	from erp_connectors.stripe_connector.bench_fixtures import ACCOUNT
	from erp_connectors.stripe_connector.bench_fixtures import SECRET as STRIPE_SECRET
	from erp_connectors.testing.fake_stripe import FakeStripe, signed_event
	from erp_connectors.testing.shopify_webhooks import signed_headers

	template = json.loads(
		(
			Path(__file__).resolve().parents[1]
			/ "tests/data/shopify_webhook_orders_create_2026-04_docs_sample.json"
		).read_text()
	)
	first_id = 8_000_000_000_000_000 + int(time.time()) % 10**9 * 1000
	site = Site(args.bench, args.site)
	fake = FakeStripe().start()
	print(f"preparing {args.invoices} invoices with Stripe checkout sessions ...", flush=True)
	payments = prepare(site, fake, args.invoices, "DRILL-SKU")
	site.frappe.db.commit()
	site.frappe.destroy()

	stack = Stack(args.bench, args.site, args.port)
	stack.start()
	base = f"http://127.0.0.1:{args.port}"
	for _ in range(60):
		try:
			if requests.get(base + "/api/method/ping", headers={"Host": args.site}, timeout=2).ok:
				break
		except requests.RequestException:
			time.sleep(1)
	sender = Sender(base, args.site)
	deliveries = []
	for index in range(args.orders):
		order = make_order(template, index, "DRILL-SKU", first_id)
		body = json.dumps(order).encode()
		webhook_id = str(uuid.uuid4())
		headers = signed_headers(body, SECRET, SHOP, "orders/create", webhook_id, event_id=webhook_id)
		deliveries += [("Shopify", webhook_id, SHOPIFY_PATH, body, headers)] * 2
	for _, event in payments:
		body, headers = signed_event(event, STRIPE_SECRET)
		deliveries += [("Stripe", event["id"], f"{STRIPE_PATH}?account={ACCOUNT}", body, headers)] * 2
	random.shuffle(deliveries)

	timeline = []

	def mark(what):
		timeline.append((round(time.time() - started, 1), what))
		print(f"  {timeline[-1][0]:6.1f} s  {what}", flush=True)

	def faults():
		time.sleep(8)
		for _ in range(120):  # a worker that holds an event
			if site.sql("select count(*) from `tabConnector Event` where status='Processing'")[0][0]:
				break
			time.sleep(0.25)
		stack.kill("worker-1")
		mark("worker-1 killed (SIGKILL) while an event was Processing")
		time.sleep(15)
		subprocess.run(args.db_stop, shell=True, capture_output=True)
		mark("MariaDB stopped")
		time.sleep(10)
		subprocess.Popen(
			args.db_start,
			shell=True,
			start_new_session=True,
			stdout=subprocess.DEVNULL,
			stderr=subprocess.DEVNULL,
		)
		mark("MariaDB starting")
		time.sleep(20)
		subprocess.run(args.redis_stop, shell=True, capture_output=True)
		mark("Redis stopped")
		time.sleep(30)
		subprocess.run(args.redis_start, shell=True, capture_output=True)
		mark("Redis started")
		time.sleep(10)
		for kind, options in (
			("status", {"status": 429, "retry_after": 1}),
			("status", {"status": 503}),
			("reset", {}),
		):
			fake.inject(kind, times=10, **options)
		mark("fake Stripe: 10 x 429, 10 x 503, 10 connection resets queued")

	started = time.time()
	fault_thread = threading.Thread(target=faults)
	fault_thread.start()

	# Spread over the fault window, so every fault meets traffic.
	spacing = args.window / len(deliveries)

	def paced(indexed):
		index, delivery = indexed
		time.sleep(max(0.0, started + index * spacing - time.time()))
		sender.deliver(*delivery)

	with ThreadPoolExecutor(32) as pool:
		list(pool.map(paced, enumerate(deliveries)))
	mark(f"all {len(deliveries)} deliveries acknowledged")
	fault_thread.join()
	faults_over = time.time()

	webhook_ids = [d[1] for d in deliveries if d[0] == "Shopify"]
	stripe_ids = [event["id"] for _, event in payments]
	ours = tuple(set(webhook_ids + stripe_ids))
	while time.time() - faults_over < args.settle_timeout:
		(settled,) = site.sql(
			"select count(*) from `tabConnector Event` where remote_event_id in %s and status in %s",
			(ours, TERMINAL),
		)[0]
		if settled >= len(ours):
			break
		time.sleep(5)
	recovered = time.time() - faults_over

	statuses = dict(
		site.sql(
			"select status, count(*) from `tabConnector Event` where remote_event_id in %s group by status",
			(ours,),
		)
	)
	stored = set(
		r[0]
		for r in site.sql(
			"select remote_event_id from `tabConnector Event` where remote_event_id in %s", (ours,)
		)
	)
	orders = site.sql(
		"select po_no, count(*) from `tabSales Order` where docstatus=1 and po_no like %s group by po_no",
		(f"#B{first_id}-%",),
	)
	intents = [event["data"]["object"]["payment_intent"] for _, event in payments]
	entries = site.sql(
		"select reference_no, count(*) from `tabPayment Entry` where docstatus=1 and payment_type='Receive' "
		"and reference_no in %s group by reference_no",
		(tuple(intents),),
	)
	acked_not_stored = {eid for _, eid in sender.acknowledged} - stored
	stack.stop()
	fake.stop()

	rows = [
		(
			"Shopify orders",
			args.orders,
			len(set(webhook_ids) & stored),
			len(orders),
			args.orders - len(orders),
			sum(n - 1 for _, n in orders),
		),
		(
			"Stripe payments",
			args.invoices,
			len(set(stripe_ids) & stored),
			len(entries),
			args.invoices - len(entries),
			sum(n - 1 for _, n in entries),
		),
	]
	print("\nfault timeline (s since start):")
	for at, what in timeline:
		print(f"  {at:6.1f}  {what}")
	print(f"\nHTTP answers to deliveries: {dict(sender.statuses)}")
	for status, (retry_after, text) in sender.samples.items():
		print(f"  {status}: Retry-After {retry_after}, body {text!r}")
	print(f"process restarts by the supervisor: {dict(stack.restarts)}")
	print(f"\n{'':16} {'sent':>6} {'stored':>7} {'posted':>7} {'lost':>5} {'doubled':>8}")
	for name, sent, stored_n, posted, lost, doubled in rows:
		print(f"{name:16} {sent:>6} {stored_n:>7} {posted:>7} {lost:>5} {doubled:>8}")
	print(f"\nevents by status: {statuses}")
	print(f"acknowledged (2xx) but not stored: {len(acked_not_stored)}")
	print(f"all settled {recovered:.0f} s after the last fault ended (target: within 120 s)")
	failed = any(row[4] or row[5] for row in rows) or acked_not_stored or recovered > 120
	sys.exit(1 if failed else 0)


if __name__ == "__main__":
	main()
