"""Shared pieces for the carrier tests: fixture payloads, sample shipments, fast HTTP options."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from erp_connectors.connectors.gateway import InMemoryGateway
from erp_connectors.shipping_connector.carriers.model import Address, Customs, CustomsItem, Parcel, Shipment
from erp_connectors.testing.fake_carriers import FakeDhl, FakeEasyPost, FakeSendcloud, FakeShippo
from erp_connectors.testing.fake_carriers.shiprocket import FakeShiprocket

DATA = Path(__file__).resolve().parents[1] / "data"


def data(name: str):
	return json.loads((DATA / name).read_text(encoding="utf-8"))


def fast(sleeps: list | None = None, **options) -> dict:
	"""HttpClient options for tests: record sleeps instead of sleeping, short timeouts."""
	options.setdefault("timeout", (1.0, 2.0))
	options.setdefault("sleep", (sleeps if sleeps is not None else []).append)
	return options


def easypost_address(raw: dict) -> Address:
	return Address(
		name=raw["name"],
		company=raw.get("company"),
		street1=raw["street1"],
		street2=raw.get("street2") or None,
		city=raw["city"],
		state=raw.get("state"),
		postal_code=raw["zip"],
		country=raw["country"],
		phone=raw.get("phone"),
		email=raw.get("email"),
	)


def us_shipment(reference="SHIP-00001", **changes) -> Shipment:
	"""EasyPost's docs example: EasyPost HQ to Dr. Steve Brule, its 20.2 x 10.9 x 5 in, 65.9 oz parcel."""
	created = data("easypost_docs_response_shipments-create.json")
	parcel = created["parcel"]
	values = dict(
		reference=reference,
		from_address=easypost_address(created["from_address"]),
		to_address=easypost_address(created["to_address"]),
		parcels=(
			Parcel(
				weight=Decimal(str(parcel["weight"])),
				weight_unit="oz",
				length=Decimal(str(parcel["length"])),
				width=Decimal(str(parcel["width"])),
				height=Decimal(str(parcel["height"])),
				dimension_unit="in",
			),
		),
	)
	return Shipment(**{**values, **changes})


def dhl_address(raw: dict) -> Address:
	return Address(
		name=raw["name1"],
		street1=raw["addressStreet"],
		city=raw["city"],
		postal_code=raw["postalCode"],
		country="DE",
		phone=raw.get("phone"),
		email=raw.get("email"),
	)


def de_shipment(reference="SHIP-00002", **changes) -> Shipment:
	"""DHL's OpenAPI example order (DHLPaket): Bonn to Bonn, 500 g, 200 x 150 x 100 mm."""
	order = data("dhl_parcel_de_v2_openapi_example_POST_orders_request_DHLPaket.json")["shipments"][0]
	dim = order["details"]["dim"]
	parcel = Parcel(
		weight=Decimal(order["details"]["weight"]["value"]),
		weight_unit="g",
		length=Decimal(dim["length"]),
		width=Decimal(dim["width"]),
		height=Decimal(dim["height"]),
		dimension_unit="mm",
	)
	values = dict(
		reference=reference,
		from_address=dhl_address(order["shipper"]),
		to_address=dhl_address(order["consignee"]),
		parcels=(parcel,),
	)
	return Shipment(**{**values, **changes})


def nl_shipment(reference="SHIP-00003", **changes) -> Shipment:
	"""Sendcloud's docs examples: the v2 create-parcel request's recipient, the webhook parcel's sender."""
	recipient = data("sendcloud_docs_v2_POST_parcels_request.json")["parcel"]
	sender = data("sendcloud_docs_webhook_v3_parcel_status_changed.json")["parcel"]
	values = dict(
		reference=reference,
		from_address=Address(
			name=sender["name"],
			company=sender["company_name"],
			street1=sender["address_divided"]["street"],
			house_number=str(sender["address_divided"]["house_number"]),
			city=sender["city"],
			postal_code=sender["postal_code"],
			country=sender["country"]["iso_2"],
			email=sender["email"],
		),
		to_address=Address(
			name=recipient["name"],
			company=recipient["company_name"],
			street1=recipient["address"],
			house_number=recipient["house_number"],
			city=recipient["city"],
			postal_code=recipient["postal_code"],
			country=recipient["country"],
			phone=recipient["telephone"],
			email=recipient["email"],
		),
		parcels=(Parcel(weight=Decimal(recipient["weight"]), length=30, width=20, height=10),),
	)
	return Shipment(**{**values, **changes})


def declaration(currency="EUR", **changes) -> Customs:
	"""Two lines, as a German shop's Delivery Note declares them: shirts made in Portugal, a mug from China."""
	items = (
		CustomsItem(
			"Cotton T-shirt", 2, Decimal("39.80"), currency, Decimal("0.400"), "61091000", "PT", "TS-1"
		),
		CustomsItem(
			"Ceramic mug", 1, Decimal("12.50"), currency, Decimal("0.350"), "69120021", "CN", "MUG-1"
		),
	)
	return Customs(**{"items": items, "incoterm": "DAP", "invoice_number": "MAT-DN-2026-00001", **changes})


