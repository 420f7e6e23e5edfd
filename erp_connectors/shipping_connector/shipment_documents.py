"""ERPNext's Shipment as the carriers' Shipment (the Frappe half of `mapping` and `customs`).

Reads the Shipment, its Addresses and Contacts, and, for a route that crosses a customs border,
the lines of its Delivery Notes with their Items' tariff numbers and countries of origin.
"""

from dataclasses import replace
from decimal import Decimal

import frappe

from erp_connectors.shipping_connector import customs, mapping
from erp_connectors.shipping_connector.carriers.model import needs_customs

CONTENTS_FIELD = "customs_contents_type"
COD_FIELD = "carrier_cod_amount"


def carrier_shipment(doc, *, is_return: bool = False):
	"""The model Shipment of an ERPNext Shipment (its return when `is_return`)."""
	pickup = address(doc.pickup_address_name, doc.pickup_contact_name)
	delivery = address(doc.delivery_address_name, doc.delivery_contact_name)
	declaration = None
	if needs_customs(pickup.country, delivery.country):
		declaration = customs.declaration(
			customs_lines(doc),
			reference=doc.name,
			contents_type=("return" if is_return else doc.get(CONTENTS_FIELD)) or "merchandise",
			incoterm=doc.get("incoterm"),
			invoice_number=_invoice_number(doc),
			signer=pickup.name or None,
		)
	values = doc.as_dict()
	shipment = mapping.shipment_from_erp(
		values, pickup=pickup, delivery=delivery, customs=declaration, currency=_currency(doc)
	)
	cod = doc.get(COD_FIELD)
	if cod and not is_return:
		shipment = replace(shipment, cod_amount=Decimal(str(cod)))
	return shipment.as_return() if is_return else shipment


def address(address_name: str, contact_name: str | None):
	record = frappe.get_doc("Address", address_name).as_dict()
	contact = frappe.get_doc("Contact", contact_name).as_dict() if contact_name else None
	code = frappe.db.get_value("Country", record.country, "code") or ""
	return mapping.address_from_erp(record, country_code=code, contact=contact)


def customs_lines(doc) -> list[dict]:
	"""The Delivery Note Items shipped, with what their Items declare."""
	notes = mapping.delivery_notes(doc.as_dict())
	if not notes:
		return []
	rows = frappe.db.sql(
		"""select dni.item_code, dni.item_name, dni.description, dni.qty, dni.amount, dn.currency,
			dni.weight_per_unit, dni.weight_uom, item.weight_per_unit as item_weight,
			item.weight_uom as item_weight_uom, item.customs_tariff_number, item.country_of_origin,
			country.code as country_code
		from `tabDelivery Note Item` dni
		join `tabDelivery Note` dn on dn.name = dni.parent
		join `tabItem` item on item.name = dni.item_code
		left join `tabCountry` country on country.name = item.country_of_origin
		where dni.parent in %(notes)s and dn.docstatus = 1
		order by dn.name, dni.idx""",
		{"notes": notes},
		as_dict=True,
	)
	for row in rows:
		if not row.weight_per_unit:
			row.weight_per_unit, row.weight_uom = row.item_weight, row.item_weight_uom
	return rows


def split_counted_rows(doc) -> bool:
	"""Give every parcel its own row, so each carries its own label: a row counting 3 parcels becomes
	3 rows of one (written straight to the submitted Shipment's parcel table). True when it split one."""
	rows = sorted(doc.shipment_parcel, key=lambda row: row.idx)
	if all(int(row.count or 1) <= 1 for row in rows):
		return False
	idx = 0
	for row in rows:
		count = max(int(row.count or 1), 1)
		idx += 1
		frappe.db.set_value("Shipment Parcel", row.name, {"count": 1, "idx": idx}, update_modified=False)
		for _ in range(count - 1):
			idx += 1
			copy = frappe.get_doc(
				{
					"doctype": "Shipment Parcel",
					"parent": doc.name,
					"parenttype": "Shipment",
					"parentfield": "shipment_parcel",
					"idx": idx,
					**{field: row.get(field) for field in ("length", "width", "height", "weight")},
					"count": 1,
				}
			)
			copy.db_insert()
	return True


def _invoice_number(doc) -> str:
	notes = mapping.delivery_notes(doc.as_dict())
	return notes[0] if notes else doc.name


def _currency(doc) -> str | None:
	company = doc.get("pickup_company") or doc.get("delivery_company")
	return frappe.get_cached_value("Company", company, "default_currency") if company else None
