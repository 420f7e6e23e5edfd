"""The sync layer's only door into the ERP.

Two implementations: `FrappeGateway` (frappe_gateway.py) for production and
bench tests, and `InMemoryGateway` here for plain pytest. The in-memory one
stores dicts and enforces only what the sync layer relies on (unique links,
docstatus); ERPNext's own business rules are tested against real ERPNext.
"""

import copy
import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class AccountRef:
	"""A connector account record, e.g. AccountRef("Shopify Store", "acme.myshopify.com")."""

	doctype: str
	name: str


class ERPGateway(Protocol):
	def find_link(
		self, account: AccountRef, remote_type: str, remote_id: str, latest: bool = False
	) -> tuple[str, str] | None:
		"""`latest`: see links committed by others after this transaction began (a locking read)."""

	def add_link(
		self, account: AccountRef, remote_type: str, remote_id: str, doctype: str, name: str
	) -> tuple[str, str]:
		"""Bind a remote id to a document; if already bound, return the existing binding."""

	def link_version(self, account: AccountRef, remote_type: str, remote_id: str) -> str | None:
		"""The remote version (its updated_at) last applied through this link, read under a row lock
		held to the end of the transaction, so two workers applying versions take turns."""

	def set_link_version(self, account: AccountRef, remote_type: str, remote_id: str, version: str) -> None:
		"""Record the remote version applied through this link."""

	def find_links(self, account: AccountRef, remote_type: str, remote_ids) -> dict[str, tuple[str, str]]:
		"""remote id -> (doctype, name) for those of `remote_ids` that are bound: many in one look-up."""

	def relink(self, account: AccountRef, remote_type: str, remote_id: str, doctype: str, name: str) -> None:
		"""Point an existing binding at another document (e.g. the amendment of a cancelled one)."""

	def find(self, doctype: str, filters: dict) -> str | None: ...

	def existing(self, doctype: str, names) -> set[str]:
		"""The names of `doctype` documents matching `names`, compared as the database does (case
		aside): many in one look-up."""
		...

	def get(self, doctype: str, name: str) -> dict: ...

	def insert(self, doc: dict, submit: bool = False) -> str: ...

	def submit(self, doctype: str, name: str) -> None: ...

	def cancel(self, doctype: str, name: str) -> None: ...

	def set_value(self, doctype: str, name: str, values: dict) -> None: ...

	def comment(self, doctype: str, name: str, text: str) -> None:
		"""Leave a note on the document's timeline for a person to read."""

	def lock(self, doctype: str, name: str) -> None:
		"""Hold the document's row until this transaction ends, so work on it is serialised."""

	def ensure_item_attribute(self, name: str, values: list[str]) -> None:
		"""An Item Attribute `name` that offers at least `values` (created or extended)."""

	def draft_delivery(self, sales_order: str) -> dict:
		"""An unsaved Delivery Note for what the Sales Order has not delivered yet (ERPNext's own mapping)."""

	def draft_invoice(self, sales_order: str) -> dict:
		"""An unsaved Sales Invoice for what the Sales Order has not billed yet (ERPNext's own mapping)."""

	def draft_payment(self, doctype: str, name: str, account: str) -> dict:
		"""An unsaved Payment Entry settling the invoice's outstanding amount through `account`
		(Receive for an invoice, Pay for a credit note)."""

	def deliveries(self, sales_order: str) -> list[dict]:
		"""Submitted, not-return Delivery Notes of the order: {name, customer, company, currency, posting_date,
		items: [{name, item_code, qty, warehouse, rate}]} with only the order's rows."""

	def stock_levels(self, item_codes: list[str], warehouses: list[str]) -> dict[tuple[str, str], float]: ...

	def item_prices(self, item_codes: list[str], price_list: str) -> dict[str, float]: ...

	def record(self, doc: dict, table: str) -> str:
		"""Insert one of our own records (no ERPNext rules, no hooks) with its `table` rows in bulk."""

	def queue_follow_up(self, account: AccountRef, topic: str, event_id: str, payload: dict) -> None:
		"""Store an event for the account's own handlers, committed with this transaction's work and
		processed after it; an event id already stored is not stored again."""


