"""Money as an accountant closes the month, on real ERPNext: payments per gateway, gift cards, invoice at
fulfillment, and Shopify Payments payouts posted as one Journal Entry equal to the deposit.

Every webhook goes through the fake Shopify's `webhook()`, which refuses a payload Shopify's schema for
the topic does not allow; every GraphQL call the app makes is checked against the Admin schema."""

import json
import random
from decimal import Decimal

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import flt

from erp_connectors.connectors import processing
from erp_connectors.connectors.bench_fixtures import ensure_accounts, ensure_item, race, remove_queued_jobs
from erp_connectors.connectors.errors import AlreadyDone
from erp_connectors.shopify_connector import payouts_jobs
from erp_connectors.shopify_connector.bench_fixtures import (
	COMPANY,
	SAMPLE,
	SECRET,
	SHOP,
	ensure_store,
	sample_order,
)
from erp_connectors.shopify_connector.doctype.shopify_store.test_shopify_store import post
from erp_connectors.shopify_connector.integration import build_context
from erp_connectors.shopify_connector.payouts import PAYOUT_TOPIC, post_shopify_payout
from erp_connectors.testing.fake_shopify_admin import FakeShopifyAdmin

ACCOUNTS = {
	"clearing": ("Shopify Payments Clearing", "Bank Accounts", "Bank"),
	"cod": ("Cash on Delivery Clearing", "Bank Accounts", "Bank"),
	"gift_cards": ("Shopify Gift Cards", "Current Liabilities", ""),
	"bank": ("Shopify Payout Bank", "Bank Accounts", "Bank"),
	"fees": ("Shopify Payments Fees", "Indirect Expenses", ""),
	"chargebacks": ("Shopify Chargebacks", "Current Assets", ""),
	"adjustments": ("Shopify Payout Adjustments", "Current Assets", ""),
}
GIFT_CARD_ITEM = "Shopify Gift Card"
TOKEN = "shpat_bench_token_123456"


def account(key: str) -> str:
	return f"{ACCOUNTS[key][0]} - TC"


def ensure_books():
	ensure_accounts(ACCOUNTS.values(), COMPANY)
	for mode in ("Shopify Payments", "Gift Card", "Cash on Delivery"):
		if not frappe.db.exists("Mode of Payment", mode):
			frappe.get_doc({"doctype": "Mode of Payment", "mode_of_payment": mode, "type": "Bank"}).insert(
				ignore_permissions=True
			)
	ensure_item(GIFT_CARD_ITEM, item_group="Services", is_stock_item=0)


def payment_store(fake, **overrides):
	ensure_books()
	return ensure_store(
		base_url=fake.url,
		api_bucket_size=2000,
		api_restore_rate=1000,
		create_invoice=1,
		create_payment=1,
		gateways=[
			{
				"gateway": "shopify_payments",
				"mode_of_payment": "Shopify Payments",
				"account": account("clearing"),
			},
			{"gateway": "gift_card", "mode_of_payment": "Gift Card", "account": account("gift_cards")},
			{"gateway": "cash_on_delivery", "mode_of_payment": "Cash on Delivery", "account": account("cod")},
		],
		gift_card_item=GIFT_CARD_ITEM,
		gift_card_account=account("gift_cards"),
		sync_payouts=1,
		payout_bank_account=account("bank"),
		payout_fee_account=account("fees"),
		payout_dispute_account=account("chargebacks"),
		payout_adjustment_account=account("adjustments"),
		**overrides,
	)


def deliver(fake, topic: str, payload: dict) -> dict:
	"""Send the webhook as the fake Shopify does (schema-checked), then run every queued event of the
	store, the follow-ups the handlers leave included. Returns the webhook's own event."""
	body, headers = fake.webhook(topic, payload, SECRET)
	response = post(body, headers)
	assert response.status_code == 200, response.get_data(as_text=True)
	frappe.db.commit()
	drain()
	return frappe.db.get_value(
		"Connector Event", response.json["event"], ["name", "status", "last_error"], as_dict=True
	)


