"""Account Health: one row per connected account (Shopify Store, Stripe Account, Carrier Account):
when it last received a webhook and last had a call answered, its backlog (queued and failed
events), held and dead events, its last error, and its connection's state, with a red, orange or
green verdict and the reasons for it (connectors.health).

It reads Connector Event, Connector Call Log and the account records only; it calls no remote
service. Each figure is one indexed query per account, so it stays quick on a busy site.
"""

from collections import defaultdict
from datetime import datetime, timezone

import frappe
from frappe import _
from frappe.utils import now_datetime

from erp_connectors.connectors.health import GREEN, LABELS, ORANGE, RED, Figures, assess
from erp_connectors.connectors.registry import get_binding

OPEN_STATES = ("Queued", "Processing", "Failed", "Held", "Dead")
ERROR_LENGTH = 300


def execute(filters=None):
	filters = frappe._dict(filters or {})
	return columns(), rows(filters)


def columns() -> list[dict]:
	return [
		{"fieldname": "health", "label": _("Health"), "fieldtype": "Data", "width": 110},
		{
			"fieldname": "account_doctype",
			"label": _("Account Type"),
			"fieldtype": "Link",
			"options": "DocType",
			"width": 120,
		},
		{
			"fieldname": "account",
			"label": _("Account"),
			"fieldtype": "Dynamic Link",
			"options": "account_doctype",
			"width": 210,
		},
		{"fieldname": "reasons", "label": _("Why"), "fieldtype": "Data", "width": 300},
		{"fieldname": "last_webhook", "label": _("Last Webhook"), "fieldtype": "Datetime", "width": 155},
		{
			"fieldname": "last_ok_call",
			"label": _("Last Successful Call"),
			"fieldtype": "Datetime",
			"width": 155,
		},
		{"fieldname": "backlog", "label": _("Backlog"), "fieldtype": "Int", "width": 80},
		{"fieldname": "held", "label": _("Held"), "fieldtype": "Int", "width": 70},
		{"fieldname": "dead", "label": _("Dead"), "fieldtype": "Int", "width": 70},
		{"fieldname": "connection", "label": _("Connection"), "fieldtype": "Data", "width": 260},
		{"fieldname": "last_error", "label": _("Last Error"), "fieldtype": "Data", "width": 300},
		{"fieldname": "last_error_at", "label": _("Last Error At"), "fieldtype": "Datetime", "width": 155},
		{
			"fieldname": "company",
			"label": _("Company"),
			"fieldtype": "Link",
			"options": "Company",
			"width": 130,
		},
		{"fieldname": "health_level", "label": _("Level"), "fieldtype": "Data", "hidden": 1},
	]


def account_doctypes() -> list[str]:
	found = []
	for name in frappe.get_hooks("connector_sources") or {}:
		doctype = get_binding(name).source.account_doctype
		if doctype not in found and frappe.db.exists("DocType", doctype):
			found.append(doctype)
	return found


def rows(filters) -> list[dict]:
	doctypes = [filters.account_doctype] if filters.get("account_doctype") else account_doctypes()
	counts = event_counts()
	now, utc_now = now_datetime(), datetime.now(timezone.utc).replace(tzinfo=None)
	out = []
	for doctype in doctypes:
		meta = frappe.get_meta(doctype)
		fields = ["name"] + [f for f in ("enabled", "company") if meta.has_field(f)]
		record_filters = (
			{} if filters.get("show_disabled") or not meta.has_field("enabled") else {"enabled": 1}
		)
		for record in frappe.get_all(doctype, filters=record_filters, fields=fields, order_by="name"):
			out.append(account_row(doctype, record, counts.get((doctype, record.name), {}), now, utc_now))
	return out


def event_counts() -> dict:
	"""(account doctype, account) -> {status: (count, oldest received_at)} for unfinished events."""
	found = defaultdict(dict)
	for row in frappe.db.sql(
		"""select account_doctype, account, status, count(*) as n, min(received_at) as oldest
		from `tabConnector Event` where status in %s group by account_doctype, account, status""",
		(OPEN_STATES,),
		as_dict=True,
	):
		found[(row.account_doctype, row.account)][row.status] = (row.n, row.oldest)
	return found


