"""The v1 API through the real WSGI app with API key authentication, on real ERPNext."""

import json
import time
from datetime import timedelta

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import now_datetime

from erp_connectors.api.bench_fixtures import (
	BARCODE,
	COMPANY,
	CUSTOMER,
	SKUS,
	WAREHOUSE,
	call,
	delivery_date,
	ensure_data,
	ensure_item,
	receive_stock,
	set_price,
)
from erp_connectors.api.contract import Position, encode_cursor
from erp_connectors.connectors.bench_fixtures import race, set_connector_settings

USER, NO_ROLE, NO_STOCK = "api-user@example.com", "api-no-role@example.com", "api-no-stock@example.com"


class ApiCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.tokens = ensure_data()

	def call(self, method, payload=None, http="POST", user=USER):
		response = call(method, self.tokens[user], payload, http)
		return response.status_code, response.json

	def assert_error(self, result, status, code, field=None):
		self.assertEqual(result[0], status, result[1])
		self.assertEqual(result[1]["error"]["code"], code)
		if field:
			self.assertEqual(result[1]["error"]["details"]["field"], field)


class TestAccess(ApiCase):
	def test_user_without_the_role_is_refused_with_the_envelope(self):
		self.assert_error(self.call("get_stock", {"items": [SKUS[0]]}, user=NO_ROLE), 403, "forbidden")

	def test_role_without_doctype_permission_is_refused(self):
		self.assert_error(
			self.call("get_stock", {"items": [SKUS[0]]}, user=NO_STOCK), 403, "permission_denied"
		)

	def test_guest_cannot_call(self):
		self.assertEqual(call("get_stock", None, {"items": [SKUS[0]]}).status_code, 403)

	def test_each_key_is_rate_limited(self):
		if time.time() % 60 > 50:  # stay inside one rate window
			time.sleep(61 - time.time() % 60)
		set_connector_settings(api_rate_limit_per_minute=2)
		frappe.cache.delete_keys("erp_connectors:api:")
		try:
			statuses = [call("get_stock", self.tokens[USER], {"items": [SKUS[0]]}) for _ in range(3)]
			self.assertEqual([r.status_code for r in statuses], [200, 200, 429])
			self.assertEqual(statuses[-1].json["error"]["code"], "rate_limited")
			self.assertTrue(1 <= int(statuses[-1].headers["Retry-After"]) <= 60)
			self.assertEqual(statuses[0].headers["X-RateLimit-Remaining"], "1")
			# Another key has its own budget.
			self.assertEqual(self.call("get_stock", {"items": [SKUS[0]]}, user=NO_STOCK)[0], 403)
		finally:
			set_connector_settings(api_rate_limit_per_minute=0)
			frappe.cache.delete_keys("erp_connectors:api:")

	def test_an_oauth_bearer_token_works_like_an_api_key(self):
		from frappe.utils import add_to_date

		client = frappe.db.get_value("OAuth Client", {"app_name": "API Bench Client"})
		if not client:
			client = (
				frappe.get_doc(
					{
						"doctype": "OAuth Client",
						"app_name": "API Bench Client",
						"scopes": "all",
						"redirect_uris": "https://client.example.com/callback",
						"default_redirect_uri": "https://client.example.com/callback",
						"skip_authorization": 1,
					}
				)
				.insert(ignore_permissions=True)
				.name
			)
		token = frappe.generate_hash(length=30)
		frappe.get_doc(
			{
				"doctype": "OAuth Bearer Token",
				"client": client,
				"user": USER,
				"scopes": "all",
				"access_token": token,
				"refresh_token": frappe.generate_hash(length=30),
				"expiration_time": add_to_date(now_datetime(), hours=1),
				"expires_in": 3600,
				"status": "Active",
			}
		).insert(ignore_permissions=True)
		frappe.db.commit()
		response = call("get_stock", f"Bearer {token}", {"items": [SKUS[0]]})
		self.assertEqual(response.status_code, 200, response.json)
		self.assertEqual(response.json["items"][0]["item_code"], SKUS[0])
		self.assertEqual(call("get_stock", "Bearer not-a-token", {"items": [SKUS[0]]}).status_code, 401)

	def test_a_body_that_is_not_a_json_object_is_400_in_our_envelope(self):
		from frappe.tests.test_api import make_request
		from frappe.utils import get_url

		from erp_connectors.api.bench_fixtures import CLIENT

		for raw in (b"\x00", b'"AAA"'):
			response = make_request(
				target=CLIENT.post,
				args=(f"{get_url()}/api/method/erp_connectors.api.v1.get_stock",),
				kwargs={
					"data": raw,
					"headers": {"Authorization": self.tokens[USER], "Content-Type": "application/json"},
				},
			)
			self.assertEqual(response.status_code, 400, (raw, response.get_data(as_text=True)))
			self.assertEqual(response.json["error"]["details"], {"field": "body"})

	def test_openapi_document_is_served(self):
		status, body = self.call("openapi", http="GET")
		self.assertEqual(status, 200)
		self.assertEqual(body["openapi"], "3.1.0")
		self.assertIn("/api/method/erp_connectors.api.v1.create_order", body["paths"])


