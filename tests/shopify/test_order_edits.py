"""An edited Shopify order replaces its undelivered Sales Order by an amendment; a delivered one gets a note."""

import copy

from tests.shopify.test_order_mapping import line, order_of
from tests.shopify.test_refunds import BOOKS, Books


def placed():
	order = order_of([line(1, "10.00", 2), line(2, "5.00", 1)], total="25.00")
	order.update(
		{
			"financial_status": "pending",
			"test": False,
			"cancelled_at": None,
			"updated_at": "2026-11-22T10:00:00-05:00",
		}
	)
	return order


def edited(order):
	order = copy.deepcopy(order)
	order["line_items"][0]["quantity"] = 3
	order.update({"total_price": "35.00", "updated_at": "2026-11-22T10:05:00-05:00"})
	return order


def books_with(order):
	books = Books({**BOOKS, "create_invoice": False})
	books.items(order)
	books.run("orders/create", order)
	return books


def test_an_edit_cancels_and_amends_the_sales_order_and_moves_the_link():
	order = placed()
	books = books_with(order)
	[first] = books.docs("Sales Order")
	result = books.run("orders/updated", edited(order))
	amended = books.gateway.get(*result)
	assert first["docstatus"] == 2 and amended["docstatus"] == 1
	assert amended["amended_from"] == first["name"]
	assert sorted((r["item_code"], r["qty"]) for r in amended["items"]) == [("SKU-1", 3), ("SKU-2", 1)]
	assert books.gateway.find_link(books.ctx.account, "order", order["id"]) == result
	assert books.gateway.locked[-1] == ("Sales Order", first["name"])


def test_an_update_that_changes_nothing_we_map_touches_nothing():
	order = placed()
	books = books_with(order)
	books.run("orders/updated", {**order, "tags": "vip", "updated_at": "2026-11-22T10:07:00-05:00"})
	assert [d["docstatus"] for d in books.docs("Sales Order")] == [1]


def test_an_edit_after_delivery_leaves_a_single_note():
	order = placed()
	books = books_with(order)
	[first] = books.docs("Sales Order")
	books.gateway.docs["Sales Order"][first["name"]]["per_delivered"] = 50
	change = edited(order)
	books.run("orders/updated", change)
	books.run("orders/updated", change)  # redelivered
	assert [d["docstatus"] for d in books.docs("Sales Order")] == [1]
	[(doctype, name, text)] = books.gateway.comments
	assert (doctype, name) == ("Sales Order", first["name"]) and "35.00" in text and "by hand" in text
