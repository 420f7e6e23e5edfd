"""EasyPost client against its fake, with EasyPost's own docs payloads."""

import dataclasses
import hashlib
import hmac
from decimal import Decimal

import pytest

from erp_connectors.connectors.errors import AuthError, NeedsAttention, PermanentError, SignatureError
from erp_connectors.shipping_connector.carriers import build_carrier
from erp_connectors.shipping_connector.carriers.easypost import EasyPostCarrier
from erp_connectors.testing.fake_carriers.easypost import CONTRACT, TEST_TRACKING_CODES
from erp_connectors.testing.fake_server import Response
from tests.shipping.conftest import DATA, data, de_to_us, easypost_settings, fast, us_shipment


def carrier(fake, **settings):
	return build_carrier("EasyPost US", easypost_settings(fake, **settings), **fast())


def cheapest(rates):
	return min(rates, key=lambda rate: rate.amount)


def test_rates_come_from_easypost_with_exact_amounts_and_transit_days(easypost_fake):
	rates = carrier(easypost_fake).rates(us_shipment())
	fixture = data("easypost_docs_response_shipments-create.json")["rates"]
	assert [(r.service, r.amount, r.currency, r.transit_days) for r in rates] == [
		(f["service"], Decimal(f["rate"]), f["currency"], f["delivery_days"]) for f in fixture
	]
	assert all(r.provider == "EasyPost" and r.account == "EasyPost US" for r in rates)
	assert {r.provider_shipment_id for r in rates} == {fixture[0]["shipment_id"]}


def test_rates_request_sends_ounces_and_inches_with_basic_auth(easypost_fake):
	shipment = us_shipment()
	carrier(easypost_fake).rates(shipment)
	request = easypost_fake.requests[-1]
	sent = request.json()["shipment"]
	assert sent["parcel"] == {"weight": 65.9, "length": 20.2, "width": 10.9, "height": 5.0}
	assert sent["to_address"]["zip"] == "90277" and sent["reference"] == shipment.reference
	assert request.header("authorization").startswith("Basic ")


def test_missing_postal_code_surfaces_easyposts_message_verbatim(easypost_fake):
	broken = dataclasses.replace(us_shipment().to_address, postal_code="")
	with pytest.raises(PermanentError) as info:
		carrier(easypost_fake).rates(us_shipment(to_address=broken))
	assert info.value.status == 422
	assert info.value.remote_message == (
		"Unable to create shipment, one or more parameters were invalid. (to_address.zip: Required and missing.)"
	)


def test_carrier_rate_refusals_are_surfaced_when_no_rate_comes_back(easypost_fake):
	easypost_fake.rate_messages = [
		{"carrier": "FedEx", "type": "rate_error", "message": "Shipment cannot weigh less than 16oz"}
	]
	with pytest.raises(PermanentError, match="Shipment cannot weigh less than 16oz"):
		carrier(easypost_fake).rates(us_shipment())


def test_wrong_api_key_is_an_auth_error_with_easyposts_message(easypost_fake):
	with pytest.raises(AuthError) as info:
		carrier(easypost_fake, api_key="EZTK_wrong").rates(us_shipment())
	assert info.value.remote_message == "The API key provided is not valid."


def test_buy_returns_the_purchased_label(easypost_fake):
	client = carrier(easypost_fake)
	rate = cheapest(client.rates(us_shipment()))
	label = client.buy_label(us_shipment(), rate, "label:SHIP-00001")
	bought = data("easypost_docs_response_shipments-buy.json")
	assert label.tracking_number == bought["tracking_code"]
	assert (label.carrier, label.service, label.price, label.currency) == (
		"USPS",
		"GroundAdvantage",
		Decimal("8.20"),
		"USD",
	)
	assert label.label_ref == rate.provider_shipment_id
	assert label.tracking_url == bought["tracker"]["public_url"]
	# options.label_format PDF was asked, so the PDF rendition is what we fetch
	assert (label.label_format, label.label_url.rsplit(".", 1)[-1]) == ("PDF", "pdf")


def test_label_file_is_downloaded_without_our_credentials(easypost_fake):
	client = carrier(easypost_fake)
	rate = cheapest(client.rates(us_shipment()))
	label = client.buy_label(us_shipment(), rate, "label:SHIP-00001")
	content = client.fetch_label_bytes(label)
	assert content.startswith(b"%PDF")
	download = easypost_fake.requests[-1]
	assert download.path.startswith("/files/") and download.header("authorization") is None


def test_a_retried_buy_returns_the_postage_already_bought(easypost_fake):
	client = carrier(easypost_fake)
	rate = cheapest(client.rates(us_shipment()))
	first = client.buy_label(us_shipment(), rate, "label:SHIP-00001")
	again = client.buy_label(us_shipment(), rate, "label:SHIP-00001")
	assert again.tracking_number == first.tracking_number
	assert easypost_fake.purchases == 1


