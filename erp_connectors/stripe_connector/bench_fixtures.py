"""Records and requests for the Stripe bench tests (never used in production paths)."""

import frappe
from frappe.tests.test_api import make_request
from frappe.utils import get_test_client, get_url, nowdate

from erp_connectors.connectors.bench_fixtures import ensure_accounts, ensure_item
from erp_connectors.stripe_connector.integration import WEBHOOK_PATH
from erp_connectors.testing.fake_stripe import signed_event

COMPANY = "Test Company"
ACCOUNT = "Bench Stripe"
SECRET = "whsec_bench_7c0d1e2f3a4b"
CUSTOMER = "Stripe Bench Customer"
ITEM = "Stripe Bench Service"
LEDGER = {
	"clearing_account": ("Stripe Clearing", "Bank Accounts", "Bank"),
	"payout_bank": ("Stripe Payout Bank", "Bank Accounts", "Bank"),
	"fee_account": ("Stripe Fees", "Indirect Expenses", ""),
	"dispute_account": ("Stripe Disputed Funds", "Current Assets", ""),
}
CLIENT = get_test_client()


def account_name(key: str) -> str:
	return f"{LEDGER[key][0]} - TC"


def ensure_ledger():
	ensure_accounts(LEDGER.values(), COMPANY)


def ensure_stripe_account(fake, **overrides) -> str:
	ensure_ledger()
	values = {
		"enabled": 1,
		"mode": "Test",
		"secret_key": fake.api_key,
		"webhook_secret": SECRET,
		"company": COMPANY,
		"clearing_account": account_name("clearing_account"),
		"fee_account": account_name("fee_account"),
		"dispute_account": account_name("dispute_account"),
		"cost_center": "Main - TC",
		"base_url": fake.url,
		"payout_accounts": [{"currency": "USD", "bank_account": account_name("payout_bank")}],
		**overrides,
	}
	if frappe.db.exists("Stripe Account", ACCOUNT):
		doc = frappe.get_doc("Stripe Account", ACCOUNT)
		doc.payout_accounts = []
		doc.update(values)
		doc.save(ignore_permissions=True)
	else:
		frappe.get_doc({"doctype": "Stripe Account", "account_name": ACCOUNT, **values}).insert(
			ignore_permissions=True
		)
	frappe.db.commit()
	return ACCOUNT


def ensure_party_and_item():
	if not frappe.db.exists("Customer", CUSTOMER):
		frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": CUSTOMER,
				"customer_group": "Individual",
				"territory": "All Territories",
			}
		).insert(ignore_permissions=True)
	ensure_item(ITEM, item_group="Services", is_stock_item=0)


def make_invoice(amount: float, currency: str = "USD") -> str:
	ensure_party_and_item()
	invoice = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"company": COMPANY,
			"customer": CUSTOMER,
			"currency": currency,
			"posting_date": nowdate(),
			"due_date": nowdate(),
			"debit_to": "Debtors - TC",
			"items": [{"item_code": ITEM, "qty": 1, "rate": amount, "income_account": "Sales - TC"}],
		}
	).insert(ignore_permissions=True)
	invoice.submit()
	frappe.db.commit()
	return invoice.name


def deliver(event: dict, *, secret: str = SECRET, timestamp: int | None = None, account: str = ACCOUNT):
	body, headers = signed_event(event, secret, timestamp)
	return make_request(
		target=CLIENT.post,
		args=(f"{get_url()}{WEBHOOK_PATH}?account={account}",),
		kwargs={"data": body, "headers": headers},
	)


def stored_events(event_id: str) -> list:
	return frappe.get_all(
		"Connector Event",
		filters={"source": "Stripe", "remote_event_id": event_id},
		fields=["name", "status", "last_error"],
	)


def entries(reference_no: str, payment_type: str | None = None) -> list:
	filters = {"reference_no": reference_no, "docstatus": 1}
	if payment_type:
		filters["payment_type"] = payment_type
	return frappe.get_all("Payment Entry", filters=filters, pluck="name")


def settle_earlier_balance(fake):
	"""Mark the fake's fixture balance transactions as already paid out, so a payout holds only ours."""
	for transaction in fake.of_kind("balance_transaction"):
		fake.payout_of.setdefault(transaction["id"], "po_earlier")
