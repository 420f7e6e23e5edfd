"""DHL Parcel DE Shipping v2 client against its fake, with DHL's own example order and SDK fixtures."""

import dataclasses
import json
import re
from decimal import Decimal

import pytest

from erp_connectors.connectors.errors import AuthError, NeedsAttention, PermanentError
from erp_connectors.shipping_connector.carriers import build_carrier
from erp_connectors.shipping_connector.carriers.dhl_parcel_de import MAX_LENGTHS, DhlParcelDeCarrier
from erp_connectors.shipping_connector.carriers.model import Parcel
from erp_connectors.testing.contracts.problems import Problem
from erp_connectors.testing.fake_carriers.dhl import SHIPPING_CONTRACT
from tests.shipping.conftest import data, de_shipment, de_to_us, declaration, dhl_settings, fast


def carrier(fake, **settings):
	return build_carrier("DHL Bonn", dhl_settings(fake, **settings), **fast())


def paket(client):
	return next(rate for rate in client.rates(de_shipment()) if rate.service_code == "V01PAK")


def test_rates_are_the_accounts_flat_table_filtered_by_weight(dhl_fake):
	client = carrier(dhl_fake)
	assert [(r.service, r.amount, r.transit_days) for r in client.rates(de_shipment())] == [
		("DHL Paket", Decimal("4.99"), 2),
		("DHL Kleinpaket", Decimal("3.69"), 2),
	]
	heavy = de_shipment(parcels=(Parcel(weight=Decimal("2.5")),))
	assert [r.service for r in client.rates(heavy)] == ["DHL Paket"]
	assert dhl_fake.requests == []  # no rate API: nothing was called


def test_flat_rates_may_be_json_text_and_missing_ones_need_attention(dhl_fake):
	as_text = carrier(dhl_fake, flat_rates=json.dumps([{"product": "V01PAK", "amount": "5.10"}]))
	assert [(r.service, r.amount, r.currency) for r in as_text.rates(de_shipment())] == [
		("V01PAK", Decimal("5.10"), "EUR")
	]
	with pytest.raises(NeedsAttention, match="DHL Parcel DE has no rate API"):
		carrier(dhl_fake, flat_rates=[]).rates(de_shipment())


def test_buy_posts_an_order_and_decodes_the_base64_label(dhl_fake):
	client = carrier(dhl_fake)
	label = client.buy_label(de_shipment(), paket(client), "label:SHIP-00002")
	fixture = data("dhl_parcel_de_v2_sdk_fixture_POST_orders_response_singleShipmentSuccess.json")["items"][0]
	assert label.tracking_number == label.label_ref == fixture["shipmentNo"]
	assert label.label_bytes.startswith(b"%PDF-1.4")
	assert (label.price, label.currency, label.label_format) == (Decimal("4.99"), "EUR", "PDF")
	request = dhl_fake.requests[-1]
	assert request.query == {"docFormat": "PDF"}
	assert request.header("dhl-api-key") == dhl_fake.api_key and request.header("authorization").startswith(
		"Basic "
	)
	example = data("dhl_parcel_de_v2_openapi_example_POST_orders_request_DHLPaket.json")["shipments"][0]
	sent = request.json()["shipments"][0]
	assert sent["details"] == example["details"]
	assert (sent["product"], sent["billingNumber"], sent["refNo"]) == (
		"V01PAK",
		"33333333330102",
		"label:SHIP-00002",
	)
	for side in ("shipper", "consignee"):
		assert {k: sent[side][k] for k in ("addressStreet", "postalCode", "city", "country")} == {
			k: example[side][k] for k in ("addressStreet", "postalCode", "city", "country")
		}


def test_dhls_validation_messages_are_surfaced_verbatim(dhl_fake):
	client = carrier(dhl_fake)
	dhl_fake.reject_next_order()
	with pytest.raises(PermanentError) as info:
		client.buy_label(de_shipment(), paket(client), "label:SHIP-00002")
	assert info.value.status == 400
	assert info.value.remote_message == (
		"0 of 1 shipment successfully created.; shipper: The house number entered could not be found.; "
		"consignee: The city entered does not match the postcode. The shipment is not codeable."
	)


