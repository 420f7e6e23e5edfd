"""Records for the shipping bench tests (never used in production paths)."""

import frappe
from frappe.utils import add_days, nowdate

from erp_connectors.connectors.bench_fixtures import ensure_customer


def address(
	title,
	line1="1 Main St",
	city="Louisville",
	state="KY",
	pincode="40202",
	country="United States",
	phone="5555550100",
	email=None,
):
	name = frappe.db.get_value("Address", {"address_title": title})
	if name:
		return name
	doc = {
		"doctype": "Address",
		"address_title": title,
		"address_type": "Shipping",
		"address_line1": line1,
		"city": city,
		"state": state,
		"pincode": pincode,
		"country": country,
		"phone": phone,
	}
	if email:
		doc["email_id"] = email
	return frappe.get_doc(doc).insert(ignore_permissions=True).name


def make_shipment(pickup: str, delivery: str, **overrides) -> str:
	"""A submitted Shipment between two Addresses of Test Company, committed."""
	doc = {
		"doctype": "Shipment",
		"pickup_from_type": "Company",
		"pickup_company": "Test Company",
		"pickup_address_name": pickup,
		"delivery_to_type": "Company",
		"delivery_company": "Test Company",
		"delivery_address_name": delivery,
		"shipment_parcel": [{"length": 20, "width": 15, "height": 10, "weight": 1.5, "count": 1}],
		"value_of_goods": 120,
		"pickup_date": add_days(nowdate(), 1),
		"pickup_from": "09:00",
		"pickup_to": "17:00",
		"description_of_content": "Bench test parcel",
		**overrides,
	}
	shipment = frappe.get_doc(doc).insert(ignore_permissions=True)
	shipment.submit()
	frappe.db.commit()
	return shipment.name


def delete_shipment(name: str):
	frappe.db.delete("File", {"attached_to_doctype": "Shipment", "attached_to_name": name})
	for child in ("Shipment Parcel", "Shipment Delivery Note"):
		frappe.db.delete(child, {"parent": name})
	frappe.db.delete("Shipment", {"name": name})
	frappe.db.delete("Connector Link", {"reference_doctype": "Shipment", "reference_name": name})
	frappe.db.delete("Carrier Quote", {"shipment": name})
	frappe.db.delete("Carrier Label", {"shipment": name})
	frappe.db.commit()


def buy(shipment: str, account: str, *, is_return: int = 0, pick=None) -> dict:
	"""Get Rates, then Buy Label on one of `account`'s quotes (the cheapest, or `pick(rates)`)."""
	from erp_connectors.shipping_connector import shipment_actions

	quote = shipment_actions.get_rates(shipment, is_return=is_return)
	rates = [rate for rate in quote["rates"] if rate["account"] == account]
	if not rates:
		raise AssertionError(f"{account} quoted nothing: {quote['errors']}")
	chosen = pick(rates) if pick else rates[0]
	return shipment_actions.buy_label(shipment, chosen["quote"])


GERMAN = {"state": None, "country": "Germany"}


def stock_manager(email: str = "stock-manager-carriers@example.com") -> str:
	"""A user with the Stock Manager role only (not Administrator, not System Manager)."""
	if not frappe.db.exists("User", email):
		user = frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": "Stock", "send_welcome_email": 0}
		).insert(ignore_permissions=True)
		user.add_roles("Stock Manager")
	frappe.db.commit()
	return email


ITEM_GROUP = "Carrier Bench Items"  # apart from every other suite's catalogue (Shopify pushes its group)


def customs_item(code: str, *, tariff: str | None, origin: str | None, weight: float | None = 0.4):
	"""A non-stock Item with what a customs declaration reads from it, in its own Item Group."""
	if not frappe.db.exists("Item Group", ITEM_GROUP):
		root = frappe.db.get_value("Item Group", {"is_group": 1, "parent_item_group": ("in", ("", None))})
		frappe.get_doc(
			{"doctype": "Item Group", "item_group_name": ITEM_GROUP, "parent_item_group": root, "is_group": 0}
		).insert(ignore_permissions=True)
	if tariff and not frappe.db.exists("Customs Tariff Number", tariff):
		frappe.get_doc({"doctype": "Customs Tariff Number", "tariff_number": tariff}).insert(
			ignore_permissions=True
		)
	values = {
		"customs_tariff_number": tariff,
		"country_of_origin": origin,
		"weight_per_unit": weight,
		"weight_uom": "Kg",
	}
	if frappe.db.exists("Item", code):
		frappe.db.set_value("Item", code, values)
	else:
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": code,
				"item_name": code.replace("-", " ").title(),
				"item_group": ITEM_GROUP,
				"stock_uom": "Nos",
				"is_stock_item": 0,
				**values,
			}
		).insert(ignore_permissions=True)
	frappe.db.commit()
	return code


def delivery_note(customer: str, lines: list[tuple[str, float, float]]) -> str:
	"""A submitted Delivery Note of Test Company: lines of (item code, qty, rate)."""
	ensure_customer(
		customer,
		customer_group=frappe.db.get_value("Customer Group", {"is_group": 0}, "name"),
		territory=frappe.db.get_value("Territory", {"is_group": 0}, "name"),
	)
	note = frappe.get_doc(
		{
			"doctype": "Delivery Note",
			"customer": customer,
			"company": "Test Company",
			"currency": "USD",
			"conversion_rate": 1,
			"selling_price_list": "Standard Selling",
			"items": [
				{"item_code": code, "qty": qty, "rate": rate, "uom": "Nos", "conversion_factor": 1}
				for code, qty, rate in lines
			],
		}
	)
	note.insert(ignore_permissions=True)
	note.submit()
	frappe.db.commit()
	return note.name