def drain():
	for _ in range(5):
		queued = frappe.get_all(
			"Connector Event",
			filters={"account": SHOP, "status": "Queued"},
			pluck="name",
			order_by="creation",
		)
		if not queued:
			return
		for name in queued:
			processing.process_event(name)
		frappe.db.commit()


def events(topic: str) -> list:
	return frappe.get_all(
		"Connector Event",
		filters={"account": SHOP, "topic": topic},
		fields=["name", "status", "last_error", "remote_event_id"],
	)


def linked(remote_type: str, remote_id) -> str | None:
	return frappe.db.get_value(
		"Connector Link",
		{"account": SHOP, "remote_type": remote_type, "remote_id": str(remote_id)},
		"reference_name",
	)


def new_order(financial_status="paid") -> dict:
	order = sample_order(random.randint(10**17, 10**18))
	order.update({"financial_status": financial_status, "payment_gateway_names": ["shopify_payments"]})
	return order


def fulfillment(order: dict) -> dict:
	"""fulfillments/create for every line of the order, as Shopify's schema has it."""
	address = order["shipping_address"]
	destination = {
		**{key: address.get(key) for key in ("address1", "address2", "city", "company", "country")},
		**{key: address.get(key) for key in ("country_code", "first_name", "last_name", "latitude")},
		**{key: address.get(key) for key in ("longitude", "name", "province", "province_code", "zip")},
		"phone": address.get("phone") or "555-0100",
	}
	number = random.randint(10**12, 10**13)
	return {
		"id": number,
		"admin_graphql_api_id": f"gid://shopify/Fulfillment/{number}",
		"order_id": order["id"],
		"status": "success",
		"created_at": "2026-11-23T10:00:00-05:00",
		"updated_at": "2026-11-23T10:00:00-05:00",
		"email": "jon@example.com",
		"destination": destination,
		"location_id": None,
		"name": f"{order['name']}.1",
		"origin_address": {},
		"receipt": {},
		"service": "manual",
		"shipment_status": None,
		"tracking_company": "UPS",
		"tracking_number": "1Z999AA10123456784",
		"tracking_numbers": ["1Z999AA10123456784"],
		"tracking_url": "https://www.ups.com/track?tracknum=1Z999AA10123456784",
		"tracking_urls": ["https://www.ups.com/track?tracknum=1Z999AA10123456784"],
		"line_items": [
			{key: value for key, value in line.items() if key != "tax_lines"} | {"tax_lines": []}
			for line in order["line_items"]
		],
	}


def refund_of_first_line(order: dict, transaction: dict) -> dict:
	"""Shopify's refunds/create sample for the order's first line, paid back by `transaction`."""
	with open(SAMPLE.replace("orders_create", "refunds_create")) as f:
		refund = json.load(f)
	refund.update({"id": random.randint(10**17, 10**18), "order_id": order["id"], "restock": False})
	refund["refund_line_items"] = refund["refund_line_items"][:1]
	template = refund["transactions"][0]
	refund["transactions"] = [
		{
			**template,
			"id": transaction["id"],
			"order_id": order["id"],
			"gateway": transaction["gateway"],
			"amount": transaction["amount"],
			"admin_graphql_api_id": f"gid://shopify/OrderTransaction/{transaction['id']}",
		}
	]
	return refund


def clearing_balance(vouchers: list[str]) -> float:
	return flt(
		frappe.db.sql(
			"""select sum(debit - credit) from `tabGL Entry` where is_cancelled = 0 and account = %s
			and voucher_no in %s""",
			(account("clearing"), tuple(vouchers)),
		)[0][0],
		2,
	)


class PaymentsCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.shopify = FakeShopifyAdmin(token=TOKEN, maximum=2000, restore_rate=1000).start()
		cls.shopify.shop_domain = SHOP

	@classmethod
	def tearDownClass(cls):
		cls.shopify.stop()
		ensure_store()
		remove_queued_jobs()
		super().tearDownClass()

	def setUp(self):
		payment_store(self.shopify)
		self.shopify.balance_transactions.clear()
		self.shopify.payouts.clear()

	def import_paid(self, *payments, financial_status="paid") -> dict:
		order = new_order(financial_status)
		self.shopify.add_order(order)
		for gateway, amount in payments:
			self.shopify.transact(order, gateway, amount)
		status = deliver(self.shopify, "orders/create", order)
		self.assertEqual(status.status, "Processed", status.last_error)
		return order


class TestPaymentsByGateway(PaymentsCase):
	def test_half_gift_card_half_shopify_payments_gives_two_entries_into_two_accounts(self):
		order = self.import_paid(("gift_card", "200.00"), ("shopify_payments", "204.95"))
		invoice = linked("invoice", order["id"])
		entries = frappe.get_all(
			"Payment Entry Reference",
			filters={"reference_name": invoice, "docstatus": 1},
			pluck="parent",
		)
		booked = {
			row.paid_to: (flt(row.paid_amount, 2), row.mode_of_payment)
			for row in frappe.get_all(
				"Payment Entry",
				filters={"name": ("in", entries)},
				fields=["paid_to", "paid_amount", "mode_of_payment"],
			)
		}
		self.assertEqual(
			booked,
			{
				account("gift_cards"): (200.0, "Gift Card"),
				account("clearing"): (204.95, "Shopify Payments"),
			},
		)
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice, "outstanding_amount"), 0)
		status = deliver(self.shopify, "orders/paid", {**order, "updated_at": "2026-11-22T11:00:00-05:00"})
		self.assertEqual(status.status, "Processed", status.last_error)
		self.assertEqual(
			len(
				frappe.get_all("Payment Entry Reference", filters={"reference_name": invoice, "docstatus": 1})
			),
			2,
		)

	def test_an_unmapped_gateway_holds_the_payment_and_names_it(self):
		order = self.import_paid(("paypal", "404.95"))
		self.assertTrue(linked("invoice", order["id"]))  # the order and its invoice stand
		[held] = [e for e in events("erp/order_payments") if str(order["id"]) in e.remote_event_id]
		self.assertEqual(held.status, "Held")
		self.assertIn("gateway 'paypal'", held.last_error)
		self.assertIn("Payments and Payouts > Gateways", held.last_error)

	def test_cash_on_delivery_is_invoiced_at_fulfillment_and_paid_at_orders_paid(self):
		payment_store(self.shopify, invoice_at_fulfillment=1)
		order = new_order("pending")
		order["payment_gateway_names"] = ["cash_on_delivery"]
		self.shopify.add_order(order)
		status = deliver(self.shopify, "orders/create", order)
		self.assertEqual(status.status, "Processed", status.last_error)
		self.assertFalse(linked("invoice", order["id"]))

		status = deliver(self.shopify, "fulfillments/create", fulfillment(order))
		self.assertEqual(status.status, "Processed", status.last_error)
		invoice = frappe.get_doc("Sales Invoice", linked("invoice", order["id"]))
		self.assertEqual((invoice.docstatus, str(invoice.posting_date)), (1, "2026-11-23"))
		self.assertEqual(Decimal(str(invoice.grand_total)), Decimal(order["total_price"]))
		self.assertEqual(flt(invoice.outstanding_amount, 2), flt(order["total_price"], 2))  # not paid yet

		self.shopify.transact(order, "cash_on_delivery", order["total_price"], when="2026-11-24T12:00:00Z")
		paid = {**order, "financial_status": "paid", "updated_at": "2026-11-24T07:00:00-05:00"}
		status = deliver(self.shopify, "orders/paid", paid)
		self.assertEqual(status.status, "Processed", status.last_error)
		[entry] = frappe.get_all(
			"Payment Entry Reference",
			filters={"reference_name": invoice.name, "docstatus": 1},
			pluck="parent",
		)
		self.assertEqual(frappe.db.get_value("Payment Entry", entry, "paid_to"), account("cod"))
		self.assertEqual(str(frappe.db.get_value("Payment Entry", entry, "posting_date")), "2026-11-24")
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, "outstanding_amount"), 0)