class TestStockAndPrices(ApiCase):
	def test_get_stock_by_code_and_barcode_with_unknowns_listed(self):
		receive_stock(SKUS[0], 7)
		before = frappe.db.get_value("Bin", {"item_code": SKUS[0], "warehouse": WAREHOUSE}, "actual_qty")
		status, body = self.call(
			"get_stock", {"items": [SKUS[0], BARCODE, "NO-SUCH-SKU"], "warehouses": [WAREHOUSE]}
		)
		self.assertEqual(status, 200, body)
		by_code = {row["requested"]: row for row in body["items"]}
		self.assertEqual(by_code[SKUS[0]]["actual_qty"], before)
		self.assertEqual(by_code[SKUS[0]]["warehouses"][0]["warehouse"], WAREHOUSE)
		self.assertEqual(by_code[BARCODE]["item_code"], SKUS[2])
		self.assertEqual(body["not_found"], ["NO-SUCH-SKU"])

	def test_get_stock_validation_errors_name_the_field(self):
		self.assert_error(self.call("get_stock", {}), 400, "invalid_request", "items")
		self.assert_error(
			self.call("get_stock", {"items": [f"S{i}" for i in range(1001)]}), 400, "too_many_items", "items"
		)
		self.assert_error(self.call("get_stock", {"items": ["A", 3]}), 400, "invalid_request", "items[1]")
		self.assert_error(
			self.call("get_stock", {"items": ["A"], "warehouses": ["Nowhere - TC"]}),
			422,
			"unknown_reference",
			"warehouses[0]",
		)

	def test_get_prices_prefers_the_customers_own_price(self):
		status, body = self.call(
			"get_prices", {"items": [SKUS[0], SKUS[1], SKUS[2], "NOPE"], "customer": CUSTOMER}
		)
		self.assertEqual(status, 200, body)
		self.assertEqual(body["price_list"], "Standard Selling")
		rates = {
			row["item_code"]: (row["price_list_rate"], row["customer_specific"]) for row in body["prices"]
		}
		self.assertEqual(rates, {SKUS[0]: (8.0, True), SKUS[1]: (20.0, False)})
		self.assertEqual((body["no_price"], body["not_found"]), ([SKUS[2]], ["NOPE"]))
		status, body = self.call("get_prices", {"items": [SKUS[0]], "price_list": "Standard Selling"})
		self.assertEqual(body["prices"][0]["price_list_rate"], 10.0)

	def test_get_prices_validation_errors(self):
		self.assert_error(
			self.call("get_prices", {"items": [SKUS[0]], "customer": "Nobody"}),
			422,
			"unknown_reference",
			"customer",
		)
		self.assert_error(
			self.call("get_prices", {"items": [SKUS[0]], "price_list": "Standard Buying"}),
			422,
			"invalid_value",
			"price_list",
		)
		self.assert_error(self.call("get_prices", {"items": "SKU"}), 400, "invalid_request", "items")


