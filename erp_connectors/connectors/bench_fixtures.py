"""Fixtures for the bench suite (FrappeTestCase); never used in production paths."""

import atexit
import json
import threading
from contextlib import contextmanager

import frappe
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from erp_connectors.connectors.frappe_gateway import FrappeGateway
from erp_connectors.connectors.gateway import AccountRef
from erp_connectors.connectors.registry import ConnectorBinding
from erp_connectors.connectors.sources import SyncContext
from erp_connectors.testing.hmac_source import HmacTestSource, sign

TEST_ACCOUNT = "connector-test@example.com"
TEST_SECRET = "whsec_test_6f1d2c9a8b7e"
SOURCE = HmacTestSource("User", "api_secret")


def create_todo(context, payload):
	todo = frappe.get_doc({"doctype": "ToDo", "description": f"connector test {payload['id']}"}).insert()
	return ("ToDo", todo.name)


def build_context(account: str) -> SyncContext:
	return SyncContext(
		account=AccountRef("User", account),
		settings={},
		gateway=FrappeGateway(),
		extra={"on_ok": create_todo},
	)


BINDING = ConnectorBinding(source=SOURCE, build_context=build_context)
HOOK = {"connector_sources": {"Test Source": "erp_connectors.connectors.bench_fixtures.BINDING"}}


def ensure_test_account():
	if not frappe.db.exists("User", TEST_ACCOUNT):
		user = frappe.get_doc(
			{
				"doctype": "User",
				"email": TEST_ACCOUNT,
				"first_name": "Connector Test",
				"send_welcome_email": 0,
			}
		)
		user.insert(ignore_permissions=True)
	user = frappe.get_doc("User", TEST_ACCOUNT)
	user.api_key = user.api_key or frappe.generate_hash(length=15)
	user.api_secret = TEST_SECRET
	user.save(ignore_permissions=True)
	frappe.db.commit()


@contextmanager
def webhook_request(
	payload, *, secret=TEST_SECRET, account=TEST_ACCOUNT, raw: bytes | None = None, headers=None
):
	body = raw if raw is not None else json.dumps(payload).encode()
	all_headers = {**sign(body, secret), **(headers or {})}
	environ = EnvironBuilder(
		method="POST",
		path="/api/method/test",
		data=body,
		headers=all_headers,
		query_string={"account": account} if account else None,
	).get_environ()
	previous = getattr(frappe.local, "request", None)
	frappe.local.request = Request(environ)
	try:
		yield
	finally:
		frappe.local.request = previous


def race(work, arguments: list[tuple]) -> list:
	"""Run work(*args) for every args at the same moment, each in its own thread with its own site
	connection, as racing workers would. Returns their results; a worker's exception is raised here
	once all have finished."""
	site = frappe.local.site
	barrier = threading.Barrier(len(arguments))
	results, errors = [], []

	def run(args):
		frappe.init(site=site)
		frappe.connect()
		try:
			barrier.wait()
			results.append(work(*args))
		except BaseException as error:
			errors.append(error)
		finally:
			frappe.destroy()

	threads = [threading.Thread(target=run, args=(args,)) for args in arguments]
	for thread in threads:
		thread.start()
	for thread in threads:
		thread.join()
	if errors:
		raise errors[0]
	return results


def set_connector_settings(**values) -> dict:
	"""Save these Connector Settings fields and commit (requests and workers read them in their own
	transactions); returns the values they replaced, to pass back when done."""
	settings = frappe.get_single("Connector Settings")
	previous = {field: settings.get(field) for field in values}
	settings.update(values)
	settings.save(ignore_permissions=True)
	frappe.db.commit()
	return previous


DRAIN = "erp_connectors.connectors.processing.drain"


def queued_drains() -> list[int]:
	"""The shards of this site's drain jobs waiting in the queue, one entry per job."""
	return [job.kwargs["kwargs"]["shard"] for job in queued_jobs(job_name=DRAIN)]


def forget_drains():
	"""As after a Redis restart: no drain queued and no shard signalled (no worker runs in tests)."""
	remove_queued_jobs(job_name=DRAIN)
	clear_drain_signals()


