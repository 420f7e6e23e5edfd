"""A fulfillment made in Shopify becomes a Delivery Note for exactly what it shipped; our own echo adds nothing."""

import pytest

from erp_connectors.connectors.errors import NeedsAttention, TransientError
from erp_connectors.shopify_connector.fulfillments_in import delivery_note, fulfillment_gid
from tests.shopify.test_refunds import BOOKS, Books, paid, sample


def fulfillment_of(order, lines, status="success", location=None, tracking=None):
	return {
		"id": 255858046,
		"order_id": order["id"],
		"status": status,
		"created_at": "2026-11-21T10:00:00-05:00",
		"location_id": location,
		"tracking_number": tracking,
		"name": "#1001.1",
		"admin_graphql_api_id": "gid://shopify/Fulfillment/255858046",
		"line_items": [{**line, "quantity": qty} for line, qty in lines],
	}


def imported():
	books = Books({**BOOKS, "create_invoice": False, "location_warehouses": {"655441491": "Berlin - TC"}})
	order = paid(sample())
	books.items(order)
	books.run("orders/create", order)
	return books, order


def test_partial_fulfillment_delivers_only_its_lines_from_the_mapped_location():
	books, order = imported()
	first, second = order["line_items"][:2]
	books.run(
		"fulfillments/create", fulfillment_of(order, [(first, 1)], location=655441491, tracking="1Z999")
	)
	[note] = books.docs("Delivery Note")
	assert [(row["item_code"], row["qty"], row["warehouse"]) for row in note["items"]] == [
		(first["sku"], 1, "Berlin - TC")
	]
	assert (note["lr_no"], note["posting_date"], note["docstatus"]) == ("1Z999", "2026-11-21", 1)
	assert books.gateway.locked == [("Sales Order", note["items"][0]["against_sales_order"])]
	assert second["sku"] not in [row["item_code"] for row in note["items"]]


def test_an_echo_or_a_redelivery_adds_no_second_delivery():
	books, order = imported()
	fulfillment = fulfillment_of(order, [(order["line_items"][0], 1)])
	books.run("fulfillments/create", fulfillment)
	books.run("fulfillments/create", fulfillment)
	assert len(books.docs("Delivery Note")) == 1
	[(key, bound)] = [(k, v) for k, v in books.gateway.links.items() if k[1] == "fulfillment_id"]
	assert key[2] == fulfillment_gid(fulfillment) and bound[0] == "Delivery Note"


def test_unfinished_fulfillments_deliver_nothing_and_orders_come_first():
	books, order = imported()
	assert (
		books.run(
			"fulfillments/create", fulfillment_of(order, [(order["line_items"][0], 1)], status="pending")
		)
		is None
	)
	assert books.docs("Delivery Note") == []
	with pytest.raises(TransientError, match="not imported yet"):
		books.run("fulfillments/create", {**fulfillment_of(order, []), "order_id": 1})


def test_more_than_the_order_has_left_or_an_unknown_line_is_held():
	draft = {"items": [{"item_code": "A", "qty": 1, "so_detail": "x"}]}
	line = {"id": 1, "sku": "A", "title": "A"}
	with pytest.raises(NeedsAttention, match="2 x A more than"):
		delivery_note(draft, {"id": 5, "line_items": [{**line, "quantity": 3}]}, {"1": "A"}, {})
	with pytest.raises(NeedsAttention, match="no Item"):
		delivery_note(draft, {"id": 5, "line_items": [{**line, "quantity": 1}]}, {}, {})
