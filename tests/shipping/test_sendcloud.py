"""Sendcloud v3 client against its fake; webhooks use Sendcloud's own parcel_status_changed example."""

import dataclasses
import json
from decimal import Decimal

import pytest

from erp_connectors.connectors.errors import AuthError, NeedsAttention, PermanentError, SignatureError
from erp_connectors.connectors.signatures import hmac_sha256
from erp_connectors.shipping_connector.carriers import build_carrier
from erp_connectors.shipping_connector.carriers.sendcloud import SendcloudCarrier
from erp_connectors.testing.fake_carriers.sendcloud import CONTRACT
from erp_connectors.testing.fake_server import Response
from tests.shipping.conftest import DATA, data, de_to_us, fast, nl_shipment, sendcloud_settings

ROUTE_KEYS = ("from_country_code", "from_postal_code", "to_country_code", "to_postal_code")


def carrier(fake, **settings):
	return build_carrier("Sendcloud NL", sendcloud_settings(fake, **settings), **fast())


def by_code(rates, code):
	return next(rate for rate in rates if rate.service_code == code)


def buy(client, key, code="postnl:standard"):
	return client.buy_label(nl_shipment(), by_code(client.rates(nl_shipment()), code), key)


def test_rates_are_quoted_shipping_options_with_transit_days_from_lead_time(sendcloud_fake):
	rates = carrier(sendcloud_fake).rates(nl_shipment())
	assert [(r.rate_id, r.amount, r.currency, r.transit_days) for r in rates] == [
		("postnl:standard", Decimal("6.95"), "EUR", 1),
		("dhl:home", Decimal("5.40"), "EUR", 2),
		("sendcloud:letter", Decimal("0.00"), "EUR", None),
	]
	sent = sendcloud_fake.requests[-1].json()
	assert sent["calculate_quotes"] is True
	assert sent["parcels"] == [
		{
			"weight": {"value": "10.000", "unit": "kg"},
			"dimensions": {"length": "30.0", "width": "20.0", "height": "10.0", "unit": "cm"},
		}
	]


def test_rates_send_the_route_as_the_filters_flat_keys(sendcloud_fake):
	"""S1: the spec's shipping-option-filter has from/to_country_code and from/to_postal_code, no
	address objects; keys it lacks are ignored by Sendcloud, so quotes would not follow the route."""
	shipment = nl_shipment()
	assert carrier(sendcloud_fake).rates(shipment)
	sent = sendcloud_fake.requests[-1].json()
	assert {key: sent.get(key) for key in ROUTE_KEYS} == {
		"from_country_code": shipment.from_address.country,
		"from_postal_code": shipment.from_address.postal_code,
		"to_country_code": "NL",
		"to_postal_code": "5611 EM",
	}
	assert sendcloud_fake.refused == []
	filter_schema = CONTRACT.resolve(
		CONTRACT.document["paths"]["/shipping-options"]["post"]["requestBody"]["content"]["application/json"][
			"schema"
		]
	)
	assert set(sent) <= set(filter_schema["properties"])


def test_announce_buys_the_label_and_its_pdf_document_is_fetched_afterwards(sendcloud_fake):
	client = carrier(sendcloud_fake)
	rate = by_code(client.rates(nl_shipment()), "postnl:standard")
	label = client.buy_label(nl_shipment(), rate, "label:SHIP-00003")
	example = data("sendcloud_docs_webhook_v3_parcel_status_changed.json")["parcel"]
	assert label.tracking_number == example["tracking_number"]
	assert label.label_ref == example["shipment_uuid"]
	assert (label.carrier, label.price, label.currency) == ("POSTNL", Decimal("6.95"), "EUR")
	# Buying downloads nothing (the purchase is recorded first); the document comes after.
	assert label.label_bytes is None and not any("/documents/" in r.path for r in sendcloud_fake.requests)
	assert client.fetch_label_bytes(label).startswith(b"%PDF")
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
		carrier(sendcloud_fake).fetch_file("https://evil.example/api/v3/parcels/1/documents/label")
	assert sendcloud_fake.requests == []


