"""Shared pieces for the Stripe tests: fixtures, the fake over real HTTP, a context, and a ledger."""

import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from erp_connectors.connectors.gateway import AccountRef, InMemoryGateway
from erp_connectors.connectors.sources import SyncContext
from erp_connectors.stripe_connector.client import StripeAccountClient
from erp_connectors.testing.fake_stripe import FakeStripe

DATA = Path(__file__).resolve().parents[1] / "data"
ACCOUNT = AccountRef("Stripe Account", "acme-stripe")
SETTINGS = {
	"account_name": "acme-stripe",
	"mode": "Test",
	"company": "Acme",
	"clearing_account": "Stripe Clearing - A",
	"fee_account": "Stripe Fees - A",
	"dispute_account": "Disputed Funds - A",
	"cost_center": "Main - A",
	"payout_accounts": [{"currency": "USD", "bank_account": "Bank USD - A"}],
}


def data(name: str):
	return json.loads((DATA / name).read_text(encoding="utf-8"))


@pytest.fixture
def fake():
	with FakeStripe(fixtures_dir=DATA) as service:
		yield service


def make_client(fake, **options) -> StripeAccountClient:
	sleeps = options.pop("sleeps", [])
	options.setdefault("timeout", (1.0, 3.0))
	options.setdefault("retry_delay", lambda attempt: 0.01)
	options.setdefault("sleep", sleeps.append)
	options.setdefault("account_name", ACCOUNT.name)
	return StripeAccountClient(options.pop("api_key", fake.api_key), base_url=fake.url, **options)


@pytest.fixture
def client(fake):
	return make_client(fake)


@pytest.fixture
def gateway():
	return InMemoryGateway()


@pytest.fixture
def ctx(gateway, client):
	return SyncContext(account=ACCOUNT, settings=dict(SETTINGS), gateway=gateway, client=client)


def add_invoice(gateway, name="SINV-0001", outstanding="10.99", currency="USD", **fields) -> str:
	doc = {
		"doctype": "Sales Invoice",
		"name": name,
		"customer": "Jenny Rosen",
		"company": "Acme",
		"currency": currency,
		"debit_to": "Debtors - A",
		"grand_total": Decimal(outstanding),
		"outstanding_amount": Decimal(outstanding),
		**fields,
	}
	return gateway.insert(doc, submit=True)


def posted(gateway, doctype) -> list[dict]:
	return list(gateway.docs.get(doctype, {}).values())


def ledger(gateway) -> dict[str, Decimal]:
	"""Account balances (debit positive) from the posted entries, using ERPNext v15's Payment Entry rules.

	Receive: Dr paid_to received_amount, Dr each deduction, Cr party allocated + unallocated, where
	unallocated = received + deductions - allocated. Pay: Cr paid_from paid_amount, Dr each deduction,
	Dr party paid_amount - deductions. Each entry must balance on its own.
	"""
	balances: dict[str, Decimal] = defaultdict(Decimal)
	for entry in posted(gateway, "Payment Entry"):
		assert entry["paid_amount"] == entry["received_amount"]  # same-currency accounts (ERPNext forces it)
		deductions = sum((d["amount"] for d in entry.get("deductions", [])), Decimal(0))
		for row in entry.get("deductions", []):
			balances[row["account"]] += row["amount"]
		if entry["payment_type"] == "Receive":
			balances[entry["paid_to"]] += entry["received_amount"]
			balances[entry["paid_from"]] -= entry["received_amount"] + deductions
		else:
			balances[entry["paid_from"]] -= entry["paid_amount"]
			balances[entry["paid_to"]] += entry["paid_amount"] - deductions
	for entry in posted(gateway, "Journal Entry"):
		total = Decimal(0)
		for row in entry["accounts"]:
			amount = row["debit_in_account_currency"] - row["credit_in_account_currency"]
			balances[row["account"]] += amount
			total += amount
		assert total == 0, entry
	return {account: amount for account, amount in balances.items() if amount}