def test_missing_postal_code_names_the_property(dhl_fake):
	client = carrier(dhl_fake)
	broken = de_shipment(to_address=dataclasses.replace(de_shipment().to_address, postal_code=""))
	with pytest.raises(PermanentError, match="consignee.postalCode: Please enter a postal code."):
		client.buy_label(broken, paket(client), "label:SHIP-00002")


def test_wrong_password_is_an_auth_error(dhl_fake):
	client = carrier(dhl_fake, password="wrong")
	with pytest.raises(AuthError, match="Unauthorized for given resource."):
		client.buy_label(de_shipment(), paket(client), "label:SHIP-00002")


def test_a_country_dhl_cannot_code_needs_attention(dhl_fake):
	client = carrier(dhl_fake)
	odd = de_shipment(
		to_address=dataclasses.replace(de_shipment().to_address, country="XX"), customs=declaration()
	)
	with pytest.raises(NeedsAttention, match="ISO-3 country code for 'XX'"):
		client.buy_label(odd, paket(client), "label:SHIP-00002")


def test_void_deletes_the_order_and_unknown_numbers_are_refused(dhl_fake):
	client = carrier(dhl_fake)
	label = client.buy_label(de_shipment(), paket(client), "label:SHIP-00002")
	assert client.void_label(label.label_ref).state == "voided"
	assert dhl_fake.requests[-1].query == {"profile": "STANDARD_GRUPPENPROFIL", "shipment": label.label_ref}
	with pytest.raises(PermanentError, match="Unknown shipment number."):
		client.void_label(label.label_ref)


def test_tracking_is_polled_from_the_unified_api(dhl_fake):
	client = carrier(dhl_fake)
	label = client.buy_label(de_shipment(), paket(client), "label:SHIP-00002")
	assert client.track(label.tracking_number).status == "pre_transit"
	dhl_fake.tracking_status[label.tracking_number] = "delivered"
	update = client.track(label.tracking_number)
	assert (update.status, update.carrier_status, update.tracking_number) == (
		"delivered",
		"delivered",
		label.tracking_number,
	)
	request = dhl_fake.requests[-1]
	assert request.path == "/track/shipments" and request.header("dhl-api-key") == dhl_fake.api_key
	assert request.header("authorization") is None  # the tracking API takes only the key


@pytest.mark.parametrize(
	"code, expected",
	[
		("pre-transit", "pre_transit"),
		("transit", "in_transit"),
		("delivered", "delivered"),
		("failure", "exception"),
		("unknown", "unknown"),
	],
)
def test_unified_status_codes_normalise(code, expected):
	assert DhlParcelDeCarrier.normalise(code) == expected


def test_tracking_an_unknown_number_surfaces_dhls_detail(dhl_fake):
	with pytest.raises(PermanentError) as info:
		carrier(dhl_fake).track("00340434000000000000")
	assert (info.value.status, info.value.remote_message) == (
		404,
		"No shipment with given tracking number found.",
	)


def test_dhl_has_no_webhooks():
	assert DhlParcelDeCarrier.supports_webhooks is False
	with pytest.raises(PermanentError, match="no webhooks"):
		DhlParcelDeCarrier.verify_webhook(b"{}", {}, {}, "secret")
	with pytest.raises(PermanentError, match="no webhooks"):
		DhlParcelDeCarrier.parse_webhook(b"{}", {})


def schema(name):
	return SHIPPING_CONTRACT.resolve({"$ref": f"#/components/schemas/{name}"})


def max_length(schema_name, key):
	return schema(schema_name)["properties"][key]["maxLength"]


def sent_order(fake):
	return next(r for r in reversed(fake.requests) if r.path.endswith("/orders")).json()["shipments"][0]


