"""The Carrier webhook source as the shared intake and processor use it."""

import json

import pytest

from erp_connectors.connectors.errors import NeedsAttention, SignatureError
from erp_connectors.connectors.gateway import AccountRef
from erp_connectors.connectors.sources import SyncContext
from erp_connectors.shipping_connector import sync
from erp_connectors.shipping_connector.carriers import build_carrier
from erp_connectors.shipping_connector.webhook import OTHER_TOPIC, TRACKING_TOPIC, CarrierWebhookSource
from tests.shipping.conftest import DATA, easypost_settings, erp_with_shipment, fast, us_shipment

SOURCE = CarrierWebhookSource()


def intake(source, delivery, secrets):
	"""What connectors/intake.py does with a source: account, verify, parse, then store the payload as JSON."""
	headers, query = delivery.lower_headers, delivery.query
	account = source.account_name(headers, query)
	source.verify(delivery.body, headers, query, secrets)
	event = source.parse(delivery.body, headers)
	json.dumps(event.payload)  # the intake stores it as JSON: it must serialise
	return account, event


def test_source_describes_the_carrier_account():
	assert (SOURCE.name, SOURCE.account_doctype, SOURCE.secret_fields) == (
		"Carrier",
		"Carrier Account",
		("webhook_secret",),
	)
	assert SOURCE.account_name({}, {"account": " EasyPost US "}) == "EasyPost US"
	assert SOURCE.account_name({}, {}) is None


def test_an_unbound_source_fails_closed(easypost_fake):
	delivery = easypost_fake.webhook_delivery("whsec", account="EasyPost US")
	with pytest.raises(SignatureError, match="for_account"):
		intake(SOURCE, delivery, ["whsec"])


def test_bound_source_verifies_and_parses_each_provider(easypost_fake, shippo_fake, sendcloud_fake):
	deliveries = {
		"EasyPost": easypost_fake.webhook_delivery("s1", status="delivered", account="A"),
		"Shippo": shippo_fake.webhook_delivery("s1", "9205590175547700027199", account="A"),
		"Sendcloud": sendcloud_fake.webhook_delivery("s1", status_id=11, account="A"),
	}
	for provider, delivery in deliveries.items():
		source = SOURCE.for_account({"provider": provider})
		account, event = intake(source, delivery, ["s1"])
		assert (account, event.topic, event.payload["update"]["status"]) == ("A", TRACKING_TOPIC, "delivered")
		assert event.event_id.startswith(f"{provider}:")
		with pytest.raises(SignatureError):
			intake(source, delivery, ["wrong"])


def test_the_same_delivery_twice_has_the_same_event_id(easypost_fake, sendcloud_fake):
	for fake, provider in ((easypost_fake, "EasyPost"), (sendcloud_fake, "Sendcloud")):
		delivery = fake.webhook_delivery("s1")
		source = SOURCE.for_provider(provider)
		assert intake(source, delivery, ["s1"])[1].event_id == intake(source, delivery, ["s1"])[1].event_id


def test_provider_lookup_and_shape_recognition_work_without_binding(sendcloud_fake):
	source = CarrierWebhookSource(provider_of={"NL": "Sendcloud"}.get)
	delivery = sendcloud_fake.webhook_delivery("s1", account="NL")
	assert intake(source, delivery, ["s1"])[1].payload["update"]["tracking_number"] == "3SYZXG132912330"
	with pytest.raises(SignatureError):
		intake(source, sendcloud_fake.webhook_delivery("s1", account="unknown"), ["s1"])


def test_authentic_deliveries_about_other_things_are_acknowledged():
	body = json.dumps(
		{"object": "Event", "id": "evt_9", "description": "batch.created", "result": {}}
	).encode()
	event = SOURCE.for_provider("EasyPost").parse(body, {})
	assert (event.topic, event.event_id) == (OTHER_TOPIC, "EasyPost:evt_9")
	assert SOURCE.handler_for(OTHER_TOPIC)(None, event.payload) is None


def test_dhl_accounts_and_missing_secrets_are_rejected(easypost_fake):
	delivery = easypost_fake.webhook_delivery("s1")
	with pytest.raises(SignatureError, match="no webhooks"):
		intake(SOURCE.for_provider("DHL Parcel DE"), delivery, ["s1"])
	with pytest.raises(SignatureError, match="no Webhook Secret"):
		intake(SOURCE.for_provider("EasyPost"), delivery, [])
	with pytest.raises(NeedsAttention, match="Unknown carrier provider"):
		SOURCE.for_provider("FedEx Direct")


def test_malformed_bodies_are_value_errors():
	with pytest.raises(ValueError):
		SOURCE.for_provider("Sendcloud").parse(b"not json", {})
	with pytest.raises(ValueError):
		SOURCE.for_provider("Shippo").parse(b'["a list"]', {})


def test_a_signed_tracking_webhook_moves_the_shipment_to_delivered(easypost_fake):
	account = AccountRef("Carrier Account", "EasyPost US")
	gateway, shipment = erp_with_shipment(), us_shipment()
	carrier = build_carrier(account.name, easypost_settings(easypost_fake), **fast())
	rate = min(carrier.rates(shipment), key=lambda r: r.amount)
	number = sync.buy_label(gateway, account, carrier, shipment, rate).label.tracking_number
	delivery = easypost_fake.webhook_delivery(
		"whsec", status="delivered", tracking_code=number, account=account.name
	)
	source = SOURCE.for_account({"provider": "EasyPost"})
	_, event = intake(source, delivery, ["whsec"])
	context = SyncContext(account=account, settings={}, gateway=gateway)
	stored = json.loads(json.dumps(event.payload))  # as the processor reads it back
	assert source.handler_for(event.topic)(context, stored) == ("Shipment", "SHIP-00001")
	doc = gateway.get("Shipment", "SHIP-00001")
	assert (doc["tracking_status"], doc["status"]) == ("Delivered", "Completed")


def test_easyposts_fixture_event_parses_through_the_source():
	body = (DATA / "easypost_fixture_event-body.json").read_bytes()
	event = SOURCE.for_provider("EasyPost").parse(body, {})
	assert (event.event_id, event.payload["update"]["status"]) == ("EasyPost:evt_1", "in_transit")
	assert event.payload["raw"]["result"]["weight"] == 614.4