def test_a_voided_label_is_never_recovered_as_a_new_purchase(easypost_fake):
	client = carrier(easypost_fake)
	rate = cheapest(client.rates(us_shipment()))
	label = client.buy_label(us_shipment(), rate, "label:SHIP-00001")
	client.void_label(label.label_ref)
	with pytest.raises(PermanentError, match="Postage already exists"):
		client.buy_label(us_shipment(), rate, "label:SHIP-00001#2")
	assert easypost_fake.purchases == 1


def test_void_submits_a_refund(easypost_fake):
	client = carrier(easypost_fake)
	rate = cheapest(client.rates(us_shipment()))
	label = client.buy_label(us_shipment(), rate, "label:SHIP-00001")
	result = client.void_label(label.label_ref)
	assert (result.state, result.message) == ("pending", "submitted")
	assert easypost_fake.requests[-1].path == f"/v2/shipments/{label.label_ref}/refund"


def test_void_of_unknown_shipment_surfaces_easyposts_message(easypost_fake):
	with pytest.raises(PermanentError, match="The requested resource could not be found."):
		carrier(easypost_fake).void_label("shp_does_not_exist")


@pytest.mark.parametrize(
	"code, expected",
	[
		("EZ1000000001", "pre_transit"),
		("EZ2000000002", "in_transit"),
		("EZ3000000003", "out_for_delivery"),
		("EZ4000000004", "delivered"),
		("EZ5000000005", "returned"),
		("EZ6000000006", "exception"),
		("EZ7000000007", "unknown"),
	],
)
def test_tracking_test_codes_normalise(easypost_fake, code, expected):
	update = carrier(easypost_fake).track(code, "USPS")
	assert (update.tracking_number, update.status, update.carrier_status) == (
		code,
		expected,
		TEST_TRACKING_CODES[code],
	)
	assert update.message == "Shipping Label Created"  # the docs tracker's latest detail


def sign(body: bytes, secret: str) -> str:
	return "hmac-sha256-hex=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_webhook_signature_valid_tampered_and_wrong_secret(easypost_fake):
	delivery = easypost_fake.webhook_delivery("whsec-1", status="delivered")
	headers = delivery.lower_headers
	EasyPostCarrier.verify_webhook(delivery.body, headers, {}, "whsec-1")
	with pytest.raises(SignatureError):
		EasyPostCarrier.verify_webhook(
			delivery.body.replace(b"delivered", b"returned"), headers, {}, "whsec-1"
		)
	with pytest.raises(SignatureError):
		EasyPostCarrier.verify_webhook(delivery.body, headers, {}, "whsec-2")
	with pytest.raises(SignatureError):
		EasyPostCarrier.verify_webhook(delivery.body, {}, {}, "whsec-1")
	# a rotated secret: the old one still verifies while both are configured
	EasyPostCarrier.verify_webhook(delivery.body, headers, {}, ["whsec-new", "whsec-1"])


def test_webhook_secret_is_nfkd_normalised_like_easypost_python():
	body = b'{"object":"Event"}'
	ligature = "s\ufb01gn"  # "ﬁ" normalises to "fi" under NFKD
	EasyPostCarrier.verify_webhook(body, {"x-hmac-signature": sign(body, "sfign")}, {}, ligature)


def test_parse_easyposts_tracker_updated_fixture():
	body = (DATA / "easypost_fixture_event-body.json").read_bytes()
	update = EasyPostCarrier.parse_webhook(body, {})
	assert (update.event_id, update.tracking_number, update.carrier) == ("evt_1", "1", "FedEx")
	assert (update.status, update.message) == ("in_transit", "Arrived at FedEx location")
	assert update.tracking_url == "https://track.easypost.com/1"


def test_non_tracker_events_parse_to_nothing():
	assert (
		EasyPostCarrier.parse_webhook(
			b'{"object":"Event","description":"refund.successful","id":"evt_2"}', {}
		)
		is None
	)
	with pytest.raises(ValueError):
		EasyPostCarrier.parse_webhook(b'{"event":"track_updated"}', {})


def test_a_refused_purchase_surfaces_easyposts_message_not_the_recovery_lookup(easypost_fake):
	client = carrier(easypost_fake)
	quoted = cheapest(client.rates(us_shipment()))
	parts = tuple({**part, "rate_id": "rate_other"} for part in quoted.parts)
	rate = dataclasses.replace(quoted, rate_id="rate_other", parts=parts)
	with pytest.raises(PermanentError) as info:
		client.buy_label(us_shipment(), rate, "label:SHIP-00001")
	assert info.value.remote_message == "Invalid rate: it does not belong to this shipment."
	assert easypost_fake.purchases == 0


