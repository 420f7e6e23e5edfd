"""Shipping sync: rates across accounts, one label per Shipment, void, tracking onto the Shipment."""

import dataclasses
import time

import pytest

from erp_connectors.connectors.errors import NeedsAttention, PermanentError, TransientError
from erp_connectors.connectors.gateway import AccountRef
from erp_connectors.shipping_connector import sync
from erp_connectors.shipping_connector.carriers import build_carrier
from erp_connectors.shipping_connector.carriers.model import TrackingUpdate
from tests.shipping.conftest import (
	de_shipment,
	de_to_us,
	dhl_settings,
	easypost_settings,
	erp_with_shipment,
	fast,
	nl_shipment,
	sendcloud_settings,
	shippo_settings,
	us_shipment,
)

EASYPOST = AccountRef("Carrier Account", "EasyPost US")


def easypost(fake, account="EasyPost US"):
	return build_carrier(account, easypost_settings(fake), **fast())


def cheapest(carrier, shipment):
	return min(carrier.rates(shipment), key=lambda rate: rate.amount)


def test_rates_from_several_accounts_sorted_by_price_with_one_account_failing(
	easypost_fake, shippo_fake, sendcloud_fake
):
	carriers = [
		easypost(easypost_fake),
		build_carrier("Shippo US", shippo_settings(shippo_fake), **fast()),
		build_carrier("Sendcloud NL", sendcloud_settings(sendcloud_fake, api_secret="revoked"), **fast()),
	]
	quote = sync.get_rates(us_shipment(), carriers)
	assert [(r.account, str(r.amount), r.transit_days) for r in quote.rates] == [
		("Shippo US", "5.50", 3),
		("EasyPost US", "8.20", 3),
		("Shippo US", "9.20", 2),
		("EasyPost US", "11.01", 2),
		("Shippo US", "28.75", 1),
		("EasyPost US", "51.20", 2),
	]
	[error] = quote.errors
	assert (error.account, error.provider, error.kind, error.retryable) == (
		"Sendcloud NL",
		"Sendcloud",
		"auth",
		False,
	)
	assert error.message == "Invalid username/password."
	assert quote.to_dict()["rates"][0]["amount"] == "5.50"


def test_a_broken_provider_response_is_reported_not_raised(easypost_fake):
	class Broken:
		account, provider = "Odd", "EasyPost"

		def rates(self, shipment):
			raise KeyError("rates")

	quote = sync.get_rates(us_shipment(), [easypost(easypost_fake), Broken()])
	assert len(quote.rates) == 3
	assert (quote.errors[0].kind, quote.errors[0].message) == ("error", "KeyError: 'rates'")


def test_buying_twice_gives_one_label(easypost_fake):
	gateway, carrier, shipment = erp_with_shipment(), easypost(easypost_fake), us_shipment()
	rate = cheapest(carrier, shipment)
	first = sync.buy_label(gateway, EASYPOST, carrier, shipment, rate)
	second = sync.buy_label(gateway, EASYPOST, carrier, shipment, rate)
	assert first.created and not second.created
	assert easypost_fake.purchases == 1
	assert second.values["awb_number"] == first.label.tracking_number
	doc = gateway.get("Shipment", "SHIP-00001")
	assert (doc["awb_number"], doc["service_provider"], doc["carrier"], doc["status"]) == (
		first.label.tracking_number,
		"EasyPost",
		"USPS",
		"Booked",
	)
	assert doc["shipment_amount"] == rate.amount and doc["shipment_id"] == first.label.label_ref
	assert [gateway.get("Delivery Note", n)["lr_no"] for n in first.delivery_notes] == [
		first.label.tracking_number
	] * 2
	assert gateway.find_link(EASYPOST, "label", "SHIP-00001") == ("Shipment", "SHIP-00001")
	assert gateway.find_link(EASYPOST, "tracking", first.label.tracking_number) == ("Shipment", "SHIP-00001")


