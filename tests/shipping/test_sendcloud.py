"""Sendcloud v3 client against its fake; webhooks use Sendcloud's own parcel_status_changed example."""

import dataclasses
import json
from decimal import Decimal

import pytest

from erp_connectors.connectors.errors import AuthError, PermanentError, SignatureError
from erp_connectors.connectors.signatures import hmac_sha256
from erp_connectors.shipping_connector.carriers import build_carrier
from erp_connectors.shipping_connector.carriers.sendcloud import SendcloudCarrier
from tests.shipping.conftest import DATA, data, fast, nl_shipment, sendcloud_settings


def carrier(fake, **settings):
	return build_carrier("Sendcloud NL", sendcloud_settings(fake, **settings), **fast())


def by_code(rates, code):
	return next(rate for rate in rates if rate.service_code == code)


def test_rates_are_quoted_shipping_options_with_transit_days_from_lead_time(sendcloud_fake):
	rates = carrier(sendcloud_fake).rates(nl_shipment())
	assert [(r.rate_id, r.amount, r.currency, r.transit_days) for r in rates] == [
		("postnl:standard", Decimal("6.95"), "EUR", 1),
		("dhl:home", Decimal("5.40"), "EUR", 2),
		("sendcloud:letter", Decimal("0.00"), "EUR", None),
	]
	sent = sendcloud_fake.requests[-1].json()
	assert sent["calculate_quotes"] is True
	assert sent["to_address"] == {"country_code": "NL", "postal_code": "5611 EM"}
	assert sent["parcels"] == [
		{
			"weight": {"value": "10.000", "unit": "kg"},
			"dimensions": {"length": "30.0", "width": "20.0", "height": "10.0", "unit": "cm"},
		}
	]


def test_announce_buys_the_label_and_fetches_the_pdf_document(sendcloud_fake):
	client = carrier(sendcloud_fake)
	rate = by_code(client.rates(nl_shipment()), "postnl:standard")
	label = client.buy_label(nl_shipment(), rate, "label:SHIP-00003")
	example = data("sendcloud_docs_webhook_v3_parcel_status_changed.json")["parcel"]
	assert label.tracking_number == example["tracking_number"]
	assert label.label_ref == example["shipment_uuid"]
	assert (label.carrier, label.price, label.currency) == ("POSTNL", Decimal("6.95"), "EUR")
	assert label.label_bytes.startswith(b"%PDF")
	announce = next(r for r in sendcloud_fake.requests if r.path.endswith("/announce")).json()
	assert announce["ship_with"]["properties"]["shipping_option_code"] == "postnl:standard"
	assert announce["external_reference_id"] == "label:SHIP-00003"
	assert announce["to_address"]["house_number"] == "10"
	document = sendcloud_fake.requests[-1]
	assert document.path.endswith("/documents/label") and document.header("authorization").startswith(
		"Basic "
	)


def test_missing_postal_code_surfaces_the_v3_error_detail(sendcloud_fake):
	client = carrier(sendcloud_fake)
	rate = by_code(client.rates(nl_shipment()), "postnl:standard")
	broken = nl_shipment(to_address=dataclasses.replace(nl_shipment().to_address, postal_code=""))
	with pytest.raises(PermanentError) as info:
		client.buy_label(broken, rate, "label:SHIP-00003")
	assert info.value.status == 400
	assert info.value.remote_message == "/to_address/postal_code: This field is required."


def test_wrong_keys_are_an_auth_error_with_sendclouds_detail(sendcloud_fake):
	with pytest.raises(AuthError) as info:
		carrier(sendcloud_fake, api_secret="wrong").rates(nl_shipment())
	assert info.value.remote_message == "Invalid username/password."


def test_credentials_are_never_sent_to_a_label_link_on_another_host(sendcloud_fake):
	with pytest.raises(PermanentError, match="refusing to send credentials"):
		carrier(sendcloud_fake)._document("https://evil.example/api/v3/parcels/1/documents/label")
	assert sendcloud_fake.requests == []