@pytest.mark.parametrize(
	"refund_status, state",
	[
		("submitted", "pending"),
		("refunded", "voided"),
		("rejected", "refused"),
		("not_applicable", "refused"),
	],
)
def test_only_a_submitted_or_refunded_refund_gives_the_label_up(easypost_fake, refund_status, state):
	"""E1: docs.easypost.com "Shipping Refund": submitted, refunded, rejected, not_applicable."""
	client = carrier(easypost_fake)
	label = client.buy_label(us_shipment(), cheapest(client.rates(us_shipment())), "label:SHIP-00001")
	easypost_fake.refund_answer = refund_status
	result = client.void_label(label.label_ref)
	assert result.state == state
	assert refund_status in result.message


def test_a_refund_status_easypost_does_not_document_breaks_the_contract(easypost_fake):
	client = carrier(easypost_fake)
	label = client.buy_label(us_shipment(), cheapest(client.rates(us_shipment())), "label:SHIP-00001")
	client.void_label(label.label_ref)
	refund = easypost_fake.requests[-1]
	answer = {**easypost_fake.shipments[label.label_ref], "refund_status": "cancelled"}
	[problem] = CONTRACT.check_response(refund, Response(200, answer))
	assert problem.startswith("/refund_status: 'cancelled' is not one of")


def test_two_parcels_de_to_us_are_two_easypost_shipments_with_their_customs(easypost_fake):
	client = carrier(easypost_fake)
	shipment = de_to_us()
	rates = client.rates(shipment)
	created = [r.json()["shipment"] for r in easypost_fake.requests if r.path == "/v2/shipments"]
	assert len(created) == 2  # one EasyPost shipment per parcel, each quoted
	first, second = (sent["customs_info"] for sent in created)
	assert [i["hs_tariff_number"] for i in first["customs_items"]] == ["61091000"]
	assert [i["hs_tariff_number"] for i in second["customs_items"]] == ["69120021"]
	assert first["contents_type"] == "merchandise" and first["customs_signer"] == shipment.from_address.name
	assert [sent["reference"] for sent in created] == ["SHIP-00004/1", "SHIP-00004/2"]
	# a rate is a service both parcels have, at their summed price
	rate = cheapest(rates)
	assert len(rate.parts) == 2 and rate.amount == sum(Decimal(p["amount"]) for p in rate.parts)
	label = client.buy_label(shipment, rate, "label:SHIP-00004")
	assert len({p.tracking_number for p in label.parcels}) == 2
	assert [p.label_ref for p in label.parcels] == [p["shipment_id"] for p in rate.parts]
	assert label.price == rate.amount  # each parcel's selected_rate, as EasyPost confirmed it
	assert [d.kind for d in label.documents] == ["commercial_invoice"] * 2
	assert client.fetch_file(label.documents[0].url).startswith(b"%PDF")
	assert easypost_fake.purchases == 2


def test_easypost_refuses_an_international_label_without_customs(easypost_fake):
	client = carrier(easypost_fake)
	shipment = de_to_us(parcels=1)
	rate = cheapest(client.rates(shipment))
	sid = rate.parts[0]["shipment_id"]
	easypost_fake.shipments[sid]["customs_info"] = None  # as if it had been created without
	with pytest.raises(PermanentError, match="Customs information is required"):
		client.buy_label(shipment, rate, "label:SHIP-00004")
	# quoting goes without (as the API's quotes do); buying without the declaration is held
	bare = de_to_us(customs=None)
	with pytest.raises(NeedsAttention, match="needs a customs declaration"):
		client.buy_label(bare, cheapest(client.rates(bare)), "label:SHIP-00004")


def test_zpl_labels_are_easyposts_own_zpl_file(easypost_fake):
	client = carrier(easypost_fake, label_format="ZPL")
	label = client.buy_label(us_shipment(), cheapest(client.rates(us_shipment())), "label:SHIP-00001")
	sent = next(r.json()["shipment"] for r in easypost_fake.requests if r.path == "/v2/shipments")
	assert sent["options"]["label_format"] == "ZPL"
	assert label.label_format == "ZPL" and label.label_url.endswith(".zpl")
	assert client.fetch_label_bytes(label).startswith(b"^XA")


def test_a_label_format_the_provider_lacks_is_refused():
	with pytest.raises(NeedsAttention, match="prints labels as PDF or ZPL, not EPL2"):
		_ = build_carrier("EP", {"provider": "EasyPost", "api_key": "k", "label_format": "EPL2"}).label_format