class TestOrders(ApiCase):
	def order(self, key, **overrides):
		payload = {
			"idempotency_key": key,
			"customer": CUSTOMER,
			"delivery_date": delivery_date(),
			"items": [{"item_code": SKUS[0], "qty": 2}, {"item_code": BARCODE, "qty": 1, "rate": 12.5}],
			**overrides,
		}
		return self.call("create_order", payload)

	def test_same_key_three_times_gives_one_order(self):
		key = f"bench-{frappe.generate_hash(length=8)}"
		results = [self.order(key) for _ in range(3)]
		self.assertEqual([status for status, _ in results], [201, 200, 200], results)
		orders = {body["order"] for _, body in results}
		self.assertEqual(len(orders), 1)
		self.assertEqual([body["replayed"] for _, body in results], [False, True, True])
		[order] = orders
		self.assertEqual(frappe.db.count("Sales Order", {"po_no": key}), 0)  # po_no not given
		so = frappe.get_doc("Sales Order", order)
		self.assertEqual((so.docstatus, so.customer), (1, CUSTOMER))
		self.assertEqual(
			[(i.item_code, i.qty, i.rate) for i in so.items], [(SKUS[0], 2, 8.0), (SKUS[2], 1, 12.5)]
		)
		self.assertEqual(results[0][1]["grand_total"], so.grand_total)

	def test_racing_requests_with_one_key_give_one_order(self):
		key = f"race-{frappe.generate_hash(length=8)}"
		# A new item has no Bin yet: each racing submit also races to make it (ERPNext's insert race).
		item = f"API-RACE-{key}"
		ensure_item(item)
		set_price(item, 20.0)
		frappe.db.commit()
		payload = {
			"idempotency_key": key,
			"customer": CUSTOMER,
			"delivery_date": delivery_date(),
			"items": [{"item_code": item, "qty": 1}],
		}
		answers = race(lambda: call("create_order", self.tokens[USER], payload), [()] * 4)
		frappe.db.rollback()
		statuses = sorted(answer.status_code for answer in answers)
		self.assertEqual(statuses, [200, 200, 200, 201], [answer.json for answer in answers])
		links = frappe.get_all(
			"Connector Link", filters={"remote_type": "api_order", "remote_id": key}, pluck="reference_name"
		)
		self.assertEqual(len(links), 1)
		self.assertEqual(frappe.db.count("Sales Order Item", {"parent": links[0]}), 1)

	def test_reusing_a_key_for_another_order_is_409(self):
		key = f"reuse-{frappe.generate_hash(length=8)}"
		self.assertEqual(self.order(key)[0], 201)
		self.assert_error(
			self.order(key, items=[{"item_code": SKUS[1], "qty": 5}]),
			409,
			"idempotency_key_reused",
			"idempotency_key",
		)

	def test_validation_errors_name_the_field_and_create_nothing(self):
		before = frappe.db.count("Sales Order")
		self.assert_error(self.order("v1", customer="Nobody"), 422, "unknown_reference", "customer")
		self.assert_error(
			self.order("v2", items=[{"item_code": "NO-SUCH", "qty": 1}]),
			422,
			"unknown_reference",
			"items[0].item_code",
		)
		self.assert_error(
			self.order("v3", items=[{"item_code": SKUS[0], "qty": -1}]),
			400,
			"invalid_request",
			"items[0].qty",
		)
		self.assert_error(self.order("v4", delivery_date="2001-01-01"), 422, "invalid_value", "delivery_date")
		self.assert_error(
			self.order(
				"",
			),
			400,
			"invalid_request",
			"idempotency_key",
		)
		self.assertEqual(frappe.db.count("Sales Order"), before)
		self.assertFalse(
			frappe.db.exists(
				"Connector Link", {"remote_type": "api_order", "remote_id": ("in", ["v1", "v2", "v3", "v4"])}
			)
		)

	def test_user_without_sales_order_permission_gets_permission_denied(self):
		payload = {
			"idempotency_key": "no-perm",
			"customer": CUSTOMER,
			"delivery_date": delivery_date(),
			"items": [{"item_code": SKUS[0], "qty": 1}],
		}
		response = call("create_order", self.tokens[NO_STOCK], payload)
		self.assertEqual(response.status_code, 403, response.json)
		self.assertEqual(response.json["error"]["code"], "permission_denied")
		self.assertFalse(
			frappe.db.exists("Connector Link", {"remote_type": "api_order", "remote_id": "no-perm"})
		)

	def test_order_status_follows_invoice_and_payment(self):
		from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry
		from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice

		_, created = self.order(f"status-{frappe.generate_hash(length=8)}")
		order = created["order"]
		status, body = self.call("get_order_status", {"order": order}, http="GET")
		self.assertEqual(status, 200, body)
		self.assertEqual(
			(body["status"], body["invoices"], body["payments"]), ("To Deliver and Bill", [], [])
		)

		invoice = make_sales_invoice(order)
		invoice.insert(ignore_permissions=True).submit()
		payment = get_payment_entry("Sales Invoice", invoice.name)
		payment.reference_no, payment.reference_date = "api-test", frappe.utils.nowdate()
		payment.insert(ignore_permissions=True).submit()
		frappe.db.commit()
		status, body = self.call("get_order_status", {"order": order}, http="GET")
		self.assertEqual([i["name"] for i in body["invoices"]], [invoice.name])
		self.assertEqual(body["invoices"][0]["status"], "Paid")
		self.assertEqual([p["name"] for p in body["payments"]], [payment.name])
		self.assertEqual(body["per_billed"], 100)

	def test_order_status_errors(self):
		self.assert_error(
			self.call("get_order_status", {"order": "SO-NOPE"}, http="GET"), 404, "not_found", "order"
		)
		self.assert_error(self.call("get_order_status", {}, http="GET"), 400, "invalid_request", "order")


