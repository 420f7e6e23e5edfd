"""Shippo client against its fake; rates are Shippo's own sample payload."""

import dataclasses
from decimal import Decimal

import pytest
from shippo.models import components

from erp_connectors.connectors.errors import AuthError, NeedsAttention, PermanentError, SignatureError
from erp_connectors.shipping_connector.carriers import build_carrier
from erp_connectors.shipping_connector.carriers.model import Parcel
from erp_connectors.shipping_connector.carriers.shippo import ShippoCarrier
from erp_connectors.testing.contracts.shippo_sdk import model_problems
from tests.shipping.conftest import data, de_to_us, fast, shippo_settings, us_shipment


def carrier(fake, **settings):
	return build_carrier("Shippo US", shippo_settings(fake, **settings), **fast())


def test_rates_from_shippos_sample_with_exact_amounts(shippo_fake):
	rates = carrier(shippo_fake).rates(us_shipment())
	sample = data("shippo_official_repo_sample_rates_trimmed.json")["results"]
	assert [(r.rate_id, r.carrier, r.service, r.service_code, r.amount, r.transit_days) for r in rates] == [
		(
			s["object_id"],
			s["provider"],
			s["servicelevel"]["name"],
			s["servicelevel"]["token"],
			Decimal(s["amount"]),
			s["estimated_days"],
		)
		for s in sample
	]


def test_rates_request_uses_shippo_token_and_synchronous_shipment(shippo_fake):
	carrier(shippo_fake).rates(us_shipment())
	request = shippo_fake.requests[-1]
	assert request.header("authorization") == f"ShippoToken {shippo_fake.token}"
	body = request.json()
	assert body["async"] is False
	assert body["parcels"] == [
		{
			"weight": "1.868",
			"mass_unit": "kg",
			"length": "51.31",
			"width": "27.69",
			"height": "12.7",
			"distance_unit": "cm",
		}
	]


def test_field_keyed_validation_errors_are_surfaced(shippo_fake):
	broken = dataclasses.replace(us_shipment().to_address, postal_code="")
	with pytest.raises(PermanentError) as info:
		carrier(shippo_fake).rates(us_shipment(to_address=broken))
	assert info.value.status == 400
	assert info.value.remote_message == "address_to.zip: This field is required."


def test_invalid_token_is_an_auth_error_with_shippos_detail(shippo_fake):
	with pytest.raises(AuthError) as info:
		carrier(shippo_fake, api_key="shippo_test_wrong").rates(us_shipment())
	assert info.value.remote_message == "Invalid token."


def test_buy_creates_a_transaction_and_downloads_the_pdf_without_credentials(shippo_fake):
	client = carrier(shippo_fake)
	rate = client.rates(us_shipment())[0]
	label = client.buy_label(us_shipment(), rate, "label:SHIP-00001")
	sent = shippo_fake.requests[-1].json()
	assert sent == {
		"rate": rate.rate_id,
		"label_file_type": "PDF",
		"async": False,
		"metadata": "label:SHIP-00001",
	}
	assert (label.carrier, label.service, label.price, label.currency) == (
		"USPS",
		"Ground Advantage",
		Decimal("5.50"),
		"USD",
	)
	assert label.tracking_number.isdigit() and label.tracking_number in label.tracking_url
	assert client.fetch_label_bytes(label).startswith(b"%PDF")
	assert shippo_fake.requests[-1].header("authorization") is None


def test_a_carrier_refusal_inside_a_201_is_surfaced_verbatim(shippo_fake):
	client = carrier(shippo_fake)
	rate = client.rates(us_shipment())[0]
	shippo_fake.refuse_next_purchase = (
		"The address as submitted could not be found. Please check for excessive abbreviations."
	)
	with pytest.raises(PermanentError) as info:
		client.buy_label(us_shipment(), rate, "label:SHIP-00001")
	assert info.value.remote_message == (
		"The address as submitted could not be found. Please check for excessive abbreviations."
	)


def test_buying_an_unknown_rate_surfaces_shippos_message(shippo_fake):
	client = carrier(shippo_fake)
	rate = dataclasses.replace(client.rates(us_shipment())[0], rate_id="nope")
	with pytest.raises(PermanentError, match='rate: Invalid pk "nope" - object does not exist.'):
		client.buy_label(us_shipment(), rate, "label:SHIP-00001")


def test_void_requests_a_refund(shippo_fake):
	client = carrier(shippo_fake)
	label = client.buy_label(us_shipment(), client.rates(us_shipment())[0], "label:SHIP-00001")
	result = client.void_label(label.label_ref)
	assert (result.label_ref, result.state, result.message) == (label.label_ref, "pending", "QUEUED")


@pytest.mark.parametrize(
	"number, expected",
	[
		("SHIPPO_PRE_TRANSIT", "pre_transit"),
		("SHIPPO_TRANSIT", "in_transit"),
		("SHIPPO_DELIVERED", "delivered"),
		("SHIPPO_RETURNED", "returned"),
		("SHIPPO_FAILURE", "exception"),
		("SHIPPO_UNKNOWN", "unknown"),
	],
)
def test_shippo_test_tracking_numbers_normalise(shippo_fake, number, expected):
	update = carrier(shippo_fake).track(number, "shippo")
	assert (update.tracking_number, update.status, update.carrier) == (number, expected, "shippo")
	assert shippo_fake.requests[-1].path == f"/tracks/shippo/{number}"