def test_void_of_a_ready_to_send_shipment_is_queued_and_of_an_announced_one_cancelled(sendcloud_fake):
	"""S4: the spec answers 202 {status: queued} while a shipment is ready to send, 200 {status: cancelled}
	once it is cancelled; only the latter is a voided label."""
	client = carrier(sendcloud_fake)
	label = buy(client, "label:SHIP-00003")
	result = client.void_label(label.label_ref)
	assert (result.state, result.message) == ("pending", "Shipment cancellation has been queued")
	assert sendcloud_fake.requests[-1].path == f"/api/v3/shipments/{label.label_ref}/cancel"
	assert client.track(label.tracking_number).status == "cancelled"
	other = buy(client, "label:SHIP-00004")
	sendcloud_fake.set_status(other.tracking_number, "ANNOUNCED", "Announced")
	result = client.void_label(other.label_ref)
	assert (result.state, result.message) == ("voided", "Shipment has been cancelled")


def test_a_refused_cancellation_is_a_refusal_in_sendclouds_words_and_is_not_retried(sendcloud_fake):
	"""S4: 409 "Cancellation rejected" (already cancelled, delivered, or announced over 42 days ago) will
	not change on a retry; it is reported, once."""
	client = carrier(sendcloud_fake)
	label = buy(client, "label:SHIP-00003")
	sendcloud_fake.set_status(label.tracking_number, "DELIVERED", "Delivered")
	result = client.void_label(label.label_ref)
	assert result.state == "refused"
	assert "This shipment is already being cancelled." in result.message
	cancels = [r for r in sendcloud_fake.requests if r.path.endswith("/cancel")]
	assert len(cancels) == 1


def test_void_of_unknown_shipment_surfaces_sendclouds_detail(sendcloud_fake):
	with pytest.raises(PermanentError, match="Not found"):
		carrier(sendcloud_fake).void_label("0000")


def test_a_reused_reference_records_the_shipment_already_announced(sendcloud_fake):
	"""S3: the spec answers a reused external_reference_id with 409 and the shipment announced under it:
	that is the label bought by an attempt whose response was lost, not a reason to retry."""
	client = carrier(sendcloud_fake)
	first = buy(client, "label:SHIP-00003")
	again = buy(client, "label:SHIP-00003")
	assert (again.tracking_number, again.label_ref, again.label_url) == (
		first.tracking_number,
		first.label_ref,
		first.label_url,
	)
	assert client.fetch_label_bytes(again).startswith(b"%PDF")
	assert sendcloud_fake.announced == 1
	announces = [r for r in sendcloud_fake.requests if r.path.endswith("/announce")]
	assert len(announces) == 2  # one each: the 409 was read, not retried


def test_announce_failure_inside_a_201_is_surfaced_in_sendclouds_words(sendcloud_fake):
	client = carrier(sendcloud_fake)
	sendcloud_fake.fail_next_announcement = (
		"Service error: An error occurred while connecting to the carrier."
	)
	with pytest.raises(PermanentError) as info:
		buy(client, "label:SHIP-00003")
	assert info.value.remote_message == "Service error: An error occurred while connecting to the carrier."


def test_the_label_carrier_comes_from_the_rate_because_the_announce_response_has_none(sendcloud_fake):
	"""S5: the spec's announce response has no data.carrier; the fake must not invent one."""
	client = carrier(sendcloud_fake)
	label = buy(client, "label:SHIP-00003", "dhl:home")
	assert label.carrier == "DHL"
	announce = next(r for r in sendcloud_fake.requests if r.path.endswith("/announce"))
	invented = {
		"data": {**sendcloud_fake.shipments[label.label_ref], "carrier": {"code": "dhl", "name": "DHL"}}
	}
	problems = CONTRACT.check_response(announce, Response(201, invented))
	assert problems == ["/data/carrier: not declared by the published schema"]


def test_track_reads_the_spec_tracking_object_and_its_latest_event(sendcloud_fake):
	"""S2: GET /parcels/tracking/{tracking_number} is not wrapped in data; the status is the latest
	event's status_code."""
	client = carrier(sendcloud_fake)
	label = buy(client, "label:SHIP-00003", "dhl:home")
	assert client.track(label.tracking_number).status == "pre_transit"
	sendcloud_fake.set_status(label.tracking_number, "DELIVERED", "Delivered")
	update = client.track(label.tracking_number)
	event = sendcloud_fake.events[label.tracking_number][-1]
	assert (update.status, update.carrier_status, update.message, update.occurred_at) == (
		"delivered",
		"DELIVERED",
		"Delivered",
		event["event_at"],
	)
	assert (update.carrier, update.tracking_url, update.estimated_delivery) == (
		"dhl",
		label.tracking_url,
		"2026-11-22",
	)


