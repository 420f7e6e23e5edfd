"""Posting one Shopify Payments payout of 5,000 balance transactions, against the same Journal Entry built
by hand with ERPNext's own API, in the same run, on the same site.

Ours (what the payout event runs): read the payout's balance transactions from a fake Shopify (paged
GraphQL through the rate budget, at the given plan's restore rate), class them and look up the orders
and payments they settle, then post one Journal Entry equal to the deposit, bind it to the payout id
and record every transaction (Connector Payout). By hand: `frappe.get_doc(<the same entry>).insert()`
and `.submit()`, nothing else. Database queries are counted by wrapping `frappe.db.sql`, which every
query of Frappe and ERPNext goes through.

The payout: 4,400 charges, 450 refunds, 10 chargebacks and 140 other adjustments. The orders and
payments they settle are bound (Connector Links, inserted in bulk) to one placeholder document: the
posting reads only the links. Everything the run writes is rolled back at the end, except the ledger
accounts it needs (the bench tests' own).

    cd <bench>/sites && ../env/bin/python <app>/benchmarks/payout_posting.py --site <site> \
        [--transactions 5000] [--restore-rate 1000]
"""

import argparse
import random
import time
from decimal import Decimal

import frappe

from erp_connectors.connectors.bench_fixtures import ensure_accounts
from erp_connectors.connectors.budget import budget_for
from erp_connectors.connectors.frappe_gateway import FrappeGateway, _plain
from erp_connectors.connectors.gateway import AccountRef
from erp_connectors.connectors.payouts import journal_entry, post_payout
from erp_connectors.connectors.sources import SyncContext
from erp_connectors.shopify_connector.graphql_client import ShopifyGraphQL
from erp_connectors.shopify_connector.payouts import build_payout, flag_disputes, payout_transactions
from erp_connectors.testing.fake_shopify_admin import FakeShopifyAdmin

STORE = AccountRef("Shopify Store", "payout-bench.myshopify.com")
ACCOUNTS = {
	"clearing": ("Shopify Payments Clearing", "Bank Accounts", "Bank"),
	"bank": ("Shopify Payout Bank", "Bank Accounts", "Bank"),
	"fees": ("Shopify Payments Fees", "Indirect Expenses", ""),
	"chargebacks": ("Shopify Chargebacks", "Current Assets", ""),
	"adjustments": ("Shopify Payout Adjustments", "Current Assets", ""),
}
OTHER_TYPES = ("ADJUSTMENT", "SHIPPING_LABEL", "RESERVED_FUNDS", "RESERVED_FUNDS_REVERSAL", "CHARGEBACK_FEE")


class Counter:
	def __init__(self):
		self.queries = 0
		self.original = frappe.db.sql

	def __enter__(self):
		def counted(*args, **kwargs):
			self.queries += 1
			return self.original(*args, **kwargs)

		frappe.db.sql = counted
		self.started = time.perf_counter()
		return self

	def __exit__(self, *exc):
		self.seconds = time.perf_counter() - self.started
		frappe.db.sql = self.original


def settings(company: str) -> dict:
	account = {key: f"{value[0]} - TC" for key, value in ACCOUNTS.items()}
	return {
		"store_name": STORE.name,
		"company": company,
		"company_currency": "USD",
		"time_zone": "UTC",
		"cost_center": "Main - TC",
		"gateways": {"shopify_payments": {"account": account["clearing"], "mode_of_payment": None}},
		"payout_bank_account": account["bank"],
		"payout_fee_account": account["fees"],
		"payout_dispute_account": account["chargebacks"],
		"payout_reserve_account": account["adjustments"],
		"payout_adjustment_account": account["adjustments"],
	}


def shop_with_a_payout(fake, count: int):
	"""The fake's balance transactions for one payout, and what our books bind them to."""
	rng = random.Random(7)
	charges, refunds, disputes = int(count * 0.88), int(count * 0.09), 10
	orders, payments = [], []
	for index in range(charges):
		order = {"id": 10_000_000 + index, "name": f"#B{index}", "currency": "USD"}
		amount = Decimal(rng.randrange(500, 40000)) / 100
		fee = (amount * Decimal("0.029") + Decimal("0.30")).quantize(Decimal("0.01"))
		source = 900_000_000 + index
		fake.balance(order, "CHARGE", amount, fee, source)
		orders.append(order)
		payments.append(source)
	for index in range(refunds):
		source = 800_000_000 + index
		fake.balance(orders[index], "REFUND", -Decimal(rng.randrange(100, 2000)) / 100, 0, source)
		payments.append(source)
	for index in range(disputes):
		fake.balance(orders[refunds + index], "DISPUTE_WITHDRAWAL", Decimal("-25.00"), Decimal("15.00"))
	for index in range(count - charges - refunds - disputes):
		amount = Decimal(rng.choice([-1, 1]) * rng.randrange(100, 5000)) / 100
		fake.balance(None, OTHER_TYPES[index % len(OTHER_TYPES)], amount, 0, reason=f"bench {index}")
	return fake.pay_out(), orders, payments


