"""The v1 API's contract, pure: the error type, request validation and the change-feed cursor.

Nothing here imports frappe, so the rules a client relies on are tested without a bench.
"""

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

MAX_ITEMS = 1000
MAX_ORDER_LINES = 500
MAX_CHANGES_PAGE = 500
MAX_KEY_LENGTH = 140  # Connector Link's remote_id
# Whitespace as JSON Schema (ECMAScript) regexes define it, so "pattern": "\\S" in the spec and
# our own checks agree on what a blank string is (Python's str.strip also strips \x1c-\x1f).
SPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"


@dataclass
class ApiError(Exception):
	"""Becomes `{"error": {"code", "message", "details"}}` with `status`."""

	status: int
	code: str
	message: str
	details: dict = field(default_factory=dict)

	def body(self) -> dict:
		return {"error": {"code": self.code, "message": self.message, "details": self.details}}


def invalid(field_name: str, message: str, **details) -> ApiError:
	return ApiError(400, "invalid_request", f"{field_name}: {message}", {"field": field_name, **details})


def unknown(field_name: str, message: str, **details) -> ApiError:
	"""Well-formed, but names a record that does not exist (or may not be used): 422."""
	return ApiError(422, "unknown_reference", f"{field_name}: {message}", {"field": field_name, **details})


def unacceptable(field_name: str, message: str, **details) -> ApiError:
	"""Well-formed, but against a business rule (e.g. a delivery date in the past): 422."""
	return ApiError(422, "invalid_value", f"{field_name}: {message}", {"field": field_name, **details})


def parse_json_arg(value, field_name: str):
	"""A list or object sent in a query string or form arrives as JSON text."""
	if isinstance(value, str):
		try:
			return json.loads(value)
		except ValueError:
			raise invalid(field_name, "is not valid JSON") from None
	return value


def item_list(value, field_name: str = "items", limit: int = MAX_ITEMS) -> list[str]:
	"""1..limit distinct non-empty strings, order kept."""
	value = parse_json_arg(value, field_name)
	if value is None or value == []:
		raise invalid(field_name, "give at least one item code or SKU")
	if not isinstance(value, list):
		raise invalid(field_name, "must be a list of item codes or SKUs")
	if len(value) > limit:
		raise ApiError(
			400,
			"too_many_items",
			f"{field_name}: at most {limit} per call, got {len(value)}",
			{"field": field_name, "limit": limit, "given": len(value)},
		)
	seen: dict[str, None] = {}
	for index, item in enumerate(value):
		if not isinstance(item, str) or not item.strip(SPACE):
			raise invalid(f"{field_name}[{index}]", "must be a non-empty string")
		if len(item) > 140:
			raise invalid(f"{field_name}[{index}]", "is longer than 140 characters")
		seen.setdefault(item.strip(SPACE), None)
	return list(seen)


def optional_str_list(value, field_name: str) -> list[str] | None:
	if value in (None, "", []):
		return None
	return item_list(value, field_name)


def required_str(value, field_name: str, max_length: int = 140) -> str:
	if value is not None and not isinstance(value, str):
		raise invalid(field_name, "must be a string")
	if not value or not value.strip(SPACE):
		raise invalid(field_name, "is required")
	if len(value) > max_length:
		raise invalid(field_name, f"is longer than {max_length} characters")
	return value.strip(SPACE)


def optional_str(value, field_name: str, max_length: int = 140) -> str | None:
	if value in (None, ""):
		return None
	return required_str(value, field_name, max_length)


def positive_decimal(value, field_name: str, allow_zero: bool = False) -> Decimal:
	if isinstance(value, bool) or not isinstance(value, int | float):
		raise invalid(field_name, "must be a number")
	try:
		number = Decimal(str(value))
	except InvalidOperation:
		raise invalid(field_name, "must be a number") from None
	if not number.is_finite() or number < 0 or (number == 0 and not allow_zero):
		raise invalid(field_name, "must be greater than zero" if not allow_zero else "must not be negative")
	if number > Decimal("1e12"):
		raise invalid(field_name, "is too large")
	return number


def iso_date(value, field_name: str) -> str:
	if not isinstance(value, str):
		raise invalid(field_name, "must be a date as YYYY-MM-DD")
	try:
		return date.fromisoformat(value).isoformat()
	except ValueError:
		raise invalid(field_name, "must be a date as YYYY-MM-DD") from None


@dataclass(frozen=True)
class OrderLine:
	item: str
	qty: Decimal
	rate: Decimal | None
	warehouse: str | None


@dataclass(frozen=True)
class OrderRequest:
	idempotency_key: str
	customer: str
	lines: tuple[OrderLine, ...]
	delivery_date: str
	company: str | None = None
	currency: str | None = None
	po_no: str | None = None
	submit: bool = True

	def fingerprint(self) -> str:
		"""What must match when the same idempotency key is sent again."""
		lines = [[line.item, str(line.qty), str(line.rate), line.warehouse] for line in self.lines]
		return json.dumps([self.customer, lines, self.delivery_date, self.company, self.currency, self.po_no])