def test_track_without_a_carrier_asks_for_one(shippo_fake):
	with pytest.raises(PermanentError, match="carrier token"):
		carrier(shippo_fake).track("SHIPPO_TRANSIT")


def test_webhook_token_valid_wrong_and_missing(shippo_fake):
	delivery = shippo_fake.webhook_delivery("tok-1", "9205590175547700027199")
	ShippoCarrier.verify_webhook(delivery.body, delivery.lower_headers, delivery.query, ["tok-1"])
	ShippoCarrier.verify_webhook(delivery.body, delivery.lower_headers, delivery.query, ["tok-new", "tok-1"])
	with pytest.raises(SignatureError):
		ShippoCarrier.verify_webhook(delivery.body, delivery.lower_headers, {"token": "tok-2"}, ["tok-1"])
	with pytest.raises(SignatureError):
		ShippoCarrier.verify_webhook(delivery.body, delivery.lower_headers, {}, ["tok-1"])
	with pytest.raises(SignatureError):
		ShippoCarrier.verify_webhook(delivery.body, delivery.lower_headers, delivery.query, [])


def test_parse_track_updated_with_out_for_delivery_substatus(shippo_fake):
	delivery = shippo_fake.webhook_delivery("tok", "92055901", status="TRANSIT", substatus="out_for_delivery")
	update = ShippoCarrier.parse_webhook(delivery.body, delivery.lower_headers)
	assert (update.tracking_number, update.status, update.carrier_status) == (
		"92055901",
		"out_for_delivery",
		"TRANSIT",
	)
	assert update.event_id  # the tracking status object id: unique per status


def test_parse_ignores_other_shippo_events():
	assert ShippoCarrier.parse_webhook(b'{"event":"transaction_created","test":true,"data":{}}', {}) is None
	with pytest.raises(ValueError):
		ShippoCarrier.parse_webhook(b"[1, 2]", {})


@pytest.mark.parametrize(
	"sides, missing",
	[({}, "length, width and height"), ({"length": 30, "width": 20}, "height")],
)
def test_a_parcel_without_its_dimensions_needs_attention_before_anything_is_sent(shippo_fake, sides, missing):
	"""H1: the SDK's ParcelCreateRequest requires length, width, height and distance_unit (the other
	branch is a carrier parcel template, which a Shipment's parcel is not); weight alone is a 400."""
	parcel = Parcel(weight=Decimal("1.2"), **sides)
	with pytest.raises(
		NeedsAttention, match=f"Shippo needs every parcel's length, width and height.*{missing}"
	):
		carrier(shippo_fake).rates(us_shipment(parcels=(parcel,)))
	assert shippo_fake.requests == []


def test_the_parcels_sent_are_the_sdks_parcel_create_request(shippo_fake):
	carrier(shippo_fake).rates(us_shipment())
	body = shippo_fake.requests[-1].json()
	assert model_problems(body["parcels"][0], components.ParcelCreateRequest) == []
	assert shippo_fake.refused == []


def test_a_multi_piece_purchase_gives_each_parcel_its_label_with_the_customs_declaration(shippo_fake):
	client = carrier(shippo_fake)
	shipment = de_to_us()
	rate = min(client.rates(shipment), key=lambda r: r.amount)
	sent = next(r.json() for r in shippo_fake.requests if r.path == "/shipments/")
	declaration = sent["customs_declaration"]  # walked against the SDK's CustomsDeclarationCreateRequest
	assert (declaration["contents_type"], declaration["incoterm"], declaration["non_delivery_option"]) == (
		"MERCHANDISE",
		"DAP",
		"RETURN",
	)
	assert [(i["tariff_number"], i["origin_country"], i["quantity"]) for i in declaration["items"]] == [
		("61091000", "PT", 2),
		("69120021", "CN", 1),
	]
	assert len(rate.parts) == 2  # the shipment's two parcel ids
	label = client.buy_label(shipment, rate, "label:SHIP-00004")
	assert shippo_fake.purchases == 1 and len(label.parcels) == 2
	assert len({p.tracking_number for p in label.parcels}) == 2
	listed = shippo_fake.requests[-1]
	assert (listed.method, listed.path, listed.query["rate"]) == ("GET", "/transactions", rate.rate_id)
	assert [d.kind for d in label.documents] == ["commercial_invoice"] * 2
	assert label.price == rate.amount  # Shippo's rate covers the whole multi-piece shipment


def test_shippo_refuses_an_international_purchase_without_a_declaration(shippo_fake):
	client = carrier(shippo_fake)
	bare = de_to_us(customs=None)
	rate = client.rates(bare)[0]  # quoting goes without, as the API's quotes do
	with pytest.raises(NeedsAttention, match="needs a customs declaration"):
		client.buy_label(bare, rate, "label:SHIP-00004")
	assert shippo_fake.purchases == 0


def test_zpl_labels_are_shippos_zplii_file(shippo_fake):
	client = carrier(shippo_fake, label_format="ZPL")
	label = client.buy_label(us_shipment(), client.rates(us_shipment())[0], "label:SHIP-00001")
	sent = next(r.json() for r in shippo_fake.requests if r.path.startswith("/transactions"))
	assert sent["label_file_type"] == "ZPLII" and label.label_format == "ZPL"
	assert client.fetch_label_bytes(label).startswith(b"^XA")