def test_void_cancels_the_shipment(sendcloud_fake):
	client = carrier(sendcloud_fake)
	label = client.buy_label(
		nl_shipment(), by_code(client.rates(nl_shipment()), "dhl:home"), "label:SHIP-00003"
	)
	result = client.void_label(label.label_ref)
	assert (result.state, result.message) == ("voided", "Shipment has been cancelled")
	assert client.track(label.tracking_number).status == "cancelled"


def test_void_of_unknown_shipment_surfaces_sendclouds_detail(sendcloud_fake):
	with pytest.raises(PermanentError, match="No Shipment matches the given query."):
		carrier(sendcloud_fake).void_label("0000")


def test_track_reads_the_parent_status(sendcloud_fake):
	client = carrier(sendcloud_fake)
	label = client.buy_label(
		nl_shipment(), by_code(client.rates(nl_shipment()), "dhl:home"), "label:SHIP-00003"
	)
	assert client.track(label.tracking_number).status == "pre_transit"
	sendcloud_fake.set_status(label.tracking_number, "Delivered")
	update = client.track(label.tracking_number)
	assert (update.status, update.carrier_status, update.message) == ("delivered", "Delivered", "Delivered")


def test_signature_matches_sendclouds_documented_test_vector():
	signature = hmac_sha256("secretkey", b'{"key": "value"}', "hex")
	assert signature.startswith("1eed4b3d") and signature.endswith("4b0a")
	SendcloudCarrier.verify_webhook(b'{"key": "value"}', {"sendcloud-signature": signature}, {}, "secretkey")


def test_webhook_signature_valid_tampered_and_wrong_secret(sendcloud_fake):
	delivery = sendcloud_fake.webhook_delivery("sc_secret", status_id=11)
	headers = delivery.lower_headers
	SendcloudCarrier.verify_webhook(delivery.body, headers, {}, "sc_secret")
	with pytest.raises(SignatureError):
		SendcloudCarrier.verify_webhook(
			delivery.body.replace(b"Delivered", b"Cancelled"), headers, {}, "sc_secret"
		)
	with pytest.raises(SignatureError):
		SendcloudCarrier.verify_webhook(delivery.body, headers, {}, "other")
	with pytest.raises(SignatureError):
		SendcloudCarrier.verify_webhook(delivery.body, {}, {}, "sc_secret")


def test_parse_sendclouds_parcel_status_changed_example_verbatim():
	update = SendcloudCarrier.parse_webhook(
		(DATA / "sendcloud_docs_webhook_v3_parcel_status_changed.json").read_bytes(), {}
	)
	assert (update.tracking_number, update.status, update.message) == (
		"3SYZXG132912330",
		"pre_transit",
		"Ready to send",
	)
	assert update.event_id == "1:1:123"


@pytest.mark.parametrize(
	"message, status_id, expected",
	[
		("Delivered", 11, "delivered"),
		("Awaiting customer pickup", 12, "out_for_delivery"),
		("En route to sorting center", 3, "in_transit"),
		("Delivery attempt failed", 8, "exception"),
		("Returned to sender", 0, "returned"),
		("Cancelled", 2000, "cancelled"),
		(None, 11, "delivered"),  # no message: the id decides
		("Something new", 999, "unknown"),
	],
)
def test_parcel_statuses_normalise(message, status_id, expected):
	parcel = {"id": 7, "tracking_number": "3S1", "status": {"id": status_id, "message": message}}
	body = json.dumps({"action": "parcel_status_changed", "timestamp": 5, "parcel": parcel}).encode()
	assert SendcloudCarrier.parse_webhook(body, {}).status == expected


def test_other_actions_parse_to_nothing():
	assert SendcloudCarrier.parse_webhook(b'{"action":"integration_connected","timestamp":1}', {}) is None
