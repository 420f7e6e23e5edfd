"""Request validation and the change-feed cursor of the v1 API."""

import random
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from erp_connectors.api.contract import (
	KINDS,
	MAX_ITEMS,
	ApiError,
	Position,
	decode_cursor,
	encode_cursor,
	item_list,
	kinds_filter,
	merge_changes,
	order_request,
	page_limit,
)


def test_item_list_keeps_order_drops_repeats_and_accepts_json_text():
	assert item_list(["B", "A", "B", " C "]) == ["B", "A", "C"]
	assert item_list(["\x1c"]) == ["\x1c"]  # not whitespace to JSON Schema's \S, so not to us either
	with pytest.raises(ApiError):
		item_list(["\u2003"])
	assert item_list('["x", "y"]') == ["x", "y"]


@pytest.mark.parametrize(
	"value, field, code",
	[
		(None, "items", "invalid_request"),
		([], "items", "invalid_request"),
		("not json", "items", "invalid_request"),
		({"a": 1}, "items", "invalid_request"),
		(["ok", ""], "items[1]", "invalid_request"),
		(["ok", 5], "items[1]", "invalid_request"),
		(["ok", "x" * 141], "items[1]", "invalid_request"),
		([f"S{i}" for i in range(MAX_ITEMS + 1)], "items", "too_many_items"),
	],
)
def test_item_list_names_the_offending_field(value, field, code):
	with pytest.raises(ApiError) as raised:
		item_list(value)
	assert (raised.value.status, raised.value.code, raised.value.details["field"]) == (400, code, field)


def order(**overrides):
	values = {
		"idempotency_key": "k-1",
		"customer": "Acme",
		"items": [{"item_code": "SKU-1", "qty": 2, "rate": 9.5}, {"sku": "SKU-2", "qty": 1.5}],
		"delivery_date": "2026-12-01",
	}
	values.update(overrides)
	return order_request(**values)


def test_order_request_reads_lines_as_decimals():
	request = order()
	assert [(line.item, line.qty, line.rate) for line in request.lines] == [
		("SKU-1", Decimal("2"), Decimal("9.5")),
		("SKU-2", Decimal("1.5"), None),
	]
	assert request.submit is True and order(submit=False).submit is False


@pytest.mark.parametrize(
	"overrides, field",
	[
		({"idempotency_key": ""}, "idempotency_key"),
		({"idempotency_key": "k" * 141}, "idempotency_key"),
		({"customer": None}, "customer"),
		({"items": []}, "items"),
		({"items": [{"qty": 1}]}, "items[0].item_code"),
		({"items": [{"item_code": "A", "qty": 0}]}, "items[0].qty"),
		({"items": [{"item_code": "A", "qty": -1}]}, "items[0].qty"),
		({"items": [{"item_code": "A", "qty": float("nan")}]}, "items[0].qty"),
		({"items": [{"item_code": "A", "qty": "2"}]}, "items[0].qty"),
		({"submit": "yes"}, "submit"),
		({"items": [{"item_code": "A", "qty": True}]}, "items[0].qty"),
		(
			{"items": [{"item_code": "A", "qty": 1}, {"item_code": "B", "qty": 1, "rate": -2}]},
			"items[1].rate",
		),
		({"delivery_date": "01/12/2026"}, "delivery_date"),
		({"currency": "EURO"}, "currency"),
	],
)
def test_order_request_errors_name_the_field(overrides, field):
	with pytest.raises(ApiError) as raised:
		order(**overrides)
	assert raised.value.details["field"] == field
	assert raised.value.message.startswith(field)


def test_same_request_same_fingerprint_different_request_different():
	assert order().fingerprint() == order().fingerprint()
	assert order().fingerprint() != order(items=[{"item_code": "SKU-1", "qty": 3}]).fingerprint()


def test_cursor_round_trip_and_garbage_is_a_400():
	position = Position(datetime(2026, 11, 23, 14, 5, 6, 123456), 2, "SKU-1 / Stores - TC")
	assert decode_cursor(encode_cursor(position)) == position
	assert decode_cursor(None) is None
	for garbage, status in (("abc", 422), ("e30", 422), (encode_cursor(position)[:-3] + "!!", 422), (5, 400)):
		with pytest.raises(ApiError) as raised:
			decode_cursor(garbage)
		assert (raised.value.status, raised.value.details["field"]) == (status, "cursor")


def test_limit_and_kinds_are_checked():
	assert page_limit(None) == 100 and page_limit("500") == 500
	for bad in (0, 501, "ten", ""):
		with pytest.raises(ApiError):
			page_limit(bad)
	assert kinds_filter("stock,item") == ("item", "stock")
	assert kinds_filter(None) == KINDS
	with pytest.raises(ApiError):
		kinds_filter("item,orders")


def test_paging_through_merged_kinds_visits_every_change_once():
	"""Simulate the server: each kind answers limit+1 rows after the cursor; the client follows next_cursor."""
	rng = random.Random(7)
	start = datetime(2026, 1, 1)
	rows = {
		kind: sorted(
			(
				Position(start + timedelta(seconds=rng.randrange(40)), rank, f"{kind}-{n:03d}"),
				{"id": f"{kind}-{n}"},
			)
			for n in range(rng.randrange(20, 60))
		)
		for rank, kind in enumerate(KINDS)
	}

	def page(kind, after, count):
		return [row for row in rows[kind] if after is None or row[0] > after][:count]

	seen, cursor, calls = [], None, 0
	while True:
		calls += 1
		pages = {kind: page(kind, cursor, 8) for kind in KINDS}
		changes, last = merge_changes(pages, 7)
		seen += [change["id"] for change in changes]
		if sum(len(p) for p in pages.values()) <= 7:
			break
		cursor = last
	expected = [change["id"] for _, change in sorted(row for kind in KINDS for row in rows[kind])]
	assert seen == expected
	assert calls == -(-len(expected) // 7) or calls == -(-len(expected) // 7) + 1