def objects(value, field_name: str, limit: int, noun: str, keys: tuple[str, ...], per: str = ""):
	"""(where, object) for a list of 1..limit JSON objects, e.g. order lines or parcels."""
	value = parse_json_arg(value, field_name)
	if not isinstance(value, list) or not value:
		raise invalid(field_name, f"give at least one {noun} as {{{', '.join(keys)}}}")
	if len(value) > limit:
		raise invalid(field_name, f"at most {limit} {noun}s{per}")
	for index, obj in enumerate(value):
		where = f"{field_name}[{index}]"
		if not isinstance(obj, dict):
			raise invalid(where, f"must be an object with {' and '.join(keys)}")
		yield where, obj


def order_request(
	idempotency_key, customer, items, delivery_date, company=None, currency=None, po_no=None, submit=True
) -> OrderRequest:
	key = required_str(idempotency_key, "idempotency_key", MAX_KEY_LENGTH)
	lines = []
	for where, line in objects(items, "items", MAX_ORDER_LINES, "line", ("item_code", "qty"), " per order"):
		item = line.get("item_code") or line.get("sku")
		lines.append(
			OrderLine(
				item=required_str(item, f"{where}.item_code"),
				qty=positive_decimal(line.get("qty"), f"{where}.qty"),
				rate=None
				if line.get("rate") is None
				else positive_decimal(line["rate"], f"{where}.rate", True),
				warehouse=optional_str(line.get("warehouse"), f"{where}.warehouse"),
			)
		)
	if not isinstance(submit, bool):
		raise invalid("submit", "must be true or false")
	return OrderRequest(
		idempotency_key=key,
		customer=required_str(customer, "customer"),
		lines=tuple(lines),
		delivery_date=iso_date(delivery_date, "delivery_date"),
		company=optional_str(company, "company"),
		currency=optional_str(currency, "currency", 3),
		po_no=optional_str(po_no, "po_no"),
		submit=submit,
	)


# --- change feed cursor ----------------------------------------------------------------------------

KINDS = ("item", "price", "stock", "deleted")  # also the tie-break order within one timestamp


@dataclass(frozen=True, order=True)
class Position:
	"""A point in the change feed: everything at or before it has been seen."""

	modified: datetime
	kind_rank: int
	name: str


def encode_cursor(position: Position) -> str:
	raw = json.dumps([position.modified.isoformat(), position.kind_rank, position.name])
	return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor) -> Position | None:
	if cursor in (None, ""):
		return None
	if not isinstance(cursor, str):
		raise invalid("cursor", "must be the next_cursor of an earlier page")
	# Well-formed text, but not a cursor this API issued: like an unknown id, 422.
	not_ours = ApiError(
		422, "unknown_reference", "cursor: not a next_cursor this API issued", {"field": "cursor"}
	)
	try:
		padded = cursor + "=" * (-len(cursor) % 4)
		modified, rank, name = json.loads(base64.urlsafe_b64decode(padded.encode()))
		position = Position(datetime.fromisoformat(modified), int(rank), str(name))
	except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
		raise not_ours from None
	if not 0 <= position.kind_rank < len(KINDS):
		raise not_ours
	return position


def page_limit(value, default: int = 100) -> int:
	if value is None:
		return default
	try:
		limit = int(value)
	except (TypeError, ValueError):
		raise invalid("limit", f"must be a whole number from 1 to {MAX_CHANGES_PAGE}") from None
	if not 1 <= limit <= MAX_CHANGES_PAGE:
		raise invalid("limit", f"must be a whole number from 1 to {MAX_CHANGES_PAGE}")
	return limit


def kinds_filter(value) -> tuple[str, ...]:
	if value in (None, "", []):
		return KINDS
	value = parse_json_arg(value, "kinds") if isinstance(value, str) and value.startswith("[") else value
	if isinstance(value, str):
		value = value.split(",")
	if not isinstance(value, list) or not value or any(kind not in KINDS for kind in value):
		raise invalid("kinds", f"must be one or more of {', '.join(KINDS)}")
	return tuple(kind for kind in KINDS if kind in value)


def merge_changes(
	pages: dict[str, list[tuple[Position, dict]]], limit: int
) -> tuple[list[dict], Position | None]:
	"""Merge per-kind pages (each sorted, each up to `limit` long) into one page in feed order.

	Returns the page and its last position; a kind whose own page was full may have more
	after it, which the next call starts from."""
	# Stable sort on (modified, kind) only: within one kind the database's own name order (its
	# collation, which the next page's keyset condition uses) is kept as it came.
	merged = sorted(
		(entry for page in pages.values() for entry in page),
		key=lambda entry: (entry[0].modified, entry[0].kind_rank),
	)
	chosen = merged[:limit]
	return [change for _, change in chosen], (chosen[-1][0] if chosen else None)