def test_the_shipper_has_only_the_shipper_schemas_fields(dhl_fake):
	"""D1: Shipper has no phone and no additional address line (ContactAddress has both); a second
	street line goes on the label as name3."""
	client = carrier(dhl_fake)
	shipper = dataclasses.replace(de_shipment().from_address, phone="+49 228 1234", street2="Hof 2")
	client.buy_label(de_shipment(from_address=shipper), paket(client), "label:SHIP-00002")
	sent = sent_order(dhl_fake)["shipper"]
	assert set(sent) <= set(schema("Shipper")["properties"])
	assert sent["name3"] == "Hof 2" and "phone" not in sent
	assert dhl_fake.refused == []


def test_free_text_is_cut_to_the_lengths_of_dhls_schema(dhl_fake):
	"""D2: names and the extra address line are cut to the document's maxLength, for every such field."""
	client = carrier(dhl_fake)
	long = "Müller-Lüdenscheidt Feinkost und Delikatessen Import GmbH & Co. KG Niederlassung"
	sides = {
		side: dataclasses.replace(getattr(de_shipment(), side), company=long, name=long[::-1], street2=long)
		for side in ("from_address", "to_address")
	}
	client.buy_label(de_shipment(**sides), paket(client), "label:SHIP-00002")
	order = sent_order(dhl_fake)
	expected = {
		("shipper", "Shipper"): {"name1": long, "name2": long[::-1], "name3": long},
		("consignee", "ContactAddress"): {
			"name1": long,
			"name2": long[::-1],
			"additionalAddressInformation1": long,
		},
	}
	for (side, schema_name), values in expected.items():
		for key, value in values.items():
			assert order[side][key] == value[: max_length(schema_name, key)], (side, key)
	assert dhl_fake.refused == []


@pytest.mark.parametrize(
	"field, key, value",
	[
		("street1", "addressStreet", "Kurt-Schumacher-Straße zwischen Bahnhof und Rathausplatz"),
		("house_number", "addressHouse", "20 Hinterhaus"),
		("city", "city", "Frankfurt am Main Flughafen Frachtzentrum Süd"),
		("postal_code", "postalCode", "53113-1234-5"),
		("email", "email", "maria." + "musterfrau" * 8 + "@example.de"),
		("phone", "phone", "+49 987 654 321 0012 3456 789"),
	],
)
def test_an_address_field_that_cannot_be_cut_needs_attention(dhl_fake, field, key, value):
	"""D2: cutting a street, house number, city, postal code, email or phone would send a wrong address,
	so one longer than DHL's schema allows is refused before anything is sent."""
	assert len(value) > max_length("ContactAddress", key)
	client = carrier(dhl_fake)
	consignee = dataclasses.replace(de_shipment().to_address, **{field: value})
	limit = max_length("ContactAddress", key)
	with pytest.raises(NeedsAttention, match=rf"at most {limit} characters for the recipient's {key}"):
		client.buy_label(de_shipment(to_address=consignee), paket(client), "label:SHIP-00002")
	assert dhl_fake.requests == []


@pytest.mark.parametrize("postal_code", ["53113", "D-53113", "1234 AB", "53113!", "5 3", "12"])
def test_postal_codes_are_refused_exactly_where_dhls_pattern_refuses_them(dhl_fake, postal_code):
	rule = schema("ContactAddress")["properties"]["postalCode"]
	valid = bool(re.fullmatch(rule["pattern"], postal_code)) and rule["minLength"] <= len(postal_code)
	client = carrier(dhl_fake)
	consignee = dataclasses.replace(de_shipment().to_address, postal_code=postal_code)
	if valid:
		client.buy_label(de_shipment(to_address=consignee), paket(client), "label:SHIP-00002")
		assert sent_order(dhl_fake)["consignee"]["postalCode"] == postal_code
	else:
		with pytest.raises(NeedsAttention, match="postal code"):
			client.buy_label(de_shipment(to_address=consignee), paket(client), "label:SHIP-00002")


def test_a_long_phone_number_is_sent_without_its_punctuation_when_that_makes_it_fit(dhl_fake):
	client = carrier(dhl_fake)
	consignee = dataclasses.replace(de_shipment().to_address, phone="+49 (0) 170 / 123 45 67")
	client.buy_label(de_shipment(to_address=consignee), paket(client), "label:SHIP-00002")
	assert sent_order(dhl_fake)["consignee"]["phone"] == "+4901701234567"