class TestPermissionsFollowERPNext(ApiCase):
	SALES = "api-sales@example.com"
	OTHER = "api-other-company@example.com"

	def paid_order(self):
		from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry
		from erpnext.selling.doctype.sales_order.sales_order import make_sales_invoice

		status, created = self.call(
			"create_order",
			{
				"idempotency_key": f"perm-{frappe.generate_hash(length=8)}",
				"customer": CUSTOMER,
				"delivery_date": delivery_date(),
				"items": [{"item_code": SKUS[0], "qty": 1}],
			},
		)
		self.assertEqual(status, 201, created)
		invoice = make_sales_invoice(created["order"]).insert(ignore_permissions=True)
		invoice.submit()
		payment = get_payment_entry("Sales Invoice", invoice.name)
		payment.reference_no, payment.reference_date = "perm-test", frappe.utils.nowdate()
		payment.insert(ignore_permissions=True).submit()
		frappe.db.commit()
		return created["order"], invoice.name, payment.name

	def test_a_sales_user_without_accounts_gets_no_payment_data(self):
		order, invoice, payment = self.paid_order()
		status, full = self.call("get_order_status", {"order": order}, http="GET")
		self.assertEqual(([p["name"] for p in full["payments"]], full["restricted"]), ([payment], []))

		status, body = self.call("get_order_status", {"order": order}, http="GET", user=self.SALES)
		self.assertEqual(status, 200, body)
		self.assertEqual(
			(body["invoices"], body["payments"], body["restricted"]),
			([], [], ["Sales Invoice", "Payment Entry"]),
		)
		self.assertNotIn(payment, json.dumps(body))
		self.assertNotIn(invoice, json.dumps(body))

	def test_an_order_of_a_company_the_user_may_not_read_looks_like_no_order(self):
		order, _, _ = self.paid_order()
		forbidden = self.call("get_order_status", {"order": order}, http="GET", user=self.OTHER)
		missing = self.call("get_order_status", {"order": "SO-NO-SUCH-ORDER"}, http="GET", user=self.OTHER)
		self.assert_error(forbidden, 404, "not_found", "order")
		self.assertEqual(
			forbidden[1]["error"]["message"].replace(order, "X"),
			missing[1]["error"]["message"].replace("SO-NO-SUCH-ORDER", "X"),
		)

	def test_rates_for_another_company_are_refused_before_any_carrier_is_asked(self):
		payload = {
			"to_address": TestShippingRates.ADDRESS,
			"from_address": TestShippingRates.ORIGIN,
			"company": COMPANY,
			"parcels": [{"weight": 1}],
		}
		calls = frappe.db.count("Connector Call Log")
		self.assert_error(
			self.call("get_shipping_rates", payload, user=self.OTHER), 403, "permission_denied", "company"
		)
		self.assertEqual(frappe.db.count("Connector Call Log"), calls)

	def test_prices_for_a_customer_the_user_may_not_read_are_refused(self):
		restricted = self.call("get_prices", {"items": [SKUS[0]], "customer": CUSTOMER}, user=self.OTHER)
		unknown = self.call("get_prices", {"items": [SKUS[0]], "customer": "Nobody At All"}, user=self.OTHER)
		self.assert_error(restricted, 422, "unknown_reference", "customer")
		self.assertEqual(restricted[1]["error"]["code"], unknown[1]["error"]["code"])