def test_a_job_retried_after_a_crash_between_purchase_and_link_still_buys_once(easypost_fake):
	gateway, carrier, shipment = erp_with_shipment(), easypost(easypost_fake), us_shipment()
	rate = cheapest(carrier, shipment)
	real_add_link = gateway.add_link
	gateway.add_link = lambda *args: (_ for _ in ()).throw(RuntimeError("worker died"))
	with pytest.raises(RuntimeError):
		sync.buy_label(gateway, EASYPOST, carrier, shipment, rate)
	gateway.add_link = real_add_link
	retried = sync.buy_label(gateway, EASYPOST, carrier, shipment, rate)
	assert retried.created and easypost_fake.purchases == 1


def test_void_then_buy_again_gives_a_second_label(easypost_fake):
	gateway, carrier, shipment = erp_with_shipment(), easypost(easypost_fake), us_shipment()
	first = sync.buy_label(gateway, EASYPOST, carrier, shipment, cheapest(carrier, shipment))
	outcome = sync.void_label(gateway, EASYPOST, carrier, "SHIP-00001")
	assert outcome.result.state == "pending" and easypost_fake.requests[-1].path.endswith("/refund")
	doc = gateway.get("Shipment", "SHIP-00001")
	assert (doc["awb_number"], doc["status"], gateway.get("Delivery Note", "DN-0001")["lr_no"]) == (
		"",
		"Submitted",
		"",
	)
	second = sync.buy_label(gateway, EASYPOST, carrier, shipment, cheapest(carrier, shipment))
	assert second.created and second.label.tracking_number != first.label.tracking_number
	assert gateway.find_link(EASYPOST, "label", "SHIP-00001#2") == ("Shipment", "SHIP-00001")
	assert easypost_fake.purchases == 2
	with pytest.raises(NeedsAttention):
		sync.void_label(gateway, AccountRef("Carrier Account", "Other"), carrier, "SHIP-00001")


def test_a_second_account_cannot_buy_over_an_existing_label(easypost_fake, shippo_fake):
	gateway, shipment = erp_with_shipment(), us_shipment()
	carrier = easypost(easypost_fake)
	sync.buy_label(gateway, EASYPOST, carrier, shipment, cheapest(carrier, shipment))
	shippo = build_carrier("Shippo US", shippo_settings(shippo_fake), **fast())
	with pytest.raises(NeedsAttention, match="Void that label before buying another"):
		sync.buy_label(
			gateway, AccountRef("Carrier Account", "Shippo US"), shippo, shipment, cheapest(shippo, shipment)
		)
	assert shippo_fake.transactions == {}


def test_draft_shipments_and_foreign_rates_need_attention(easypost_fake, shippo_fake):
	carrier, shipment = easypost(easypost_fake), us_shipment()
	rate = cheapest(carrier, shipment)
	with pytest.raises(NeedsAttention, match="Submit Shipment SHIP-00001"):
		sync.buy_label(erp_with_shipment(docstatus=0), EASYPOST, carrier, shipment, rate)
	shippo_rate = cheapest(build_carrier("Shippo US", shippo_settings(shippo_fake), **fast()), shipment)
	with pytest.raises(NeedsAttention, match="Get rates again"):
		sync.buy_label(erp_with_shipment(), EASYPOST, carrier, shipment, shippo_rate)
	assert easypost_fake.purchases == 0


def test_return_label_swaps_addresses_and_leaves_the_outbound_label(easypost_fake):
	gateway, carrier, shipment = erp_with_shipment(), easypost(easypost_fake), us_shipment()
	outbound = sync.buy_label(gateway, EASYPOST, carrier, shipment, cheapest(carrier, shipment))
	back = shipment.as_return()
	purchase = sync.buy_label(gateway, EASYPOST, carrier, back, cheapest(carrier, back))
	sent = [r.json()["shipment"] for r in easypost_fake.requests if r.path == "/v2/shipments"][-1]
	assert sent["is_return"] is True and sent["from_address"]["zip"] == shipment.to_address.postal_code
	assert purchase.created and purchase.values == {}
	assert gateway.get("Shipment", "SHIP-00001")["awb_number"] == outbound.label.tracking_number
	assert gateway.find_link(EASYPOST, "return_tracking", purchase.label.tracking_number)
	assert "Return label" in gateway.comments[-1][2]
	assert not sync.buy_label(gateway, EASYPOST, carrier, back, cheapest(carrier, back)).created


