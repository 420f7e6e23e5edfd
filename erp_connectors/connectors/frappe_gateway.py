"""The ERP gateway backed by the real Frappe database and ERPNext documents."""

from decimal import Decimal

import frappe
from frappe.utils import now

from erp_connectors.connectors.gateway import AccountRef
from erp_connectors.connectors.row_names import time_ordered_name

# Desk shows these as escaped text; every other field type may be rendered as HTML.
_SHOWN_AS_TEXT = ("Code", "Attach", "Attach Image", "Barcode")


def is_insert_race(error: BaseException) -> bool:
	"""A racing transaction inserted the same row first; a retry in a fresh transaction finds it.

	Frappe raises a unique violation. ERPNext's own handling of that race (the Bin of an item and
	warehouse that have none yet, made by the first orders of a new item) re-reads the row in the
	snapshot taken before the winner committed, and raises DoesNotExistError from that except block.
	"""
	unique = (frappe.UniqueValidationError, frappe.DuplicateEntryError)
	if isinstance(error, unique):
		return True
	return isinstance(error, frappe.DoesNotExistError) and isinstance(error.__context__, unique)


def clean_values(doctype: str, values: dict) -> dict:
	"""Remote text written without a document save (db_insert, db.set_value) skips Frappe's own
	sanitiser; this applies it. Unlike the save path it also cleans text that parses as JSON."""
	from frappe.utils.html_utils import sanitize_html

	meta = None  # read only when some value has markup in it: the webhook intake mostly has none
	cleaned = {}
	for key, value in values.items():
		if isinstance(value, str) and ("<" in value or ">" in value):
			meta = meta or frappe.get_meta(doctype)
			field = meta.get_field(key)
			if field is None or field.fieldtype not in _SHOWN_AS_TEXT:
				value = sanitize_html(value, always_sanitize=True)
		cleaned[key] = value
	return cleaned


def insert_row(doctype: str, values: dict) -> str | None:
	"""Insert one row of a hash-named doctype as Document.db_insert writes it, without building a
	document (no meta read, no hooks), in the caller's transaction, named in time order (row_names).
	Returns its name, or None when a unique index already holds the row. The values must be cleaned
	first (clean_values)."""
	timestamp = now()
	user = frappe.session.user
	row = {"creation": timestamp, "modified": timestamp, "owner": user, "modified_by": user, **values}
	columns = ", ".join(f"`{column}`" for column in ("name", *row))
	literals = [_literal(value) for value in row.values()]
	placeholders = ", ".join(["%s", *(sql for sql, _ in literals)])
	parameters = [parameter for _, parameter in literals if parameter is not _INLINE]
	query = f"insert into `tab{doctype}` ({columns}) values ({placeholders})"
	run = _execute if any(parameter is _INLINE for _, parameter in literals) else frappe.db.sql
	for _ in range(5):
		name = time_ordered_name()
		try:
			run(query, [name, *parameters])
			return name
		except Exception as error:
			if frappe.db.is_primary_key_violation(error):
				continue  # two names alike (one millisecond, the same 35 random bits): draw again
			if frappe.db.is_unique_key_violation(error):
				return None
			raise
	raise frappe.DuplicateEntryError(doctype)


_INLINE = object()
# PyMySQL escapes a str in Python, a character at a time (0.3 ms for an 11 KB order, on every
# webhook); its hex is made in C and holds nothing to escape. MariaDB stores the bytes as the
# column's UTF-8 text.
_HEX_FROM_CHARS = 2048


def _literal(value) -> tuple[str, object]:
	if isinstance(value, str) and len(value) >= _HEX_FROM_CHARS and frappe.db.db_type == "mariadb":
		return f"x'{value.encode().hex()}'", _INLINE
	return "%s", value


def _execute(query: str, values: list) -> None:
	"""frappe.db.sql for a statement carrying hex literals, less its case-blind `ifnull(` rewrite: a
	regex over the whole statement, 0.3 ms for an order's hex, where no ifnull can be. The write
	still counts toward Frappe's per-transaction limit and reaches its query log."""
	db = frappe.db
	if not db._conn:
		db.connect()
	db.check_transaction_status(query)
	db._cursor.execute(query, values)
	db.log_query(query, values, False, False)