class InMemoryGateway:
	def __init__(self):
		self.docs: dict[str, dict[str, dict]] = {}
		self.links: dict[tuple, tuple[str, str]] = {}
		self.link_versions: dict[tuple, str] = {}
		self.stock: dict[tuple[str, str], float] = {}
		self.prices: dict[tuple[str, str], float] = {}
		self.comments: list[tuple[str, str, str]] = []
		self.locked: list[tuple[str, str]] = []
		self.follow_ups: dict[tuple, tuple[str, dict]] = {}
		self._counter = itertools.count(1)

	def find_link(self, account, remote_type, remote_id, latest=False):
		return self.links.get((account, remote_type, str(remote_id)))

	def find_links(self, account, remote_type, remote_ids):
		found = {str(i): self.links.get((account, remote_type, str(i))) for i in remote_ids}
		return {key: value for key, value in found.items() if value}

	def add_link(self, account, remote_type, remote_id, doctype, name):
		return self.links.setdefault((account, remote_type, str(remote_id)), (doctype, name))

	def relink(self, account, remote_type, remote_id, doctype, name):
		self.links[(account, remote_type, str(remote_id))] = (doctype, name)

	def link_version(self, account, remote_type, remote_id):
		return self.link_versions.get((account, remote_type, str(remote_id)))

	def set_link_version(self, account, remote_type, remote_id, version):
		self.link_versions[(account, remote_type, str(remote_id))] = version

	def find(self, doctype, filters):
		for name, doc in self.docs.get(doctype, {}).items():
			if all(doc.get(key) == value for key, value in filters.items()):
				return name
		return None

	def existing(self, doctype, names):
		wanted = {str(name).lower() for name in names}
		return {name for name in self.docs.get(doctype, {}) if name.lower() in wanted}

	def get(self, doctype, name):
		return copy.deepcopy(self.docs[doctype][name])

	def insert(self, doc, submit=False):
		doc = copy.deepcopy(doc)
		doctype = doc["doctype"]
		# Items are named by their code, as ERPNext names them by default.
		name = doc.get("name") or (doc.get("item_code") if doctype == "Item" else None)
		name = name or f"{doctype}-{next(self._counter):05d}"
		table = self.docs.setdefault(doctype, {})
		if name in table:
			raise ValueError(f"{doctype} {name} already exists")
		doc["name"] = name
		doc["docstatus"] = 1 if submit else 0
		table[name] = doc
		return name

	def submit(self, doctype, name):
		self._transition(doctype, name, 0, 1)

	def cancel(self, doctype, name):
		self._transition(doctype, name, 1, 2)

	def set_value(self, doctype, name, values):
		if doctype in self.docs and name in self.docs[doctype]:
			self.docs[doctype][name].update(values)
			return
		# A child row (e.g. a Shipment Parcel) lives inside its parent, as Frappe keeps it in its own table.
		for table in self.docs.values():
			for doc in table.values():
				for rows in doc.values():
					for row in rows if isinstance(rows, list) else []:
						if (
							isinstance(row, dict)
							and row.get("doctype") == doctype
							and row.get("name") == name
						):
							row.update(values)
							return
		raise KeyError(f"{doctype} {name}")

	def comment(self, doctype, name, text):
		self.comments.append((doctype, name, text))

	def lock(self, doctype, name):
		self.locked.append((doctype, name))

	def ensure_item_attribute(self, name, values):
		attribute = self.docs.setdefault("Item Attribute", {}).setdefault(name, {"name": name, "values": []})
		attribute["values"] += [value for value in values if value not in attribute["values"]]

	def draft_delivery(self, sales_order):
		order = self.docs["Sales Order"][sales_order]
		return {
			"doctype": "Delivery Note",
			**{key: order.get(key) for key in ("customer", "company", "currency")},
			"items": [
				{
					**{key: row.get(key) for key in ("item_code", "qty", "rate", "warehouse")},
					"against_sales_order": sales_order,
					"so_detail": f"{sales_order}-{i}",
				}
				for i, row in enumerate(order["items"])
			],
		}

	def draft_invoice(self, sales_order):
		order = self.docs["Sales Order"][sales_order]
		keep = ("item_code", "qty", "rate", "warehouse")
		return {
			"doctype": "Sales Invoice",
			**{key: order.get(key) for key in ("customer", "company", "currency", "selling_price_list")},
			"items": [
				{
					**{key: row.get(key) for key in keep},
					"sales_order": sales_order,
					"so_detail": f"{sales_order}-{i}",
				}
				for i, row in enumerate(order["items"])
			],
			"taxes": [dict(row) for row in order.get("taxes", [])],
			**({"discount_amount": order["discount_amount"]} if order.get("discount_amount") else {}),
		}

	def draft_payment(self, doctype, name, account):
		invoice = self.docs[doctype][name]
		outstanding = invoice.get("outstanding_amount")
		if outstanding is None:  # what the document adds up to; ERPNext's own rules are tested on a bench
			outstanding = sum(Decimal(str(r["rate"])) * Decimal(str(r["qty"])) for r in invoice["items"])
			outstanding -= Decimal(str(invoice.get("discount_amount") or 0))
			outstanding += sum(Decimal(str(t["tax_amount"])) for t in invoice.get("taxes") or [])
		receive = outstanding >= 0
		return {
			"doctype": "Payment Entry",
			"payment_type": "Receive" if receive else "Pay",
			"party_type": "Customer",
			"party": invoice.get("customer"),
			"paid_amount": abs(outstanding),
			"received_amount": abs(outstanding),
			("paid_to" if receive else "paid_from"): account,
			"references": [
				{"reference_doctype": doctype, "reference_name": name, "allocated_amount": outstanding}
			],
		}

	def deliveries(self, sales_order):
		found = []
		for note in self.docs.get("Delivery Note", {}).values():
			rows = [row for row in note["items"] if row.get("against_sales_order") == sales_order]
			if rows and note["docstatus"] == 1 and not note.get("is_return"):
				keys = ("name", "customer", "company", "currency", "posting_date")
				found.append({**{k: note.get(k) for k in keys}, "items": rows})
		return found

	def stock_levels(self, item_codes, warehouses):
		return {
			(item, warehouse): self.stock.get((item, warehouse), 0.0)
			for item in item_codes
			for warehouse in warehouses
		}

	def item_prices(self, item_codes, price_list):
		return {
			item: self.prices[(item, price_list)] for item in item_codes if (item, price_list) in self.prices
		}

	def record(self, doc, table):
		return self.insert(doc)

	def queue_follow_up(self, account, topic, event_id, payload):
		self.follow_ups.setdefault((account, str(event_id)), (topic, copy.deepcopy(payload)))

	def _transition(self, doctype, name, expected, new):
		doc = self.docs[doctype][name]
		if doc["docstatus"] != expected:
			raise ValueError(f"{doctype} {name} has docstatus {doc['docstatus']}, expected {expected}")
		doc["docstatus"] = new
