"""Shiprocket against a fake held to the OpenAPI document generated from its Postman collection."""

import dataclasses
import json
from decimal import Decimal

import pytest

from erp_connectors.connectors.errors import NeedsAttention, SignatureError
from erp_connectors.connectors.gateway import AccountRef
from erp_connectors.connectors.outbound import HostPolicy, OutboundRefused
from erp_connectors.shipping_connector import sync
from erp_connectors.shipping_connector.carriers import build_carrier
from erp_connectors.shipping_connector.carriers.shiprocket import ShiprocketCarrier
from erp_connectors.testing.fake_carriers.shiprocket import API_CONTRACT
from erp_connectors.testing.fake_server import Request
from tests.shipping.conftest import de_to_us, erp_with_shipment, fast, india_shipment, shiprocket_settings

ACCOUNT = AccountRef("Carrier Account", "Shiprocket IN")


def carrier(fake, **settings):
	return build_carrier("Shiprocket IN", shiprocket_settings(fake, **settings), **fast())


def cheapest(client, shipment):
	return min(client.rates(shipment), key=lambda rate: rate.amount)


def test_one_login_serves_every_call_and_an_expired_token_is_renewed_once(shiprocket_fake):
	client = carrier(shiprocket_fake)
	client.rates(india_shipment())
	client.rates(india_shipment())
	assert shiprocket_fake.logins == 1
	login = shiprocket_fake.requests[0]
	assert login.path == "/v1/external/auth/login" and login.header("authorization") is None
	shiprocket_fake.expire_tokens()  # before its 10 days, Shiprocket answers 401
	assert client.rates(india_shipment())
	assert shiprocket_fake.logins == 2
	# the token never reaches a call log
	logged = []
	build_carrier("SR", shiprocket_settings(shiprocket_fake), **fast(log_call=logged.append)).rates(
		india_shipment()
	)
	assert all(str(token) not in str(vars(record)) for record in logged for token in shiprocket_fake.tokens)


def test_rates_per_courier_for_the_pincodes_with_cod_included(shiprocket_fake):
	client = carrier(shiprocket_fake)
	prepaid = {rate.service: rate.amount for rate in client.rates(india_shipment())}
	assert prepaid == {
		"Delhivery Surface": Decimal("94.0"),  # 1.2 kg: two half kilos over the first, 20 each
		"India Post-Business Parcel Surface Prepaid": Decimal("163.9"),
		"Ecom Express Surface 2kg": Decimal("190.12"),
	}
	query = shiprocket_fake.requests[-1].query
	assert (query["pickup_postcode"], query["delivery_postcode"], query["cod"], query["weight"]) == (
		"400059",
		"110002",
		"0",
		"1.200",
	)
	cod = {rate.service: rate.amount for rate in client.rates(india_shipment(cod_amount=Decimal("900")))}
	assert cod["Delhivery Surface"] == Decimal("129.0") and shiprocket_fake.requests[-1].query["cod"] == "1"
	assert shiprocket_fake.refused == []


def test_abroad_is_not_booked_through_shiprocket(shiprocket_fake):
	with pytest.raises(NeedsAttention, match="ships within India"):
		carrier(shiprocket_fake).rates(de_to_us())


def test_order_awb_pickup_and_label_once(shiprocket_fake):
	client = carrier(shiprocket_fake)
	shipment = india_shipment()
	rate = cheapest(client, shipment)
	label = client.buy_label(shipment, rate, "label:SHIP-00005")
	[order] = shiprocket_fake.orders.values()
	assert (order["channel_order_id"], order["sent"]["billing_pincode"], order["sent"]["billing_phone"]) == (
		"SHIP-00005",
		110002,
		9876543210,
	)
	assert order["sent"]["payment_method"] == "Prepaid" and order["sent"]["sub_total"] == 900
	assert label.tracking_number == order["awb"] and label.label_ref == str(order["id"])
	assert (label.carrier, label.price, label.currency) == ("Delhivery Surface", Decimal("94.0"), "INR")
	assert client.fetch_label_bytes(label).startswith(b"%PDF")
	paths = [r.path.removeprefix("/v1/external") for r in shiprocket_fake.requests if r.method == "POST"]
	assert paths[-4:] == [
		"/orders/create/adhoc",
		"/courier/assign/awb",
		"/courier/generate/pickup",
		"/courier/generate/label",
	]
	assert shiprocket_fake.refused == [] and shiprocket_fake.violations == []


def test_a_purchase_that_failed_after_its_order_resumes_it_never_orders_twice(shiprocket_fake):
	"""Shiprocket has no idempotency key: the order is looked up by our own order id before creating one."""
	client = carrier(shiprocket_fake)
	shipment = india_shipment()
	rate = cheapest(client, shipment)
	shiprocket_fake.inject("status", status=503, path="/courier/assign/awb", times=3)
	with pytest.raises(Exception, match="503"):
		client.buy_label(shipment, rate, "label:SHIP-00005")
	assert (shiprocket_fake.orders_created, shiprocket_fake.purchases) == (1, 0)
	label = client.buy_label(shipment, rate, "label:SHIP-00005")
	assert (shiprocket_fake.orders_created, shiprocket_fake.purchases) == (1, 1)
	# and once it has its AWB, buying again records it without a second AWB
	again = client.buy_label(shipment, rate, "label:SHIP-00005")
	assert again.tracking_number == label.tracking_number
	assert (shiprocket_fake.orders_created, shiprocket_fake.purchases) == (1, 1)


