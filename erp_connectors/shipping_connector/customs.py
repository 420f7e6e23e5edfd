"""A customs declaration from the lines of the Delivery Notes being shipped. Pure: no frappe.

Each line declares its Item's customs tariff number (HS code) and country of origin, the line's
value in the note's currency and its weight (the Item's weight per unit times the quantity). What
is missing holds the purchase with a message naming the Item and the field to fill in.
"""

import re
from collections.abc import Mapping
from decimal import Decimal

from erp_connectors.connectors.errors import NeedsAttention
from erp_connectors.shipping_connector.carriers.model import CONTENTS_TYPES, Customs, CustomsItem

# ERPNext's UOM names for weight (and their usual abbreviations), in kilograms.
KG_PER = {
	"kg": Decimal(1),
	"kilogram": Decimal(1),
	"g": Decimal("0.001"),
	"gm": Decimal("0.001"),
	"gram": Decimal("0.001"),
	"lb": Decimal("0.45359237"),
	"pound": Decimal("0.45359237"),
	"oz": Decimal("0.028349523125"),
	"ounce": Decimal("0.028349523125"),
}
FIELD_LABELS = {
	"customs_tariff_number": "Customs Tariff Number (HS code)",
	"country_of_origin": "Country of Origin",
	"weight_per_unit": "Weight Per Unit",
}


def declaration(
	lines: list[Mapping],
	*,
	reference: str,
	contents_type: str | None = None,
	incoterm: str | None = None,
	invoice_number: str | None = None,
	signer: str | None = None,
) -> Customs:
	"""`lines`: the Delivery Note Items shipped, each with its Item's customs fields:
	{item_code, item_name, description, qty, amount, currency, weight_per_unit, weight_uom,
	customs_tariff_number, country_of_origin, country_code}."""
	if not lines:
		raise NeedsAttention(
			f"Shipment {reference} crosses a customs border, and its customs declaration lists the lines of "
			"the Delivery Notes shipped: add them to the Shipment's Delivery Notes table."
		)
	problems, items = [], []
	for line in lines:
		missing = _missing(line)
		if missing:
			problems.append(
				f"Item {line.get('item_code')} has no {' and no '.join(FIELD_LABELS[f] for f in missing)}"
			)
			continue
		items.append(_item(line, problems))
	currencies = {item.currency for item in items}
	if len(currencies) > 1:
		problems.append(f"the Delivery Notes are in {', '.join(sorted(currencies))}; declare one currency")
	if problems:
		raise NeedsAttention(
			f"Shipment {reference} needs a customs declaration: {'; '.join(problems)}. "
			"Fill them in on the Item (or the Delivery Note), then buy again."
		)
	kind = (contents_type or "merchandise").strip().lower()
	if kind not in CONTENTS_TYPES:
		raise NeedsAttention(f"Contents type {contents_type!r} is not one of {', '.join(CONTENTS_TYPES)}.")
	return Customs(
		items=tuple(items),
		contents_type=kind,
		incoterm=(incoterm or None),
		invoice_number=(invoice_number or reference)[:35],
		signer=signer or None,
	)


def hs_code(value) -> str:
	"""A tariff number as carriers take it: digits only ("6109.10.00" -> "61091000")."""
	return re.sub(r"\D", "", str(value or ""))


def _missing(line: Mapping) -> list[str]:
	missing = []
	if len(hs_code(line.get("customs_tariff_number"))) < 6:
		missing.append("customs_tariff_number")
	if not line.get("country_code"):
		missing.append("country_of_origin")
	if not line.get("weight_per_unit"):
		missing.append("weight_per_unit")
	return missing


def _item(line: Mapping, problems: list) -> CustomsItem:
	unit = str(line.get("weight_uom") or "kg").strip().lower()
	per_kg = KG_PER.get(unit)
	if per_kg is None:
		problems.append(
			f"Item {line.get('item_code')} weighs in {line.get('weight_uom')!r}, not a weight unit"
		)
		per_kg = Decimal(1)
	quantity = Decimal(str(line.get("qty") or 0))
	return CustomsItem(
		description=str(line.get("item_name") or line.get("description") or line.get("item_code"))[:255],
		quantity=int(quantity) if quantity == quantity.to_integral_value() else int(quantity) + 1,
		value=Decimal(str(line.get("amount") or 0)).quantize(Decimal("0.01")),
		currency=str(line.get("currency") or ""),
		weight_kg=(Decimal(str(line["weight_per_unit"])) * per_kg * quantity).quantize(Decimal("0.001")),
		hs_code=hs_code(line.get("customs_tariff_number")),
		origin_country=str(line["country_code"]).upper(),
		sku=line.get("item_code") or None,
	)