class TestShopifyPaymentsPayouts(PaymentsCase):
	def payout_of_three_orders_a_refund_and_a_chargeback(self):
		orders = [self.import_paid(("shopify_payments", "404.95")) for _ in range(3)]
		back = self.shopify.transact(orders[0], "shopify_payments", "89.99", kind="REFUND")
		status = deliver(self.shopify, "refunds/create", refund_of_first_line(orders[0], back))
		self.assertEqual(status.status, "Processed", status.last_error)
		self.shopify.chargeback(orders[1], "404.95", fee="15.00")
		return orders, back, self.shopify.pay_out()

	def test_a_payout_posts_one_entry_equal_to_the_deposit_and_clearing_returns_to_zero(self):
		orders, back, payout = self.payout_of_three_orders_a_refund_and_a_chargeback()
		result = payouts_jobs.sync_payouts_now(SHOP)
		self.assertEqual(result, {"found": 1, "queued": 1})
		drain()
		[event] = [
			e for e in events(PAYOUT_TOPIC) if e.remote_event_id == f"payout:{payout['legacyResourceId']}"
		]
		self.assertEqual(event.status, "Processed", event.last_error)

		journal = frappe.get_doc("Journal Entry", linked("payout", payout["legacyResourceId"]))
		lines = [(row.account, flt(row.debit - row.credit, 2)) for row in journal.accounts]
		fee = flt(404.95 * 0.029 + 0.30, 2)
		net = flt(3 * 404.95 - 3 * fee - 89.99 - 404.95 - 15.00, 2)
		self.assertEqual(flt(payout["net"]["amount"], 2), net)
		self.assertEqual(
			lines,
			[
				(account("bank"), net),
				(account("fees"), flt(3 * fee + 15.00, 2)),
				(account("clearing"), flt(-3 * 404.95, 2)),
				(account("clearing"), 89.99),
				(account("chargebacks"), 404.95),
			],
		)
		self.assertEqual(
			(journal.voucher_type, journal.cheque_no, journal.docstatus),
			("Bank Entry", payout["legacyResourceId"], 1),
		)

		vouchers = [journal.name, linked("transaction", back["id"])]
		vouchers += frappe.get_all(
			"Payment Entry Reference",
			filters={"reference_name": ("in", [linked("invoice", o["id"]) for o in orders]), "docstatus": 1},
			pluck="parent",
		)
		self.assertEqual(len(vouchers), 5)
		self.assertEqual(clearing_balance(vouchers), 0)  # what the payout settled left nothing in clearing

		record = frappe.get_doc("Connector Payout", {"payout_id": payout["legacyResourceId"]})
		self.assertEqual(
			(record.journal_entry, record.transaction_count, flt(record.net, 2)), (journal.name, 5, net)
		)
		notes = frappe.get_all(
			"Comment",
			filters={
				"reference_name": linked("invoice", orders[1]["id"]),
				"content": ("like", "%DISPUTE_WITHDRAWAL%"),
			},
		)
		self.assertEqual(len(notes), 1)

		self.assertEqual(payouts_jobs.sync_payouts_now(SHOP), {"found": 1, "queued": 0})  # synced twice
		processing.retry([event.name])
		drain()
		self.assertEqual(frappe.db.count("Journal Entry", {"cheque_no": payout["legacyResourceId"]}), 1)
		self.assertEqual(frappe.db.count("Connector Payout", {"payout_id": payout["legacyResourceId"]}), 1)

	def test_racing_workers_post_one_entry(self):
		order = self.import_paid(("shopify_payments", "404.95"))
		payout = self.shopify.pay_out()
		frappe.db.commit()

		def post_it(_):
			ctx = build_context(SHOP)
			try:
				result = post_shopify_payout(ctx, payout)
				frappe.db.commit()
				return result
			except AlreadyDone as done:
				frappe.db.rollback()
				return done.reference

		results = race(post_it, [(1,), (2,), (3,)])
		frappe.db.commit()
		self.assertEqual(len(set(results)), 1, results)
		self.assertEqual(
			frappe.db.count("Journal Entry", {"cheque_no": payout["legacyResourceId"], "docstatus": 1}), 1
		)
		self.assertEqual(frappe.db.count("Connector Payout", {"payout_id": payout["legacyResourceId"]}), 1)
		self.assertTrue(linked("invoice", order["id"]))

	def test_an_order_we_do_not_know_holds_the_payout_and_nothing_is_posted(self):
		self.import_paid(("shopify_payments", "404.95"))
		stranger = new_order()
		self.shopify.transact(stranger, "shopify_payments", "25.00")  # never imported here
		payout = self.shopify.pay_out()
		payouts_jobs.sync_payouts_now(SHOP)
		drain()
		[event] = [
			e for e in events(PAYOUT_TOPIC) if e.remote_event_id == f"payout:{payout['legacyResourceId']}"
		]
		self.assertEqual(event.status, "Held")
		self.assertIn(stranger["name"], event.last_error)
		self.assertIn("has not imported", event.last_error)
		self.assertFalse(linked("payout", payout["legacyResourceId"]))
		self.assertEqual(frappe.db.count("Journal Entry", {"cheque_no": payout["legacyResourceId"]}), 0)
		self.assertEqual(frappe.db.count("Connector Payout", {"payout_id": payout["legacyResourceId"]}), 0)


