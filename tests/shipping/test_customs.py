"""The customs declaration from Delivery Note lines, when one is needed, and how it splits over parcels."""

from decimal import Decimal

import pytest

from erp_connectors.connectors.errors import NeedsAttention
from erp_connectors.shipping_connector import customs
from erp_connectors.shipping_connector.carriers.model import Parcel, customs_by_parcel, needs_customs
from tests.shipping.conftest import declaration


def line(**changes):
	values = {
		"item_code": "TS-1",
		"item_name": "Cotton T-shirt",
		"qty": 2,
		"amount": "39.80",
		"currency": "EUR",
		"weight_per_unit": 200,
		"weight_uom": "Gram",
		"customs_tariff_number": "6109.10.00",
		"country_of_origin": "Portugal",
		"country_code": "pt",
	}
	return {**values, **changes}


def test_a_customs_border_lies_between_customs_territories_not_countries():
	assert not needs_customs("DE", "FR") and not needs_customs("US", "US") and not needs_customs("IN", "IN")
	assert needs_customs("DE", "US") and needs_customs("DE", "GB") and needs_customs("DE", "CH")


def test_lines_declare_their_items_tariff_origin_value_and_weight():
	declared = customs.declaration([line()], reference="SHIP-1", contents_type="Gift", incoterm="DDP")
	[item] = declared.items
	assert (item.hs_code, item.origin_country, item.value, item.weight_kg, item.quantity) == (
		"61091000",
		"PT",
		Decimal("39.80"),
		Decimal("0.400"),
		2,
	)
	assert (declared.contents_type, declared.incoterm, declared.invoice_number) == ("gift", "DDP", "SHIP-1")


def test_what_is_missing_is_named_with_its_item_and_field():
	lines = [
		line(),
		line(item_code="MUG-1", customs_tariff_number=None),
		line(item_code="CAP-1", country_code=None),
	]
	with pytest.raises(NeedsAttention) as info:
		customs.declaration(lines, reference="SHIP-1")
	message = info.value.remote_message
	assert "Item MUG-1 has no Customs Tariff Number (HS code)" in message
	assert "Item CAP-1 has no Country of Origin" in message and "TS-1" not in message
	with pytest.raises(NeedsAttention, match="add them to the Shipment's Delivery Notes"):
		customs.declaration([], reference="SHIP-1")


def test_lines_fill_parcels_in_order_by_weight_and_add_up_to_the_whole():
	parcels = (Parcel(weight=Decimal("0.6")), Parcel(weight=Decimal("0.6")))
	first, second = customs_by_parcel(declaration(), parcels)
	assert [(i.sku, i.quantity) for i in first.items] == [("TS-1", 2)]
	assert [(i.sku, i.quantity) for i in second.items] == [("MUG-1", 1)]
	# a line split over parcels keeps its total value
	three = (Parcel(weight=Decimal("0.2")),) * 2 + (Parcel(weight=Decimal("1")),)
	split = customs_by_parcel(declaration(), three)
	assert [[(i.sku, i.quantity) for i in c.items] for c in split] == [
		[("TS-1", 1)],
		[("TS-1", 1)],
		[("MUG-1", 1)],
	]
	assert sum(i.value for c in split for i in c.items) == declaration().value
	with pytest.raises(NeedsAttention, match="declare only 3 unit"):
		customs_by_parcel(declaration(), (Parcel(weight=Decimal("1")),) * 4, "SHIP-1")
