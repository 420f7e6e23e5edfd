"""Payout Reconciliation: per store or Stripe account and period, each payout (gross, fees, refunds,
chargebacks, adjustments, net, its Journal Entry), the orders and refunds it settled, and what is left
in the clearing account for them, which is zero once a payout settled them. Payouts held with a
reason, and entries in the clearing accounts that no payout has settled yet, are listed too.

It reads what the payout sync recorded (Connector Payout) and the General Ledger; it calls no remote
service. ERPNext's report view exports it (Excel, CSV) and prints it.
"""

from collections import defaultdict

import frappe
from frappe import _
from frappe.utils import flt

PAYOUT_TOPICS = ("shopify_payments/payout", "payout.paid")
NOT_PAID_OUT = "not-paid-out"


def execute(filters=None):
	filters = frappe._dict(filters or {})
	if not filters.company:
		frappe.throw(_("Choose the company."))
	return columns(), rows(filters)


def columns() -> list[dict]:
	money = {"fieldtype": "Currency", "options": "currency", "width": 110}
	return [
		{"fieldname": "payout", "label": _("Payout / Transaction"), "fieldtype": "Data", "width": 230},
		{"fieldname": "posting_date", "label": _("Date"), "fieldtype": "Date", "width": 100},
		{"fieldname": "kind", "label": _("Kind"), "fieldtype": "Data", "width": 90},
		{"fieldname": "order", "label": _("Order / Charge"), "fieldtype": "Data", "width": 130},
		{"fieldname": "reference_doctype", "label": _("Booked By Type"), "fieldtype": "Data", "hidden": 1},
		{
			"fieldname": "reference_name",
			"label": _("Booked By"),
			"fieldtype": "Dynamic Link",
			"options": "reference_doctype",
			"width": 170,
		},
		{"fieldname": "gross", "label": _("Gross"), **money},
		{"fieldname": "fees", "label": _("Fees"), **money},
		{"fieldname": "refunds", "label": _("Refunds"), **money},
		{"fieldname": "chargebacks", "label": _("Chargebacks"), **money},
		{"fieldname": "adjustments", "label": _("Adjustments"), **money},
		{"fieldname": "net", "label": _("Net"), **money},
		{"fieldname": "left_in_clearing", "label": _("Left in Clearing"), **money},
		{
			"fieldname": "journal_entry",
			"label": _("Journal Entry"),
			"fieldtype": "Link",
			"options": "Journal Entry",
			"width": 160,
		},
		{"fieldname": "note", "label": _("Note"), "fieldtype": "Data", "width": 300},
		{
			"fieldname": "currency",
			"label": _("Currency"),
			"fieldtype": "Link",
			"options": "Currency",
			"hidden": 1,
		},
	]


def rows(filters) -> list[dict]:
	payouts = frappe.get_all(
		"Connector Payout",
		filters=_scope(filters, {"payout_date": ("between", [filters.from_date, filters.to_date])}),
		fields=["*"],
		order_by="payout_date asc, creation asc",
	)
	lines = _transactions([p.name for p in payouts])
	clearing = _clearing_by_voucher(payouts, lines)
	out = []
	for payout in payouts:
		children = [_transaction_row(payout, line, clearing) for line in lines.get(payout.name, [])]
		out.append(
			{
				"row_id": payout.name,
				"parent_row": None,
				"indent": 0,
				"payout": f"{payout.source} {payout.payout_id}",
				"posting_date": payout.payout_date,
				"kind": _("payout"),
				"gross": payout.charges,
				"fees": payout.fees,
				"refunds": payout.refunds,
				"chargebacks": payout.disputes,
				"adjustments": flt(payout.adjustments) + flt(payout.reserves),
				"net": payout.net,
				"left_in_clearing": flt(sum(flt(c["left_in_clearing"]) for c in children), 2),
				"journal_entry": payout.journal_entry,
				"note": _("{0} transactions; {1}").format(payout.transaction_count, payout.account),
				"currency": payout.currency,
			}
		)
		if filters.show_transactions:
			out += children
	out += _held(filters)
	out += _not_paid_out(filters, payouts)
	return out


def _scope(filters, extra: dict) -> dict:
	scope = {"company": filters.company, **extra}
	if filters.account_doctype:
		scope["account_doctype"] = filters.account_doctype
	if filters.account:
		scope["account"] = filters.account
	return scope


def _transactions(payout_names: list[str]) -> dict[str, list]:
	found = defaultdict(list)
	if payout_names:
		for row in frappe.get_all(
			"Connector Payout Transaction",
			filters={"parent": ("in", payout_names), "parenttype": "Connector Payout"},
			fields=["*"],
			order_by="idx asc",
		):
			found[row.parent].append(row)
	return found


def _clearing_by_voucher(payouts, lines) -> dict[tuple[str, str], float]:
	"""(clearing account, voucher) -> what the voucher booked to that clearing account."""
	accounts = {p.clearing_account for p in payouts if p.clearing_account}
	vouchers = {line.reference_name for rows in lines.values() for line in rows if line.reference_name}
	if not accounts or not vouchers:
		return {}
	booked = frappe.db.sql(
		"""select account, voucher_no, sum(debit - credit) from `tabGL Entry`
		where is_cancelled = 0 and account in %s and voucher_no in %s group by account, voucher_no""",
		(tuple(accounts), tuple(vouchers)),
	)
	return {(account, voucher): flt(amount, 2) for account, voucher, amount in booked}