def account_row(doctype: str, record, counts: dict, now: datetime, utc_now: datetime) -> dict:
	count = {status: counts.get(status, (0, None))[0] for status in OPEN_STATES}
	backlog_oldest = [counts[s][1] for s in ("Queued", "Failed") if s in counts and counts[s][1]]
	last_call = latest_call(doctype, record.name)
	token_level, token_text = connection(doctype, record.name, utc_now)
	figures = Figures(
		enabled=bool(record.get("enabled", 1)),
		queued=count["Queued"] + count["Processing"],
		failed=count["Failed"],
		held=count["Held"],
		dead=count["Dead"],
		oldest_backlog=min(backlog_oldest) if backlog_oldest else None,
		last_call_status=last_call.status_code if last_call else None,
		token_level=token_level,
		token_text=token_text,
	)
	level, reasons = assess(figures, now)
	error, error_at = last_error(doctype, record.name, last_call)
	return {
		"health": _(LABELS[level]),
		"health_level": level,
		"account_doctype": doctype,
		"account": record.name,
		"company": record.get("company"),
		"last_webhook": last_webhook(doctype, record.name),
		"last_ok_call": last_ok_call(doctype, record.name),
		"backlog": figures.backlog,
		"held": figures.held,
		"dead": figures.dead,
		"connection": token_text,
		"last_error": error,
		"last_error_at": error_at,
		"reasons": "; ".join(reasons),
	}


def last_webhook(doctype: str, account: str):
	found = frappe.db.sql(
		"""select received_at from `tabConnector Event`
		where account=%s and origin='Webhook' and account_doctype=%s order by received_at desc limit 1""",
		(account, doctype),
	)
	return found[0][0] if found else None


def latest_call(doctype: str, account: str):
	found = frappe.db.sql(
		"""select creation, status_code, error from `tabConnector Call Log`
		where account=%s and account_doctype=%s order by creation desc limit 1""",
		(account, doctype),
		as_dict=True,
	)
	return found[0] if found else None


def last_ok_call(doctype: str, account: str):
	found = frappe.db.sql(
		"""select creation from `tabConnector Call Log`
		where account=%s and account_doctype=%s and status_code between 200 and 299
		order by creation desc limit 1""",
		(account, doctype),
	)
	return found[0][0] if found else None


def last_error(doctype: str, account: str, last_call) -> tuple[str | None, datetime | None]:
	"""The newest of: the last held, failed or dead event's error, and the last call if it failed."""
	candidates = []
	event = frappe.db.sql(
		"""select last_error, modified from `tabConnector Event`
		where status in ('Failed', 'Held', 'Dead') and account=%s and account_doctype=%s
		order by modified desc limit 1""",
		(account, doctype),
		as_dict=True,
	)
	if event and event[0].last_error:
		candidates.append((event[0].modified, event[0].last_error))
	if last_call and (last_call.status_code == 0 or last_call.status_code >= 400):
		candidates.append(
			(last_call.creation, last_call.error or _("HTTP {0}").format(last_call.status_code))
		)
	if not candidates:
		return None, None
	at, text = max(candidates, key=lambda c: c[0])
	return text[:ERROR_LENGTH], at


def connection(doctype: str, account: str, utc_now: datetime) -> tuple[str, str]:
	"""(level, words) of the account's connection: its tokens or keys."""
	if doctype == "Shopify Store":
		from erp_connectors.shopify_connector.connection_state import connection_state

		store = frappe.db.get_value(
			doctype,
			account,
			["connection_method", "connection_status", "token_expires_at", "refresh_token_expires_at"],
			as_dict=True,
		)
		return connection_state(store, utc_now, has_password(doctype, account, "access_token"))
	if doctype == "Stripe Account":
		mode = frappe.db.get_value(doctype, account, "mode") or "Test"
		if not has_password(doctype, account, "secret_key"):
			return RED, _("{0} mode; no secret key").format(mode)
		if not has_password(doctype, account, "webhook_secret"):
			return ORANGE, _("{0} mode; no webhook signing secret: Register Webhook Endpoint").format(mode)
		return GREEN, _("{0} mode; keys set").format(mode)
	if doctype == "Carrier Account":
		provider, test = frappe.db.get_value(doctype, account, ["provider", "test_mode"])
		return GREEN, _("{0}, {1}").format(provider, _("test mode") if test else _("production"))
	return GREEN, ""


def has_password(doctype: str, name: str, fieldname: str) -> bool:
	"""Whether a Password field holds a secret, without decrypting it."""
	return bool(
		frappe.db.sql(
			"select 1 from `__Auth` where doctype=%s and name=%s and fieldname=%s and encrypted=1",
			(doctype, name, fieldname),
		)
	)
