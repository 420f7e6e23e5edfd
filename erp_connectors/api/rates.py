"""get_shipping_rates: rates for parcels to an address, from the company's carrier accounts."""

import frappe

from erp_connectors.api.contract import (
	ApiError,
	invalid,
	objects,
	optional_str,
	parse_json_arg,
	positive_decimal,
	required_str,
	unacceptable,
)
from erp_connectors.api.envelope import charge_rate_limit
from erp_connectors.api.items import readable_record
from erp_connectors.shipping_connector import sync
from erp_connectors.shipping_connector.carrier_accounts import carriers_for, enabled_accounts
from erp_connectors.shipping_connector.carriers.model import Address, Parcel, Shipment
from erp_connectors.shipping_connector.shipment_documents import address as _address

MAX_PARCELS = 20
WEIGHT_UNITS = ("kg", "g", "lb", "oz")
DIMENSION_UNITS = ("cm", "in")


def get_shipping_rates(to_address, parcels, from_address=None, company=None) -> dict:
	"""Quotes from the company's carrier accounts, for a company this user may read. Each carrier
	asked counts against the caller's rate limit, as one request of its own would."""
	company = optional_str(company, "company") or frappe.defaults.get_user_default("Company")
	refusal = ApiError(
		403, "permission_denied", f"You may not quote for company {company!r}.", {"field": "company"}
	)
	readable_record("Company", company or "", ["name"], "company", refusal)
	destination = address_from(to_address, "to_address")
	origin = (
		address_from(from_address, "from_address") if from_address is not None else company_address(company)
	)
	shipment = Shipment(
		reference=f"quote-{frappe.generate_hash(length=10)}",
		from_address=origin,
		to_address=destination,
		parcels=parcels_from(parcels),
	)
	accounts = enabled_accounts(company)
	if not accounts:
		raise ApiError(
			422, "no_carrier_account", f"No enabled Carrier Account for {company}.", {"field": "company"}
		)
	charge_rate_limit(len(accounts) - 1)
	return sync.get_rates(shipment, carriers_for(accounts)).to_dict()


def address_from(value, where: str) -> Address:
	value = parse_json_arg(value, where)
	if not isinstance(value, dict):
		raise invalid(where, "must be an object with street1, city, postal_code and country")
	country = required_str(value.get("country"), f"{where}.country", 2).upper()
	if len(country) != 2 or not country.isalpha():
		raise invalid(f"{where}.country", "must be an ISO 3166-1 alpha-2 code such as DE or US")
	return Address(
		name=optional_str(value.get("name"), f"{where}.name") or "Recipient",
		street1=required_str(value.get("street1"), f"{where}.street1"),
		city=required_str(value.get("city"), f"{where}.city"),
		postal_code=required_str(value.get("postal_code"), f"{where}.postal_code", 20),
		country=country,
		company=optional_str(value.get("company"), f"{where}.company"),
		street2=optional_str(value.get("street2"), f"{where}.street2"),
		state=optional_str(value.get("state"), f"{where}.state"),
		phone=optional_str(value.get("phone"), f"{where}.phone"),
		email=optional_str(value.get("email"), f"{where}.email"),
	)


def parcels_from(value) -> tuple[Parcel, ...]:
	parcels = []
	for where, parcel in objects(value, "parcels", MAX_PARCELS, "parcel", ("weight",)):
		weight_unit = "kg" if parcel.get("weight_unit") is None else parcel["weight_unit"]
		dimension_unit = "cm" if parcel.get("dimension_unit") is None else parcel["dimension_unit"]
		if weight_unit not in WEIGHT_UNITS:
			raise invalid(f"{where}.weight_unit", f"must be one of {', '.join(WEIGHT_UNITS)}")
		if dimension_unit not in DIMENSION_UNITS:
			raise invalid(f"{where}.dimension_unit", f"must be one of {', '.join(DIMENSION_UNITS)}")
		sides = {}
		for side in ("length", "width", "height"):
			if parcel.get(side) is not None:
				sides[side] = positive_decimal(parcel[side], f"{where}.{side}")
		parcels.append(
			Parcel(
				weight=positive_decimal(parcel.get("weight"), f"{where}.weight"),
				weight_unit=weight_unit,
				dimension_unit=dimension_unit,
				**sides,
			)
		)
	return tuple(parcels)


def company_address(company: str) -> Address:
	name = frappe.db.get_value(
		"Dynamic Link",
		{"link_doctype": "Company", "link_name": company, "parenttype": "Address"},
		"parent",
		order_by="creation asc",
	)
	if not name:
		raise unacceptable("from_address", f"give it, or add an address to company {company}")
	return _address(name, None)