def bind_books(orders, payments, company: str):
	"""The store, and Connector Links for every order and payment to one placeholder (bulk insert)."""
	frappe.get_doc(
		{
			"doctype": "Shopify Store",
			"shop_domain": STORE.name,
			"access_token": "shpat_payout_benchmark",
			"company": company,
			"default_warehouse": "Stores - TC",
			"price_list": "Standard Selling",
			"customer_group": "Individual",
			"shipping_as": "Charge",
			"shipping_account": "Freight and Forwarding Charges - TC",
		}
	).insert(ignore_permissions=True)
	placeholder = frappe.get_doc({"doctype": "ToDo", "description": "payout benchmark placeholder"}).insert()
	now = frappe.utils.now()
	rows = [
		(frappe.generate_hash(length=12), now, now, "Administrator", "Administrator", 0)
		+ (STORE.doctype, STORE.name, kind, str(remote_id), "ToDo", placeholder.name)
		for kind, ids in (("order", [o["id"] for o in orders]), ("transaction", payments))
		for remote_id in ids
	]
	frappe.db.bulk_insert(
		"Connector Link",
		["name", "creation", "modified", "owner", "modified_by", "docstatus"]
		+ ["account_doctype", "account", "remote_type", "remote_id", "reference_doctype", "reference_name"],
		rows,
		chunk_size=2000,
	)


def warm_up(ctx, node, transactions):
	"""Both paths once on a small payout first, so neither pays the process's first imports and caches."""
	small = transactions[:20]
	net = sum((Decimal(t["net"]["amount"]) for t in small), Decimal(0))
	sample = {
		**node,
		"legacyResourceId": f"{node['legacyResourceId']}0",
		"net": {**node["net"], "amount": str(net)},
	}
	sample["transactionType"] = "DEPOSIT" if net >= 0 else "WITHDRAWAL"
	sample["net"]["amount"] = str(abs(net))
	payout = build_payout(ctx, sample, small)
	post_payout(ctx.gateway, payout)
	entry = frappe.get_doc(_plain({**journal_entry(payout), "cheque_no": "warm-up"}))
	entry.insert()
	entry.submit()


def main():
	parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--transactions", type=int, default=5000)
	parser.add_argument(
		"--restore-rate", type=float, default=1000.0, help="points/s: 100 Standard, 1000 Plus"
	)
	parser.add_argument("--company", default="Test Company")
	args = parser.parse_args()

	frappe.init(site=args.site)
	frappe.connect()
	frappe.set_user("Administrator")
	ensure_accounts(ACCOUNTS.values(), args.company)
	frappe.db.commit()
	bucket = max(1000.0, args.restore_rate * 2)
	with FakeShopifyAdmin(maximum=bucket, restore_rate=args.restore_rate) as fake:
		node, orders, payments = shop_with_a_payout(fake, args.transactions)
		budget = budget_for("Payout Benchmark", frappe.generate_hash(length=8), bucket, args.restore_rate)
		client = ShopifyGraphQL(STORE.name, fake.token, base_url=fake.url, budget=budget)
		started = time.perf_counter()
		transactions = payout_transactions(client, node["legacyResourceId"])
		fetch_seconds = time.perf_counter() - started
		pages = sum(1 for r in fake.requests if r.path.endswith("graphql.json"))  # throttled ones included
		points = fake.points_spent
	assert len(transactions) == args.transactions

	try:
		bind_books(orders, payments, args.company)
		ctx = SyncContext(account=STORE, settings=settings(args.company), gateway=FrappeGateway())
		warm_up(ctx, node, transactions)
		with Counter() as ours:
			payout = build_payout(ctx, node, transactions)
			flag_disputes(ctx, payout)
			posted = post_payout(ctx.gateway, payout)
		ours_entry = frappe.get_doc(*posted)
		record = frappe.get_doc("Connector Payout", {"payout_id": payout.payout_id})
		assert len(record.transactions) == args.transactions
		assert ours_entry.accounts[0].debit == float(payout.net)

		by_hand_doc = {**journal_entry(payout), "cheque_no": f"{payout.payout_id}-by-hand"}
		with Counter() as by_hand:
			entry = frappe.get_doc(_plain(by_hand_doc))
			entry.insert()
			entry.submit()
		same = [(r.account, r.debit, r.credit) for r in ours_entry.accounts] == [
			(r.account, r.debit, r.credit) for r in entry.accounts
		]
	finally:
		frappe.db.rollback()

	count = args.transactions
	print(
		f"payout of {count} balance transactions, deposit USD {payout.net}, {len(ours_entry.accounts)} entry lines"
	)
	print(
		f"fetch (fake Shopify, restore {args.restore_rate:.0f} pts/s): {fetch_seconds:.1f} s, {pages} requests, "
		f"{points:.0f} points"
	)
	print(
		f"ours, post:   {ours.seconds:.2f} s, {ours.queries} queries, "
		f"{ours.queries / count:.3f} queries per transaction"
	)
	print(
		f"by hand, post: {by_hand.seconds:.2f} s, {by_hand.queries} queries, {by_hand.queries / count:.3f} per transaction"
	)
	print(
		f"same entry lines: {same}; extra over by hand: {ours.queries - by_hand.queries} queries, {ours.seconds - by_hand.seconds:.2f} s"
	)


if __name__ == "__main__":
	main()
