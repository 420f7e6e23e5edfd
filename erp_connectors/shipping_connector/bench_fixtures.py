"""Records for the shipping bench tests (never used in production paths)."""

import frappe
from frappe.utils import add_days, nowdate


def address(
	title, line1="1 Main St", city="Louisville", state="KY", pincode="40202", country="United States"
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
		"phone": "5555550100",
	}
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
	frappe.db.commit()


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