def test_the_clients_field_lengths_are_dhls(dhl_fake):
	"""The client cannot read tests/data; its table must agree with the document for every field."""
	for key, limit in MAX_LENGTHS.items():
		schemas = [name for name in ("Shipper", "ContactAddress") if key in schema(name)["properties"]]
		assert schemas, key
		assert {max_length(name, key) for name in schemas} == {limit}, key


def test_two_parcels_abroad_are_two_dhl_shipments_each_with_its_customs_document(dhl_fake):
	client = carrier(dhl_fake)
	shipment = de_to_us()
	[rate] = client.rates(shipment)  # national products are not offered abroad
	assert (rate.service_code, rate.amount) == ("V53WPAK", Decimal("35.98"))  # two parcels, two shipments
	label = client.buy_label(shipment, rate, "label:SHIP-00004")
	numbers = [parcel.tracking_number for parcel in label.parcels]
	assert len(set(numbers)) == 2 and label.tracking_number == numbers[0]
	assert all(parcel.label_bytes.startswith(b"%PDF") for parcel in label.parcels)
	assert [doc.kind for doc in label.documents] == ["commercial_invoice"] * 2
	[order] = [r.json() for r in dhl_fake.requests if r.path.endswith("/orders") and r.method == "POST"]
	first, second = (shipment["customs"] for shipment in order["shipments"])
	# Every line declared once over both parcels, filling them by weight (the two shirts, 0.4 kg, fill the
	# first 0.6 kg parcel; the mug goes in the second); the schema checked each, as DHL's document has it.
	assert [(i["hsCode"], i["packagedQuantity"]) for i in first["items"]] == [("61091000", 2)]
	assert [(i["hsCode"], i["packagedQuantity"]) for i in second["items"]] == [("69120021", 1)]
	assert sum(i["itemValue"]["value"] for i in first["items"] + second["items"]) == 52.30
	assert first["exportType"] == "COMMERCIAL_GOODS" and first["items"][0]["countryOfOrigin"] == "PRT"
	assert [s["refNo"] for s in order["shipments"]] == ["label:SHIP-00004/1", "label:SHIP-00004/2"]
	assert dhl_fake.purchases == 2


def test_a_parcel_abroad_without_its_declaration_is_held_before_dhl_is_asked(dhl_fake):
	client = carrier(dhl_fake)
	shipment = de_to_us(customs=None)
	with pytest.raises(NeedsAttention, match="needs a customs declaration"):
		client.buy_label(shipment, client.rates(shipment)[0], "label:SHIP-00004")
	assert dhl_fake.purchases == 0


def test_dhl_refusing_one_parcel_deletes_the_others_it_just_created(dhl_fake):
	client = carrier(dhl_fake)
	shipment = de_to_us()
	rate = client.rates(shipment)[0]
	real = dhl_fake._problems
	calls = []

	def second_refused(order):
		calls.append(order)
		return (
			[Problem("The city entered does not match the postcode.", "/consignee/city")]
			if len(calls) == 2
			else real(order)
		)

	dhl_fake._problems = second_refused
	with pytest.raises(PermanentError, match="does not match the postcode"):
		client.buy_label(shipment, rate, "label:SHIP-00004")
	assert dhl_fake.orders == {}  # the first parcel's shipment was deleted again
	deletes = [r for r in dhl_fake.requests if r.method == "DELETE"]
	assert len(deletes) == 1


def test_zpl_labels_are_dhls_own_zpl(dhl_fake):
	client = carrier(dhl_fake, label_format="ZPL")
	label = client.buy_label(de_shipment(), paket(client), "label:SHIP-00002")
	post = next(r for r in dhl_fake.requests if r.method == "POST")
	assert post.query["docFormat"] == "ZPL2"
	assert label.label_format == "ZPL"
	assert label.parcel_labels[0].label_bytes.startswith(b"^XA") and label.label_bytes.endswith(b"^XZ")