class FrappeGateway:
	def find_link(
		self, account: AccountRef, remote_type: str, remote_id, latest: bool = False
	) -> tuple[str, str] | None:
		filters = _link_filters(account, remote_type, remote_id)
		if not latest:
			row = frappe.db.get_value("Connector Link", filters, ["reference_doctype", "reference_name"])
			return tuple(row) if row else None
		# A shared-lock read sees the row a racing worker committed after this
		# transaction's snapshot was taken; unlike FOR UPDATE, waiters don't deadlock.
		rows = frappe.db.sql(
			"""select reference_doctype, reference_name from `tabConnector Link`
			where account_doctype=%(account_doctype)s and account=%(account)s
			and remote_type=%(remote_type)s and remote_id=%(remote_id)s
			lock in share mode""",
			filters,
		)
		return tuple(rows[0]) if rows else None

	def find_links(self, account: AccountRef, remote_type: str, remote_ids) -> dict[str, tuple[str, str]]:
		ids = sorted({str(remote_id) for remote_id in remote_ids})
		found = {}
		for start in range(0, len(ids), 1000):
			for remote_id, doctype, name in frappe.db.sql(
				"""select remote_id, reference_doctype, reference_name from `tabConnector Link`
				where account_doctype = %s and account = %s and remote_type = %s and remote_id in %s""",
				(account.doctype, account.name, remote_type, tuple(ids[start : start + 1000])),
			):
				found[remote_id] = (doctype, name)
		return found

	def add_link(self, account: AccountRef, remote_type: str, remote_id, doctype: str, name: str):
		link = frappe.get_doc(
			{
				"doctype": "Connector Link",
				**_link_filters(account, remote_type, remote_id),
				"reference_doctype": doctype,
				"reference_name": name,
			}
		)
		frappe.db.savepoint("connector_link")
		try:
			link.insert(ignore_permissions=True)
		except (frappe.UniqueValidationError, frappe.DuplicateEntryError):
			frappe.db.rollback(save_point="connector_link")
			frappe.local.message_log = []
			return self.find_link(account, remote_type, remote_id, latest=True)
		return (doctype, name)

	def relink(self, account: AccountRef, remote_type: str, remote_id, doctype: str, name: str) -> None:
		frappe.db.set_value(
			"Connector Link",
			_link_filters(account, remote_type, remote_id),
			{"reference_doctype": doctype, "reference_name": name},
		)

	def link_version(self, account: AccountRef, remote_type: str, remote_id) -> str | None:
		rows = frappe.db.sql(
			"""select remote_updated_at from `tabConnector Link`
			where account_doctype=%(account_doctype)s and account=%(account)s
			and remote_type=%(remote_type)s and remote_id=%(remote_id)s
			for update""",
			_link_filters(account, remote_type, remote_id),
		)
		return rows[0][0] if rows else None

	def set_link_version(self, account: AccountRef, remote_type: str, remote_id, version: str) -> None:
		frappe.db.set_value(
			"Connector Link",
			_link_filters(account, remote_type, remote_id),
			"remote_updated_at",
			version,
			update_modified=False,
		)

	def find(self, doctype: str, filters: dict) -> str | None:
		return frappe.db.get_value(doctype, filters)

	def existing(self, doctype: str, names) -> set[str]:
		names = list(names)
		if not names:
			return set()
		return set(frappe.get_all(doctype, filters={"name": ("in", names)}, pluck="name"))

	def get(self, doctype: str, name: str) -> dict:
		return frappe.get_doc(doctype, name).as_dict(convert_dates_to_str=True)

	def insert(self, doc: dict, submit: bool = False) -> str:
		document = frappe.get_doc(_plain(doc))
		document.flags.ignore_permissions = True
		document.insert()
		if submit:
			document.submit()
		return document.name

	def submit(self, doctype: str, name: str) -> None:
		document = frappe.get_doc(doctype, name)
		document.flags.ignore_permissions = True
		document.submit()

	def cancel(self, doctype: str, name: str) -> None:
		document = frappe.get_doc(doctype, name)
		document.flags.ignore_permissions = True
		document.cancel()

	def set_value(self, doctype: str, name: str, values: dict) -> None:
		frappe.db.set_value(doctype, name, clean_values(doctype, values))

	def comment(self, doctype: str, name: str, text: str) -> None:
		frappe.get_doc(doctype, name).add_comment("Comment", text)

	def lock(self, doctype: str, name: str) -> None:
		frappe.db.sql(f"select name from `tab{doctype}` where name = %s for update", name)

	def ensure_item_attribute(self, name: str, values: list[str]) -> None:
		if frappe.db.exists("Item Attribute", name):
			attribute = frappe.get_doc("Item Attribute", name)
		else:
			attribute = frappe.get_doc({"doctype": "Item Attribute", "attribute_name": name})
		known = {row.attribute_value for row in attribute.item_attribute_values}
		abbrs = {row.abbr for row in attribute.item_attribute_values}
		for value in values:
			if value in known:
				continue
			abbr = _abbreviation(value, abbrs)
			abbrs.add(abbr)
			attribute.append("item_attribute_values", {"attribute_value": value, "abbr": abbr})
		attribute.flags.ignore_permissions = True
		attribute.save()

	def draft_delivery(self, sales_order: str) -> dict:
		from erpnext.selling.doctype.sales_order.sales_order import make_delivery_note

		return _draft(make_delivery_note(sales_order))

	def draft_invoice(self, sales_order: str) -> dict:
		from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice

		return _draft(make_sales_invoice(sales_order, ignore_permissions=True))

	def draft_payment(self, doctype: str, name: str, account: str) -> dict:
		from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

		return _draft(get_payment_entry(doctype, name, bank_account=account, ignore_permissions=True))

	def deliveries(self, sales_order: str) -> list[dict]:
		rows = frappe.get_all(
			"Delivery Note Item",
			filters={"against_sales_order": sales_order, "docstatus": 1},
			fields=["parent", "name", "item_code", "qty", "warehouse", "rate"],
			order_by="idx asc",
		)
		notes = {}
		for row in rows:
			if row.parent not in notes:
				head = frappe.db.get_value(
					"Delivery Note",
					row.parent,
					["name", "customer", "company", "currency", "is_return", "posting_date"],
					as_dict=True,
				)
				head.posting_date = str(head.posting_date)
				notes[row.parent] = None if head.is_return else {**head, "items": []}
			if notes[row.parent] is not None:
				notes[row.parent]["items"].append(
					{key: row[key] for key in ("name", "item_code", "qty", "warehouse", "rate")}
				)
		return [note for note in notes.values() if note]

	def stock_levels(self, item_codes: list[str], warehouses: list[str]) -> dict[tuple[str, str], float]:
		"""Quantity free to sell: on hand less what submitted orders have reserved."""
		levels = {(item, warehouse): 0.0 for item in item_codes for warehouse in warehouses}
		if not item_codes or not warehouses:
			return levels
		bins = frappe.get_all(
			"Bin",
			filters={"item_code": ("in", item_codes), "warehouse": ("in", warehouses)},
			fields=["item_code", "warehouse", "actual_qty", "reserved_qty"],
		)
		for row in bins:
			levels[(row.item_code, row.warehouse)] = max(0.0, (row.actual_qty or 0) - (row.reserved_qty or 0))
		return levels

	def item_prices(self, item_codes: list[str], price_list: str) -> dict[str, float]:
		if not item_codes:
			return {}
		rows = frappe.get_all(
			"Item Price",
			filters={"item_code": ("in", item_codes), "price_list": price_list},
			fields=["item_code", "price_list_rate"],
			order_by="valid_from desc",
		)
		prices = {}
		for row in rows:
			prices.setdefault(row.item_code, row.price_list_rate)
		return prices

	def record(self, doc: dict, table: str) -> str:
		"""The parent row, then its table rows in multi-row INSERTs of 1,000: thousands of rows cost a few
		queries (plain SQL; the query builder spends seconds composing that many values)."""
		from frappe.model import no_value_fields

		values = _plain(doc)
		rows = values.pop(table, [])
		parent = frappe.get_doc(clean_values(values["doctype"], values))
		parent.set_new_name()
		parent.db_insert()
		meta = frappe.get_meta(parent.meta.get_field(table).options)
		fields = [f.fieldname for f in meta.fields if f.fieldtype not in no_value_fields]
		columns = ["name", "parent", "parenttype", "parentfield", "idx", "creation", "modified", "owner"]
		columns += ["modified_by", "docstatus", *fields]
		now, user = frappe.utils.now(), frappe.session.user
		head = f"insert into `tab{meta.name}` ({', '.join(f'`{c}`' for c in columns)}) values "
		placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
		for start in range(0, len(rows), 1000):
			chunk = [clean_values(meta.name, row) for row in rows[start : start + 1000]]
			flat = []
			for idx, row in enumerate(chunk, start=start + 1):
				flat += [frappe.generate_hash(length=12), parent.name, parent.doctype, table, idx, now, now]
				flat += [user, user, 0, *(row.get(f) for f in fields)]
			frappe.db.sql(head + ", ".join([placeholders] * len(chunk)), flat)
		return parent.name

	def queue_follow_up(self, account: AccountRef, topic: str, event_id: str, payload: dict) -> None:
		from erp_connectors.connectors.intake import queue_event

		queue_event(account, topic, event_id, payload)


def _link_filters(account: AccountRef, remote_type: str, remote_id) -> dict:
	return {
		"account_doctype": account.doctype,
		"account": account.name,
		"remote_type": remote_type,
		"remote_id": str(remote_id),
	}


def _abbreviation(value: str, taken: set) -> str:
	"""A short code for an attribute value (ERPNext adds it to variant names); unique within the attribute."""
	base = "".join(ch for ch in value.upper() if ch.isalnum())[:6] or "V"
	abbr, n = base, 1
	while abbr in taken:
		n += 1
		abbr = f"{base[:5]}{n}"
	return abbr


def _draft(doc) -> dict:
	"""An unsaved mapped document as the plain dict the sync layer edits and inserts."""
	return doc.as_dict(no_nulls=True, no_default_fields=False)


def _plain(value):
	"""Decimals (exact in the sync layer) become floats for Frappe's Currency fields."""
	if isinstance(value, dict):
		return {key: _plain(item) for key, item in value.items()}
	if isinstance(value, list):
		return [_plain(item) for item in value]
	return float(value) if isinstance(value, Decimal) else value