def carrier_account(name: str, provider: str, **values):
	"""(Re)create a Carrier Account for Test Company."""
	if frappe.db.exists("Carrier Account", name):
		frappe.delete_doc("Carrier Account", name, force=True, ignore_permissions=True)
	doc = {
		"doctype": "Carrier Account",
		"account_name": name,
		"provider": provider,
		"company": "Test Company",
	}
	frappe.get_doc({**doc, **values}).insert(ignore_permissions=True)
	frappe.db.commit()


class OnlyTheseAccounts:
	"""Disable every other enabled Carrier Account for the duration, so rate requests stay local."""

	def __enter__(self):
		self.others = frappe.get_all("Carrier Account", filters={"enabled": 1}, pluck="name")
		for name in self.others:
			frappe.db.set_value("Carrier Account", name, "enabled", 0)
		frappe.db.commit()
		return self

	def __exit__(self, *exc):
		for name in self.others:
			frappe.db.set_value("Carrier Account", name, "enabled", 1)
		frappe.db.commit()


def delete_delivery_notes_and_items(notes: list[str], items: list[str]):
	"""Undo delivery_note() and customs_item(): cancel and delete the notes, then delete the Items."""
	for name in notes:
		if frappe.db.exists("Delivery Note", name):
			note = frappe.get_doc("Delivery Note", name)
			if note.docstatus == 1:
				note.cancel()
			frappe.delete_doc("Delivery Note", name, force=True, ignore_permissions=True)
	for code in items:
		frappe.delete_doc("Item", code, force=True, ignore_permissions=True)
	frappe.db.commit()


DESK_ACCOUNT = "EasyPost Desk Demo"


def seed_desk_shipment() -> str:
	"""A two-parcel Bonn to California Shipment with its labels bought (through a fake EasyPost started
	for the purchase), its customs declaration from a Delivery Note, parcel 2 delivered and parcel 1's
	file still to download: what tools/desk_shipment.mjs opens. `bench execute` it; prints the name."""
	from erp_connectors.connectors.frappe_gateway import FrappeGateway
	from erp_connectors.connectors.gateway import AccountRef
	from erp_connectors.shipping_connector import sync
	from erp_connectors.shipping_connector.carriers.model import TrackingUpdate
	from erp_connectors.shipping_connector.webhook import CarrierWebhookSource
	from erp_connectors.testing.fake_carriers.easypost import FakeEasyPost

	fake = FakeEasyPost(api_key="EZTK_desk").start()
	try:
		with OnlyTheseAccounts():
			carrier_account(
				DESK_ACCOUNT,
				"EasyPost",
				api_key="EZTK_desk",
				base_url=f"{fake.url}/v2",
				webhook_secret="whsec_desk",
			)
			customs_item("DESK-TSHIRT", tariff="6109.10.00", origin="Portugal", weight=0.2)
			customs_item("DESK-MUG", tariff="6912.00.21", origin="China", weight=0.35)
			note = delivery_note("Desk Demo Customer", [("DESK-TSHIRT", 2, 19.90), ("DESK-MUG", 1, 12.50)])
			name = make_shipment(
				address("Desk Lager", "Sträßchensweg 10", "Bonn", pincode="53113", **GERMAN),
				address("Desk Customer", "179 N Harbor Dr", "Redondo Beach", "CA", "90277"),
				shipment_parcel=[{"length": 20, "width": 15, "height": 10, "weight": 0.6, "count": 1}] * 2,
				shipment_delivery_note=[{"delivery_note": note}],
				incoterm="DAP",
				description_of_content="T-shirts and a mug",
			)
			fake.inject("status", status=503, path="/files/postage_label/", times=3)  # parcel 1's label file
			buy(name, DESK_ACCOUNT)
			second = frappe.get_all(
				"Shipment Parcel", {"parent": name}, pluck="carrier_tracking_number", order_by="idx"
			)[1]
			delivery = fake.webhook_delivery("whsec_desk", status="delivered", tracking_code=second)
			source = CarrierWebhookSource().for_provider("EasyPost")
			update = source.parse(delivery.body, delivery.lower_headers).payload["update"]
			sync.apply_tracking_update(
				FrappeGateway(), AccountRef("Carrier Account", DESK_ACCOUNT), TrackingUpdate.from_dict(update)
			)
			frappe.db.commit()
	finally:
		fake.stop()
	frappe.db.set_value("Carrier Account", DESK_ACCOUNT, "enabled", 0)
	frappe.db.commit()
	print(name)
	return name


def remove_desk_shipment(name: str):
	"""Undo seed_desk_shipment."""
	notes = frappe.get_all("Shipment Delivery Note", {"parent": name}, pluck="delivery_note")
	delete_shipment(name)
	delete_delivery_notes_and_items(notes, ["DESK-TSHIRT", "DESK-MUG"])
	frappe.db.delete("Connector Link", {"account": DESK_ACCOUNT})
	frappe.delete_doc("Carrier Account", DESK_ACCOUNT, force=True, ignore_permissions=True)
	frappe.db.commit()
