"""Carrier values, status vocabulary, registry and ERP mapping: pure functions."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from erp_connectors.connectors.errors import NeedsAttention
from erp_connectors.shipping_connector import mapping
from erp_connectors.shipping_connector.carriers import PROVIDERS, build_carrier, carrier_class
from erp_connectors.shipping_connector.carriers.model import (
	STATUSES,
	Parcel,
	Rate,
	TrackingUpdate,
	normalise_status,
)
from tests.shipping.conftest import us_shipment

ROOT = Path(__file__).resolve().parents[2]


def test_units_convert_exactly():
	parcel = Parcel(
		weight=Decimal("1"),
		weight_unit="kg",
		length=10,
		width=20,
		height=Decimal("2.54"),
		dimension_unit="cm",
	)
	assert parcel.weight_in("g") == 1000
	assert round(parcel.weight_in("oz"), 4) == Decimal("35.2740")
	assert parcel.dimensions_in("mm") == (100, 200, Decimal("25.4"))
	assert parcel.dimensions_in("in")[2] == 1
	assert Parcel(weight=Decimal("1"), length=10).dimensions_in("cm") is None
	with pytest.raises(NeedsAttention, match="Unknown unit 'stone'"):
		parcel.weight_in("stone")


def test_return_swaps_addresses_and_back():
	shipment = us_shipment()
	back = shipment.as_return()
	assert (back.from_address, back.to_address, back.is_return) == (
		shipment.to_address,
		shipment.from_address,
		True,
	)
	assert back.as_return() == shipment


def test_a_multi_parcel_shipment_needs_attention_for_single_parcel_carriers():
	shipment = us_shipment(parcels=us_shipment().parcels * 2)
	with pytest.raises(NeedsAttention, match="has 2 parcels"):
		shipment.single_parcel("EasyPost")


def test_rate_round_trips_through_the_desk_as_a_dict_exactly():
	rate = Rate(
		"EasyPost", "EasyPost US", "rate_1", "USPS", "Priority", Decimal("11.01"), "USD", 2, None, "shp_1"
	)
	assert Rate.from_dict(json.loads(json.dumps(rate.to_dict()))) == rate


def test_every_status_table_maps_into_the_one_vocabulary():
	for cls in PROVIDERS.values():
		assert set(cls.status_map.values()) <= set(STATUSES), cls.provider
	assert normalise_status({"pre_transit": "pre_transit"}, "Pre-Transit") == "pre_transit"
	assert normalise_status({}, None) == "unknown"


@pytest.mark.parametrize(
	"provider, raw, expected",
	[
		("EasyPost", "return_to_sender", "returned"),
		("EasyPost", "available_for_pickup", "out_for_delivery"),
		("Shippo", "TRANSIT", "in_transit"),
		("Shippo", "FAILURE", "exception"),
		("Sendcloud", "Shipment collected by customer", "delivered"),
		("Sendcloud", "Cancelled upstream", "cancelled"),
		("DHL Parcel DE", "pre-transit", "pre_transit"),
		("DHL Parcel DE", "something new", "unknown"),
	],
)
def test_provider_statuses_normalise(provider, raw, expected):
	assert carrier_class(provider).normalise(raw) == expected


def test_registry_covers_exactly_the_carrier_account_provider_options():
	doctype = ROOT / "erp_connectors/shipping_connector/doctype/carrier_account/carrier_account.json"
	field = next(f for f in json.loads(doctype.read_text())["fields"] if f["fieldname"] == "provider")
	assert set(field["options"].split("\n")) == set(PROVIDERS)


def test_unknown_provider_and_missing_credentials_need_attention():
	with pytest.raises(NeedsAttention, match="Unknown carrier provider 'UPS'"):
		build_carrier("X", {"provider": "UPS"})
	with pytest.raises(NeedsAttention, match="Carrier Account EasyPost US .EasyPost. has no api_key"):
		build_carrier("EasyPost US", {"provider": "EasyPost"})


def test_erp_address_and_parcels_map_to_carrier_values():
	address = {
		"address_title": "Acme",
		"address_line1": "Kurt-Schumacher-Str. 20",
		"city": "Bonn",
		"pincode": " 53113 ",
	}
	contact = {
		"first_name": "Maria",
		"last_name": "Musterfrau",
		"email_id": "maria@musterfrau.de",
		"mobile_no": "+49 987",
	}
	result = mapping.address_from_erp(address, country_code="de", contact=contact)
	assert (result.name, result.postal_code, result.country, result.phone) == (
		"Maria Musterfrau",
		"53113",
		"DE",
		"+49 987",
	)
	with pytest.raises(NeedsAttention, match="Address Acme has no city"):
		mapping.address_from_erp({**address, "city": ""}, country_code="DE")
	doc = {
		"name": "SHIP-1",
		"value_of_goods": 120.5,
		"shipment_parcel": [{"length": 30, "width": 20, "height": 10, "weight": 1.25, "count": 2}],
	}
	shipment = mapping.shipment_from_erp(doc, pickup=result, delivery=result)
	assert len(shipment.parcels) == 2 and shipment.parcels[0].weight == Decimal("1.25")
	assert shipment.value == Decimal("120.5")
	with pytest.raises(NeedsAttention, match="parcel row 1 has no weight"):
		mapping.parcels_from_erp([{"count": 1}], "SHIP-1")


def test_tracking_values_follow_erpnext_shipment_fields():
	update = TrackingUpdate(
		provider="Shippo", tracking_number="1", status="exception", message="Address unknown"
	)
	assert mapping.tracking_values(update, {}) == {
		"tracking_status": "In Progress",
		"tracking_status_info": "Exception: Address unknown",
	}
	unknown = TrackingUpdate(provider="Shippo", tracking_number="1", status="unknown")
	assert mapping.tracking_values(unknown, {"tracking_status": "In Progress"}) == {
		"tracking_status_info": "Unknown"
	}
	assert mapping.tracking_values(unknown, {"tracking_status": "Returned"}) is None
	assert len(mapping.tracking_info(TrackingUpdate("X", "1", "in_transit", message="x" * 500))) == 140


def test_base_url_is_a_setting_with_dhls_sandbox_in_test_mode():
	settings = {"provider": "DHL Parcel DE", "api_key": "k", "username": "u", "password": "p"}
	assert build_carrier("D", settings).base_url == "https://api-eu.dhl.com/parcel/de/shipping/v2"
	assert (
		build_carrier("D", {**settings, "test_mode": 1}).base_url
		== "https://api-sandbox.dhl.com/parcel/de/shipping/v2"
	)
	assert (
		build_carrier("D", {**settings, "base_url": "http://127.0.0.1:9/x/"}).base_url
		== "http://127.0.0.1:9/x"
	)
	assert build_carrier("E", {"provider": "EasyPost", "api_key": "k", "test_mode": 1}).base_url == (
		"https://api.easypost.com/v2"
	)