def de_to_us(reference="SHIP-00004", parcels=2, **changes) -> Shipment:
	"""Bonn (DHL's example shipper) to EasyPost HQ's address, two parcels, with the declaration."""
	us = us_shipment()
	de = de_shipment()
	parcel = Parcel(weight=Decimal("0.6"), length=20, width=15, height=10)
	values = dict(
		reference=reference,
		from_address=de.from_address,
		to_address=us.to_address,
		parcels=(parcel,) * parcels,
		customs=declaration(),
	)
	return Shipment(**{**values, **changes})


def erp_with_shipment(name="SHIP-00001", docstatus=1) -> InMemoryGateway:
	"""An ERP with a submitted Shipment linked to two Delivery Notes."""
	gateway = InMemoryGateway()
	for note in ("DN-0001", "DN-0002"):
		gateway.insert({"doctype": "Delivery Note", "name": note, "customer": "Dr. Steve Brule"}, submit=True)
	shipment = {
		"doctype": "Shipment",
		"name": name,
		"status": "Submitted",
		"shipment_delivery_note": [{"delivery_note": "DN-0001"}, {"delivery_note": "DN-0002"}],
	}
	gateway.insert(shipment, submit=bool(docstatus))
	return gateway


@pytest.fixture
def easypost_fake():
	with FakeEasyPost() as fake:
		yield fake


@pytest.fixture
def shippo_fake():
	with FakeShippo() as fake:
		yield fake


@pytest.fixture
def sendcloud_fake():
	with FakeSendcloud() as fake:
		yield fake


@pytest.fixture
def shiprocket_fake():
	with FakeShiprocket() as fake:
		yield fake


def india_shipment(reference="SHIP-00005", parcels=1, **changes) -> Shipment:
	"""Mumbai to New Delhi: the address of Shiprocket's own webhook and order examples."""
	values = dict(
		reference=reference,
		from_address=Address(
			name="Warehouse Andheri",
			street1="Marol Industrial Estate",
			city="Mumbai",
			state="Maharashtra",
			postal_code="400059",
			country="IN",
			phone="+91 98200 12345",
			email="dispatch@example.in",
		),
		to_address=Address(
			name="Naruto Uzumaki",
			street1="House 221B, Leaf Village",
			street2="Near Hokage House",
			city="New Delhi",
			state="Delhi",
			postal_code="110002",
			country="IN",
			phone="9876543210",
			email="naruto@uzumaki.com",
		),
		parcels=(Parcel(weight=Decimal("1.2"), length=10, width=15, height=20),) * parcels,
		value=Decimal("900"),
		description="Agreement",
	)
	return Shipment(**{**values, **changes})


def shiprocket_settings(fake, **extra) -> dict:
	email, password = fake.login
	return {
		"provider": "Shiprocket",
		"username": email,
		"password": password,
		"pickup_location": "Primary",
		"base_url": f"{fake.url}/v1/external",
		**extra,
	}


@pytest.fixture
def dhl_fake():
	with FakeDhl() as fake:
		yield fake


def easypost_settings(fake: FakeEasyPost, **extra) -> dict:
	return {"provider": "EasyPost", "api_key": fake.api_key, "base_url": f"{fake.url}/v2", **extra}


def shippo_settings(fake: FakeShippo, **extra) -> dict:
	return {"provider": "Shippo", "api_key": fake.token, "base_url": fake.url, **extra}


def sendcloud_settings(fake: FakeSendcloud, **extra) -> dict:
	public, secret = fake.credentials
	return {
		"provider": "Sendcloud",
		"api_key": public,
		"api_secret": secret,
		"base_url": f"{fake.url}/api/v3",
		**extra,
	}


DHL_FLAT_RATES = [
	{
		"product": "V01PAK",
		"service": "DHL Paket",
		"amount": "4.99",
		"currency": "EUR",
		"transit_days": 2,
		"max_weight_kg": "31.5",
	},
	{
		"product": "V62KP",
		"service": "DHL Kleinpaket",
		"amount": "3.69",
		"currency": "EUR",
		"transit_days": 2,
		"max_weight_kg": "1",
	},
	{
		"product": "V53WPAK",
		"service": "DHL Paket International",
		"amount": "17.99",
		"currency": "EUR",
		"transit_days": 6,
		"max_weight_kg": "31.5",
	},
]


def dhl_settings(fake: FakeDhl, **extra) -> dict:
	return {
		"provider": "DHL Parcel DE",
		"api_key": fake.api_key,
		"username": fake.login[0],
		"password": fake.login[1],
		"billing_number": "33333333330102",
		"flat_rates": DHL_FLAT_RATES,
		"base_url": fake.shipping_url,
		"tracking_base_url": fake.url,
		**extra,
	}