def test_track_maps_the_specs_own_example_event(sendcloud_fake):
	"""The spec's parcel-tracking example: one carrier event, status_code "accepted"."""
	client = carrier(sendcloud_fake)
	label = buy(client, "label:SHIP-00003")
	example = CONTRACT.resolve({"$ref": "#/components/schemas/parcel-tracking-parcel-tracking-response"})[
		"example"
	]
	sendcloud_fake.events[label.tracking_number] = example["events"]
	update = client.track(label.tracking_number)
	assert (update.status, update.carrier_status, update.message, update.occurred_at) == (
		"in_transit",
		"accepted",
		"Parcel has been accepted by the carrier.",
		"2024-01-02T00:00:00Z",
	)


@pytest.mark.parametrize(
	"code, expected",
	[
		("READY_TO_SEND", "pre_transit"),
		("ANNOUNCING", "pre_transit"),
		("ANNOUNCED", "pre_transit"),
		("accepted", "in_transit"),
		("ANNOUNCEMENT_FAILED", "exception"),
		("DELIVERED", "delivered"),
		("CANCELLED", "cancelled"),
		("something_new", "unknown"),
	],
)
def test_tracking_status_codes_normalise(sendcloud_fake, code, expected):
	client = carrier(sendcloud_fake)
	label = buy(client, "label:SHIP-00003")
	sendcloud_fake.set_status(label.tracking_number, code)
	assert client.track(label.tracking_number).status == expected


def test_tracking_an_unknown_parcel_surfaces_the_detail(sendcloud_fake):
	with pytest.raises(PermanentError) as info:
		carrier(sendcloud_fake).track("3SYZXG000000000")
	assert (info.value.status, info.value.remote_message) == (404, "Parcel does not exist")


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


def test_two_parcels_abroad_announce_once_each_parcel_with_its_items_and_label(sendcloud_fake):
	client = carrier(sendcloud_fake)
	shipment = de_to_us()
	label = client.buy_label(shipment, by_code(client.rates(shipment), "dhl:home"), "label:SHIP-00004")
	announce = next(r for r in sendcloud_fake.requests if r.path.endswith("/announce")).json()
	# the document's customs fields: customs_information and each parcel's parcel_items (hs_code, origin)
	assert announce["customs_information"] == {
		"invoice_number": "MAT-DN-2026-00001",
		"export_reason": "commercial_goods",
	}
	items = [
		[(i["hs_code"], i["origin_country"], i["quantity"]) for i in p["parcel_items"]]
		for p in announce["parcels"]
	]
	assert items == [[("61091000", "PT", 2)], [("69120021", "CN", 1)]]
	assert (
		len({p.tracking_number for p in label.parcels}) == 2 and label.label_ref == label.provider_shipment_id
	)
	assert sendcloud_fake.refused == [] and sendcloud_fake.announced == 2
	assert all(client.fetch_label_bytes(p).startswith(b"%PDF") for p in label.parcels)


def test_sendcloud_refuses_a_parcel_abroad_without_its_items(sendcloud_fake):
	client = carrier(sendcloud_fake)
	with pytest.raises(NeedsAttention, match="needs a customs declaration"):
		client.buy_label(de_to_us(customs=None), by_code(client.rates(de_to_us()), "dhl:home"), "label:X")
	body = client._announce_body(de_to_us(), by_code(client.rates(de_to_us()), "dhl:home"), "label:X")
	del body["parcels"][1]["parcel_items"][0]["hs_code"]
	with pytest.raises(PermanentError, match="/parcels/1/parcel_items/0/hs_code: This field is required."):
		client.call("POST", "/shipments/announce", json=body)


def test_zpl_labels_are_announced_and_fetched_as_native_zpl(sendcloud_fake):
	client = carrier(sendcloud_fake, label_format="ZPL")
	label = buy(client, "label:SHIP-00003")
	announce = next(r for r in sendcloud_fake.requests if r.path.endswith("/announce")).json()
	assert announce["label_details"] == {"mime_type": "application/zpl", "dpi": 203}
	assert label.label_format == "ZPL"
	assert client.fetch_label_bytes(label).startswith(b"^XA")
	assert sendcloud_fake.requests[-1].header("accept") == "application/zpl"


def test_one_parcel_of_a_sendcloud_shipment_cannot_be_voided_alone(sendcloud_fake):
	client = carrier(sendcloud_fake)
	label = client.buy_label(de_to_us(), by_code(client.rates(de_to_us()), "dhl:home"), "label:SHIP-00004")
	result = client.void_parcel(label.label_ref, label.parcels[1].label_ref, parcels_left=2)
	assert result.state == "refused" and "voids a whole shipment" in result.message
	assert not any(r.path.endswith("/cancel") for r in sendcloud_fake.requests)