def test_quote_buy_track_cancel_through_sync(shiprocket_fake):
	gateway, client, shipment = erp_with_shipment("SHIP-00005"), carrier(shiprocket_fake), india_shipment()
	purchase = sync.buy_label(gateway, ACCOUNT, client, shipment, cheapest(client, shipment))
	awb = purchase.label.tracking_number
	[before] = sync.refresh_tracking(gateway, ACCOUNT, client, "SHIP-00005")  # no scan yet: still pre-transit
	assert before.applied and gateway.get("Shipment", "SHIP-00005")["tracking_status"] == "In Progress"
	shiprocket_fake.set_status(awb, "OUT FOR DELIVERY")
	sync.refresh_tracking(gateway, ACCOUNT, client, "SHIP-00005")
	assert gateway.get("Shipment", "SHIP-00005")["tracking_status_info"].startswith("Out for delivery")
	outcome = sync.void_label(gateway, ACCOUNT, client, "SHIP-00005")
	assert outcome.result.state == "voided"
	[order] = shiprocket_fake.orders.values()
	assert order["status"] == "CANCELED" and gateway.get("Shipment", "SHIP-00005")["awb_number"] == ""
	assert client.track(awb).status == "cancelled"


def test_two_parcels_are_two_orders_each_with_its_awb(shiprocket_fake):
	client = carrier(shiprocket_fake)
	shipment = india_shipment(parcels=2)
	rate = cheapest(client, shipment)
	assert len(rate.parts) == 2 and rate.amount == Decimal("188.0")
	label = client.buy_label(shipment, rate, "label:SHIP-00005")
	assert sorted(o["channel_order_id"] for o in shiprocket_fake.orders.values()) == [
		"SHIP-00005-1",
		"SHIP-00005-2",
	]
	assert len({p.tracking_number for p in label.parcels}) == 2
	assert [o["sent"]["sub_total"] for o in shiprocket_fake.orders.values()] == [450, 450]


def test_the_tracking_webhook_carries_the_panels_token_and_the_documented_sample(shiprocket_fake):
	delivery = shiprocket_fake.webhook_delivery("sr-webhook-token", "19041424751540")
	ShiprocketCarrier.verify_webhook(delivery.body, delivery.lower_headers, {}, "sr-webhook-token")
	with pytest.raises(SignatureError):
		ShiprocketCarrier.verify_webhook(delivery.body, delivery.lower_headers, {}, "another-token")
	update = ShiprocketCarrier.parse_webhook(delivery.body, delivery.lower_headers)
	assert (update.tracking_number, update.status, update.carrier) == (
		"19041424751540",
		"delivered",
		"Delhivery Surface",
	)
	assert ShiprocketCarrier.normalise(shiprocket_fake.sample["current_status"]) == "in_transit"
	assert shiprocket_fake.violations == []  # the delivery has only the fields Shiprocket documents


def test_recipient_without_a_mobile_number_or_pincode_is_held(shiprocket_fake):
	client = carrier(shiprocket_fake)
	shipment = india_shipment()
	no_phone = dataclasses.replace(shipment, to_address=dataclasses.replace(shipment.to_address, phone=None))
	with pytest.raises(NeedsAttention, match="10-digit mobile number"):
		client.buy_label(no_phone, cheapest(client, shipment), "label:SHIP-00005")
	bad_pin = dataclasses.replace(
		shipment, to_address=dataclasses.replace(shipment.to_address, postal_code="1100")
	)
	with pytest.raises(NeedsAttention, match="6-digit Indian pincode"):
		client.rates(bad_pin)
	assert shiprocket_fake.orders_created == 0


def test_the_contract_refuses_what_the_document_does_not_allow():
	order = {"order_id": "X", "billing_pincode": "110002"}  # a string where the document has an integer
	body = json.dumps(order).encode()
	request = Request(
		"POST", "/v1/external/orders/create/adhoc", {}, {"content-type": "application/json"}, body
	)
	problems = API_CONTRACT.check_request(request)
	assert any("billing_pincode" in problem for problem in problems)
	assert any(problem.kind == "required" and problem.pointer == "/order_date" for problem in problems)
	unknown = Request("POST", "/v1/external/orders/create/bulk", {}, {}, b"{}")
	assert API_CONTRACT.check_request(unknown)[0].kind == "route"


def test_the_login_goes_only_to_shiprockets_own_host():
	"""The outbound host policy: Shiprocket's declared host, and no other, gets the email and password."""
	policy = HostPolicy("Shiprocket", ShiprocketCarrier.hosts, resolve=lambda host: ["13.235.10.10"])
	settings = {
		"provider": "Shiprocket",
		"username": "u@example.in",
		"password": "pw",
		"base_url": "https://evil.example/v1",
	}
	client = build_carrier("SR", settings, policy=policy, **fast())
	with pytest.raises(OutboundRefused, match="evil.example"):
		client.rates(india_shipment())
	assert ShiprocketCarrier.hosts == ("apiv2.shiprocket.in",)