def update_for(number, status, message=None):
	return TrackingUpdate(provider="EasyPost", tracking_number=number, status=status, message=message)


def test_tracking_updates_move_the_shipment_idempotently_and_ignore_stale_ones(easypost_fake):
	gateway, carrier, shipment = erp_with_shipment(), easypost(easypost_fake), us_shipment()
	number = sync.buy_label(
		gateway, EASYPOST, carrier, shipment, cheapest(carrier, shipment)
	).label.tracking_number
	moving = sync.apply_tracking_update(
		gateway, EASYPOST, update_for(number, "out_for_delivery", "On vehicle")
	)
	assert (
		moving.applied
		and gateway.get("Shipment", "SHIP-00001")["tracking_status_info"] == "Out for delivery: On vehicle"
	)
	for _ in range(2):
		done = sync.apply_tracking_update(gateway, EASYPOST, update_for(number, "delivered"))
		assert done.applied and done.delivered and done.delivery_notes == ["DN-0001", "DN-0002"]
	doc = gateway.get("Shipment", "SHIP-00001")
	assert (doc["tracking_status"], doc["status"], doc["tracking_status_info"]) == (
		"Delivered",
		"Completed",
		"Delivered",
	)
	late = sync.apply_tracking_update(gateway, EASYPOST, update_for(number, "in_transit"))
	assert not late.applied and "Out-of-order" in late.reason
	assert gateway.get("Shipment", "SHIP-00001")["tracking_status"] == "Delivered"


def test_tracking_updates_for_unknown_or_voided_labels_change_nothing(easypost_fake):
	gateway, carrier, shipment = erp_with_shipment(), easypost(easypost_fake), us_shipment()
	number = sync.buy_label(
		gateway, EASYPOST, carrier, shipment, cheapest(carrier, shipment)
	).label.tracking_number
	stranger = sync.apply_tracking_update(gateway, EASYPOST, update_for("EZ999", "delivered"))
	assert (stranger.applied, stranger.shipment) == (False, None)
	sync.void_label(gateway, EASYPOST, carrier, "SHIP-00001")
	stale = sync.apply_tracking_update(gateway, EASYPOST, update_for(number, "in_transit"))
	assert not stale.applied and "voided" in stale.reason
	assert gateway.get("Shipment", "SHIP-00001")["tracking_status"] == ""


def test_refresh_tracking_polls_the_carrier(dhl_fake):
	account = AccountRef("Carrier Account", "DHL Bonn")
	gateway, shipment = erp_with_shipment("SHIP-00002"), de_shipment()
	carrier = build_carrier("DHL Bonn", dhl_settings(dhl_fake), **fast())
	label = sync.buy_label(gateway, account, carrier, shipment, carrier.rates(shipment)[0]).label
	dhl_fake.tracking_status[label.tracking_number] = "delivered"
	[outcome] = sync.refresh_tracking(gateway, account, carrier, "SHIP-00002")
	assert outcome.delivered and gateway.get("Shipment", "SHIP-00002")["tracking_status"] == "Delivered"


@pytest.mark.parametrize("refund_status", ["rejected", "not_applicable"])
def test_a_refund_easypost_refuses_leaves_the_label_on_the_shipment(easypost_fake, refund_status):
	"""E1: a rejected or not_applicable refund is not a void: the label is still valid and billed."""
	gateway, carrier, shipment = erp_with_shipment(), easypost(easypost_fake), us_shipment()
	first = sync.buy_label(gateway, EASYPOST, carrier, shipment, cheapest(carrier, shipment))
	easypost_fake.refund_answer = refund_status
	with pytest.raises(
		PermanentError, match=f"was not voided and stays on Shipment SHIP-00001.*{refund_status}"
	):
		sync.void_label(gateway, EASYPOST, carrier, "SHIP-00001")
	doc = gateway.get("Shipment", "SHIP-00001")
	assert (doc["awb_number"], doc["status"]) == (first.label.tracking_number, "Booked")
	assert gateway.get("Delivery Note", "DN-0001")["lr_no"] == first.label.tracking_number
	assert gateway.find_link(EASYPOST, "voided_label", "SHIP-00001") is None
	again = sync.buy_label(gateway, EASYPOST, carrier, shipment, cheapest(carrier, shipment))
	assert not again.created and easypost_fake.purchases == 1