class TestPayoutReconciliationReport(PaymentsCase):
	def test_the_report_shows_each_payout_what_it_settled_and_what_is_not_paid_out(self):
		from erp_connectors.connectors.report.payout_reconciliation.payout_reconciliation import execute

		orders = [self.import_paid(("shopify_payments", "404.95")) for _ in range(2)]
		self.shopify.chargeback(orders[1], "100.00", fee="15.00")
		payout = self.shopify.pay_out()
		later = self.import_paid(("shopify_payments", "404.95"))  # paid, not paid out yet
		payouts_jobs.sync_payouts_now(SHOP)
		drain()
		filters = {
			"company": COMPANY,
			"from_date": "2026-11-01",
			"to_date": "2026-11-30",
			"account_doctype": "Shopify Store",
			"account": SHOP,
			"show_transactions": 1,
		}
		columns, rows = execute(filters)
		self.assertIn("left_in_clearing", [c["fieldname"] for c in columns])
		[head] = [r for r in rows if r.get("payout") == f"Shopify Payments {payout['legacyResourceId']}"]
		fee = flt(404.95 * 0.029 + 0.30, 2)
		self.assertEqual(
			(flt(head["gross"], 2), flt(head["fees"], 2), flt(head["chargebacks"], 2), flt(head["net"], 2)),
			(flt(2 * 404.95, 2), flt(2 * fee + 15, 2), -100.0, flt(payout["net"]["amount"], 2)),
		)
		self.assertEqual(head["left_in_clearing"], 0)  # settled orders leave nothing in clearing
		settled = [r for r in rows if r.get("parent_row") == head["row_id"]]
		self.assertEqual(
			sorted(r["order"] for r in settled if r["kind"] == "charge"), sorted(o["name"] for o in orders)
		)
		self.assertEqual({r["left_in_clearing"] for r in settled if r["kind"] == "charge"}, {0})
		waiting = [r for r in rows if r.get("parent_row") == "not-paid-out"]
		later_entry = frappe.get_all(
			"Payment Entry Reference",
			filters={"reference_name": linked("invoice", later["id"]), "docstatus": 1},
			pluck="parent",
		)
		self.assertIn(later_entry[0], [r["reference_name"] for r in waiting])
		self.assertNotIn(head["journal_entry"], [r["reference_name"] for r in waiting])