class TestChangeFeed(ApiCase):
	def feed(self, cursor, **params):
		status, body = self.call("list_changes", {"cursor": cursor, **params}, http="GET")
		self.assertEqual(status, 200, body)
		return body

	def test_changes_since_a_cursor_page_in_order_and_include_stock(self):
		start = encode_cursor(Position(now_datetime() - timedelta(seconds=1), 0, ""))
		set_price(SKUS[1], 21.0)
		receive_stock(SKUS[1], 3)
		frappe.get_doc("Item", SKUS[2]).save(ignore_permissions=True)
		frappe.db.commit()
		seen, names, cursor, pages = [], [], start, 0
		while True:
			page = self.feed(cursor, limit=1)
			pages += 1
			names += [(c["kind"], c["name"]) for c in page["changes"]]
			seen += [(c["kind"], c["data"].get("item_code", c["name"])) for c in page["changes"]]
			cursor = page["next_cursor"]
			if not page["has_more"]:
				break
		self.assertIn(("price", SKUS[1]), seen)
		self.assertIn(("stock", SKUS[1]), seen)
		self.assertIn(("item", SKUS[2]), seen)
		self.assertEqual(len(names), len(set(names)))  # no change twice
		self.assertEqual(pages, len(names))
		self.assertEqual(self.feed(cursor)["changes"], [])  # nothing new after the last page
		only_stock = self.feed(start, kinds="stock")["changes"]
		self.assertEqual({c["kind"] for c in only_stock}, {"stock"})

	def test_deleted_prices_are_in_the_feed(self):
		price = set_price(SKUS[2], 3.0)
		frappe.db.commit()
		start = encode_cursor(Position(now_datetime() - timedelta(seconds=1), 0, ""))
		frappe.delete_doc("Item Price", price, ignore_permissions=True)
		frappe.db.commit()
		changes = self.feed(start, kinds="deleted")["changes"]
		self.assertIn(
			{"deleted_doctype": "Item Price", "deleted_name": price}, [change["data"] for change in changes]
		)
		self.assertEqual({c["kind"] for c in changes}, {"deleted"})

	def test_feed_validation_errors(self):
		self.assert_error(
			self.call("list_changes", {"cursor": "garbage"}, http="GET"), 422, "unknown_reference", "cursor"
		)
		self.assert_error(
			self.call("list_changes", {"limit": 0}, http="GET"), 400, "invalid_request", "limit"
		)
		self.assert_error(
			self.call("list_changes", {"kinds": "orders"}, http="GET"), 400, "invalid_request", "kinds"
		)


class TestShippingRates(ApiCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		from erp_connectors.shipping_connector.bench_fixtures import OnlyTheseAccounts, carrier_account
		from erp_connectors.testing.fake_carriers.easypost import FakeEasyPost

		cls.easypost = FakeEasyPost(api_key="EZTK_bench_api").start()
		cls.only_these = OnlyTheseAccounts().__enter__()
		carrier_account(
			"EasyPost API Bench",
			"EasyPost",
			api_key="EZTK_bench_api",
			base_url=f"{cls.easypost.url}/v2",
			test_mode=1,
		)

	@classmethod
	def tearDownClass(cls):
		cls.easypost.stop()
		frappe.delete_doc("Carrier Account", "EasyPost API Bench", force=True, ignore_permissions=True)
		cls.only_these.__exit__()
		super().tearDownClass()

	ADDRESS = {
		"name": "Jane Doe",
		"street1": "1 Main St",
		"city": "Springfield",
		"postal_code": "62701",
		"country": "US",
	}
	ORIGIN = {
		"name": "Warehouse",
		"street1": "5 Dock Rd",
		"city": "Chicago",
		"postal_code": "60601",
		"country": "US",
	}

	def test_rates_for_parcels_to_an_address_cheapest_first(self):
		payload = {
			"to_address": self.ADDRESS,
			"from_address": self.ORIGIN,
			"company": "Test Company",
			"parcels": [{"weight": 1.2, "length": 30, "width": 20, "height": 10}],
		}
		status, body = self.call("get_shipping_rates", payload)
		self.assertEqual(status, 200, body)
		self.assertEqual(body["errors"], [])
		self.assertTrue(body["rates"])
		self.assertEqual({rate["account"] for rate in body["rates"]}, {"EasyPost API Bench"})
		amounts = [float(rate["amount"]) for rate in body["rates"]]
		self.assertEqual(amounts, sorted(amounts))

	def test_rate_request_validation_errors(self):
		base = {
			"to_address": self.ADDRESS,
			"from_address": self.ORIGIN,
			"company": "Test Company",
			"parcels": [{"weight": 1}],
		}
		cases = [
			({"parcels": []}, 400, "parcels"),
			({"parcels": [{"weight": 0}]}, 400, "parcels[0].weight"),
			({"parcels": [{"weight": 1, "weight_unit": "stone"}]}, 400, "parcels[0].weight_unit"),
			({"to_address": {**self.ADDRESS, "country": "USA"}}, 400, "to_address.country"),
			({"to_address": {**self.ADDRESS, "city": ""}}, 400, "to_address.city"),
			({"to_address": {**self.ADDRESS, "email": {}}}, 400, "to_address.email"),
			({"company": "No Such Company"}, 403, "company"),
		]
		for overrides, status, field in cases:
			with self.subTest(field=field):
				code = {400: "invalid_request", 403: "permission_denied"}.get(status, "unknown_reference")
				self.assert_error(self.call("get_shipping_rates", {**base, **overrides}), status, code, field)