def clear_drain_signals():
	"""Unset every shard's drain signal. A signal whose drain job was removed would keep its shard's
	events from enqueueing another until it expires."""
	from frappe.utils.background_jobs import get_redis_conn

	from erp_connectors.connectors import processing

	get_redis_conn().delete(*(processing.signal_key(shard) for shard in range(processing.DRAIN_SHARDS)))


def delete_test_events():
	frappe.db.delete("Connector Event", {"source": SOURCE.name})
	frappe.db.delete("ToDo", {"description": ("like", "connector test %")})
	frappe.db.commit()


# The companies the bench suite books into, made here when the site's setup wizard named another.
TEST_COMPANIES = (("Test Company", "TC"), ("Wind Power LLC", "WP"))


def before_tests():
	"""`before_tests` hook: what the suite needs on any site straight after install-app."""
	if not frappe.db.a_row_exists("Company"):
		from erpnext.setup.utils import before_tests as complete_setup

		complete_setup()  # ERPNext's own: the setup wizard, as its test suite runs it
	for name, abbr in TEST_COMPANIES:
		ensure_company(name, abbr)
	# ERPNext adds a price list rate for any order at a rate the list lacks; the suite's prices are its own.
	frappe.db.set_single_value("Stock Settings", "auto_insert_price_list_rate_if_missing", 0)
	frappe.db.commit()
	remove_queued_jobs()
	clear_drain_signals()  # their drains just went
	# The jobs the run itself leaves queued go when the test process ends (frappe is gone by then,
	# so the queues are bound now).
	atexit.register(remove_queued_jobs, frappe.local.site, None, _queues())


def ensure_company(name: str, abbr: str):
	if frappe.db.exists("Company", name):
		return
	frappe.get_doc(
		{
			"doctype": "Company",
			"company_name": name,
			"abbr": abbr,
			"default_currency": "USD",
			"country": "United States",
			"create_chart_of_accounts_based_on": "Standard Template",
			"chart_of_accounts": "Standard",
		}
	).insert(ignore_permissions=True)


def ensure_item(code: str, **fields):
	"""An Item named by its code, a stock item in Products counted in Nos unless `fields` say otherwise,
	made once."""
	if not frappe.db.exists("Item", code):
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": code,
				"item_name": code,
				"item_group": "Products",
				"stock_uom": "Nos",
				"is_stock_item": 1,
				**fields,
			}
		).insert(ignore_permissions=True)


def ensure_customer(name: str, **fields) -> str:
	"""A Customer of that name (Commercial, All Territories unless `fields` say otherwise), made once."""
	if not frappe.db.exists("Customer", name):
		frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": name,
				"customer_group": "Commercial",
				"territory": "All Territories",
				**fields,
			}
		).insert(ignore_permissions=True)
	return name


def ensure_accounts(rows, company: str = "Test Company"):
	"""Ledger accounts of the company's chart, each (name, parent account, account type), made once."""
	abbr = frappe.get_cached_value("Company", company, "abbr")
	for name, parent, account_type in rows:
		if not frappe.db.exists("Account", f"{name} - {abbr}"):
			frappe.get_doc(
				{
					"doctype": "Account",
					"account_name": name,
					"parent_account": f"{parent} - {abbr}",
					"company": company,
					"account_type": account_type,
				}
			).insert(ignore_permissions=True)


def remove_queued_jobs(site: str | None = None, job_name: str | None = None, queues=None) -> int:
	"""Delete this site's queued jobs (of one method, if given), so a worker started later never runs
	a test's job against a fake that is gone, and no test counts another's."""
	jobs = list(queued_jobs(site, job_name, queues))
	for job in jobs:
		job.delete()
	return len(jobs)


def queued_jobs(site: str | None = None, job_name: str | None = None, queues=None):
	"""This site's queued jobs (of one method, if given)."""
	site = site or frappe.local.site
	for queue in queues or _queues():
		for job in queue.jobs:
			kwargs = job.kwargs or {}
			if kwargs.get("site") == site and (job_name is None or kwargs.get("job_name") == job_name):
				yield job


def _queues():
	from frappe.utils.background_jobs import get_queue, get_queue_list

	return [get_queue(name) for name in get_queue_list()]