def _transaction_row(payout, line, clearing) -> dict:
	"""A settled transaction, and what its own entry left in clearing after this payout cleared it."""
	cleared = flt(line.net if line.fee_booked else line.amount, 2)
	on_clearing = line.kind in ("charge", "refund") or line.fee_booked
	left = None
	if on_clearing and line.reference_name:
		left = flt(clearing.get((payout.clearing_account, line.reference_name), 0) - cleared, 2)
	fees = line.fee or None
	if line.kind == "fee":
		fees = flt(line.fee) - flt(line.amount)
	return {
		"row_id": f"{payout.name}:{line.idx}",
		"parent_row": payout.name,
		"indent": 1,
		"payout": line.transaction_id,
		"posting_date": payout.payout_date,
		"kind": line.kind,
		"order": line.order_name,
		"reference_doctype": line.reference_doctype,
		"reference_name": line.reference_name,
		"gross": line.amount if line.kind == "charge" else None,
		"fees": fees,
		"refunds": line.amount if line.kind == "refund" else None,
		"chargebacks": line.amount if line.kind == "dispute" else None,
		"adjustments": line.amount if line.kind in ("adjustment", "reserve") else None,
		"net": line.net,
		"left_in_clearing": left,
		"note": line.description or line.transaction_type,
		"currency": payout.currency,
	}


def _held(filters) -> list[dict]:
	"""Payouts the sync could not post, with the reason (Retry on the event posts them)."""
	scope = {"topic": ("in", PAYOUT_TOPICS), "status": ("in", ["Held", "Failed", "Dead"])}
	if filters.account_doctype:
		scope["account_doctype"] = filters.account_doctype
	if filters.account:
		scope["account"] = filters.account
	held = []
	for event in frappe.get_all(
		"Connector Event",
		filters=scope,
		fields=[
			"name",
			"account_doctype",
			"account",
			"remote_event_id",
			"status",
			"last_error",
			"occurred_at",
		],
		order_by="creation asc",
	):
		if frappe.db.get_value(event.account_doctype, event.account, "company") != filters.company:
			continue
		held.append(
			{
				"row_id": f"held:{event.name}",
				"parent_row": None,
				"indent": 0,
				"payout": event.remote_event_id,
				"posting_date": event.occurred_at and str(event.occurred_at)[:10],
				"kind": _("{0} payout").format(event.status.lower()),
				"reference_doctype": "Connector Event",
				"reference_name": event.name,
				"note": event.last_error,
			}
		)
	return held


def _not_paid_out(filters, payouts) -> list[dict]:
	"""Entries in the clearing accounts up to the end of the period that no payout has settled yet."""
	accounts = _clearing_accounts(filters) | {p.clearing_account for p in payouts if p.clearing_account}
	if not accounts:
		return []
	pending = frappe.db.sql(
		"""select gle.voucher_type, gle.voucher_no, gle.posting_date, gle.account,
			sum(gle.debit - gle.credit) amount
		from `tabGL Entry` gle
		where gle.is_cancelled = 0 and gle.company = %(company)s and gle.account in %(accounts)s
			and gle.posting_date <= %(to_date)s
			and not exists (select 1 from `tabConnector Payout` p where p.journal_entry = gle.voucher_no)
			and not exists (select 1 from `tabConnector Payout Transaction` t where t.reference_name = gle.voucher_no)
		group by gle.voucher_type, gle.voucher_no, gle.posting_date, gle.account
		having sum(gle.debit - gle.credit) != 0
		order by gle.posting_date, gle.voucher_no""",
		{"company": filters.company, "accounts": tuple(accounts), "to_date": filters.to_date},
		as_dict=True,
	)
	if not pending:
		return []
	rows = [
		{
			"row_id": NOT_PAID_OUT,
			"parent_row": None,
			"indent": 0,
			"payout": _("Not in a payout yet"),
			"kind": _("pending"),
			"left_in_clearing": flt(sum(flt(p.amount) for p in pending), 2),
			"note": _("{0} entries in {1}").format(len(pending), ", ".join(sorted(accounts))),
		}
	]
	rows += [
		{
			"row_id": f"{NOT_PAID_OUT}:{p.voucher_no}",
			"parent_row": NOT_PAID_OUT,
			"indent": 1,
			"payout": p.voucher_no,
			"posting_date": p.posting_date,
			"kind": _("in clearing"),
			"reference_doctype": p.voucher_type,
			"reference_name": p.voucher_no,
			"left_in_clearing": flt(p.amount, 2),
			"note": p.account,
		}
		for p in pending
	]
	return rows


def _clearing_accounts(filters) -> set[str]:
	"""The clearing accounts payouts empty: each store's Shopify Payments gateway account (or Payment
	Account), each Stripe Account's clearing account."""
	found = set()
	if filters.account_doctype in (None, "", "Shopify Store"):
		for store in frappe.get_all(
			"Shopify Store",
			filters={"company": filters.company, **({"name": filters.account} if filters.account else {})},
			fields=["name", "payment_account"],
		):
			gateway = frappe.db.get_value(
				"Shopify Store Gateway", {"parent": store.name, "gateway": "shopify_payments"}, "account"
			)
			found.add(gateway or store.payment_account)
	if filters.account_doctype in (None, "", "Stripe Account"):
		found |= set(
			frappe.get_all(
				"Stripe Account",
				filters={
					"company": filters.company,
					**({"name": filters.account} if filters.account else {}),
				},
				pluck="clearing_account",
			)
		)
	return {account for account in found if account}