def test_a_cancellation_sendcloud_refuses_leaves_the_label_on_the_shipment(sendcloud_fake):
	"""S4: Sendcloud's 409 "Cancellation rejected" is reported once, and the label stays."""
	account = AccountRef("Carrier Account", "Sendcloud NL")
	gateway, shipment = erp_with_shipment("SHIP-00003"), nl_shipment()
	carrier = build_carrier("Sendcloud NL", sendcloud_settings(sendcloud_fake), **fast())
	label = sync.buy_label(gateway, account, carrier, shipment, carrier.rates(shipment)[0]).label
	sendcloud_fake.set_status(label.tracking_number, "DELIVERED", "Delivered")
	with pytest.raises(PermanentError, match="This shipment is already being cancelled."):
		sync.void_label(gateway, account, carrier, "SHIP-00003")
	assert gateway.get("Shipment", "SHIP-00003")["awb_number"] == label.tracking_number
	assert len([r for r in sendcloud_fake.requests if r.path.endswith("/cancel")]) == 1


def test_a_sendcloud_label_bought_by_an_attempt_that_timed_out_is_recorded_not_bought_again(sendcloud_fake):
	"""S3: the first announce outlives our timeout but succeeds at Sendcloud; the job's retry sends the
	same external_reference_id, gets 409 with that shipment, and records it."""
	account = AccountRef("Carrier Account", "Sendcloud NL")
	gateway, shipment = erp_with_shipment("SHIP-00003"), nl_shipment()
	carrier = build_carrier(
		"Sendcloud NL", sendcloud_settings(sendcloud_fake), **fast(timeout=(1.0, 0.2), max_retries=0)
	)
	rate = carrier.rates(shipment)[0]
	sendcloud_fake.inject("delay", delay=0.5, path="/announce")
	with pytest.raises(TransientError, match="Timed out"):
		sync.buy_label(gateway, account, carrier, shipment, rate)
	deadline = time.monotonic() + 5
	while not sendcloud_fake.announced and time.monotonic() < deadline:
		time.sleep(0.02)
	retried = sync.buy_label(gateway, account, carrier, shipment, rate)
	[(parcel_number, parcel)] = sendcloud_fake.parcels.items()
	assert retried.created and retried.label.tracking_number == parcel_number
	assert gateway.get("Shipment", "SHIP-00003")["awb_number"] == parcel_number
	assert sendcloud_fake.announced == 1


def erp_with_parcels(name="SHIP-00004", rows=2):
	"""A submitted Shipment whose parcel table has a row per parcel (as Frappe stores them)."""
	gateway = erp_with_shipment(name)
	parcels = [
		{"doctype": "Shipment Parcel", "name": f"{name}-row{n}", "idx": n, "weight": 0.6, "count": 1}
		for n in range(1, rows + 1)
	]
	gateway.docs["Shipment"][name]["shipment_parcel"] = parcels
	return gateway


def rows_of(gateway, name="SHIP-00004"):
	return gateway.get("Shipment", name)["shipment_parcel"]


def two_parcels(name="SHIP-00004"):
	shipment = de_to_us(reference=name)
	refs = (f"{name}-row1", f"{name}-row2")
	return dataclasses.replace(
		shipment,
		parcels=tuple(
			dataclasses.replace(p, reference=r) for p, r in zip(shipment.parcels, refs, strict=True)
		),
	)


def test_each_parcel_row_gets_its_own_tracking_number(easypost_fake):
	gateway, carrier, shipment = erp_with_parcels(), easypost(easypost_fake), two_parcels()
	purchase = sync.buy_label(gateway, EASYPOST, carrier, shipment, cheapest(carrier, shipment))
	first, second = rows_of(gateway)
	numbers = [p.tracking_number for p in purchase.label.parcels]
	assert [first["carrier_tracking_number"], second["carrier_tracking_number"]] == numbers
	assert [first["carrier_label_ref"], second["carrier_label_ref"]] == [
		p.label_ref for p in purchase.label.parcels
	]
	assert gateway.get("Shipment", "SHIP-00004")["awb_number"] == numbers[0]
	for number in numbers:
		assert gateway.find_link(EASYPOST, "tracking", number) == ("Shipment", "SHIP-00004")


def test_a_tracking_update_moves_only_its_parcel_and_the_shipment_is_delivered_when_all_are(easypost_fake):
	gateway, carrier, shipment = erp_with_parcels(), easypost(easypost_fake), two_parcels()
	first_number, second_number = (
		p.tracking_number
		for p in sync.buy_label(
			gateway, EASYPOST, carrier, shipment, cheapest(carrier, shipment)
		).label.parcels
	)
	outcome = sync.apply_tracking_update(gateway, EASYPOST, update_for(second_number, "delivered"))
	assert outcome.applied and outcome.parcel == "SHIP-00004-row2"
	first, second = rows_of(gateway)
	assert (first["carrier_tracking_status"], second["carrier_tracking_status"]) == (
		"In Progress",
		"Delivered",
	)
	doc = gateway.get("Shipment", "SHIP-00004")
	assert (doc["tracking_status"], doc["status"], doc["tracking_status_info"]) == (
		"In Progress",
		"Booked",
		"1 of 2 parcels delivered",
	)
	sync.apply_tracking_update(gateway, EASYPOST, update_for(first_number, "delivered"))
	doc = gateway.get("Shipment", "SHIP-00004")
	assert (doc["tracking_status"], doc["status"]) == ("Delivered", "Completed")


def test_voiding_one_parcel_leaves_the_other(easypost_fake):
	gateway, carrier, shipment = erp_with_parcels(), easypost(easypost_fake), two_parcels()
	label = sync.buy_label(gateway, EASYPOST, carrier, shipment, cheapest(carrier, shipment)).label
	outcome = sync.void_label(gateway, EASYPOST, carrier, "SHIP-00004", parcel="SHIP-00004-row1")
	refunds = [r.path for r in easypost_fake.requests if r.path.endswith("/refund")]
	assert refunds == [f"/v2/shipments/{label.parcels[0].label_ref}/refund"]
	assert (outcome.voided, outcome.kept) == (
		[label.parcels[0].tracking_number],
		[label.parcels[1].tracking_number],
	)
	first, second = rows_of(gateway)
	assert (first["carrier_tracking_status"], second["carrier_tracking_status"]) == ("Voided", "In Progress")
	doc = gateway.get("Shipment", "SHIP-00004")
	assert doc["awb_number"] == label.parcels[1].tracking_number and doc["status"] == "Booked"
	# the voided parcel's tracking changes nothing; the Shipment keeps its label slot
	stale = sync.apply_tracking_update(
		gateway, EASYPOST, update_for(label.parcels[0].tracking_number, "delivered")
	)
	assert not stale.applied and "voided" in stale.reason
	assert gateway.find_link(EASYPOST, "voided_label", "SHIP-00004") is None
	# voiding the last one gives the whole label up
	sync.void_label(gateway, EASYPOST, carrier, "SHIP-00004")
	assert gateway.get("Shipment", "SHIP-00004")["awb_number"] == ""
	assert gateway.find_link(EASYPOST, "voided_label", "SHIP-00004") == ("Shipment", "SHIP-00004")


def test_a_purchase_that_answers_fewer_labels_than_parcels_records_nothing(easypost_fake):
	gateway, carrier, shipment = erp_with_parcels(), easypost(easypost_fake), two_parcels()
	rate = cheapest(carrier, shipment)
	one = dataclasses.replace(rate, parts=rate.parts[:1])
	with pytest.raises(NeedsAttention, match="covers 1 parcel"):
		sync.buy_label(gateway, EASYPOST, carrier, shipment, one)
	assert gateway.find_link(EASYPOST, "label", "SHIP-00004") is None
