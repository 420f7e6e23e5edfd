"""The carriers' published contracts themselves: each refuses what its provider would, in the
provider's own error shape, and flags an answer the provider could not give."""

import json

import pytest
import requests
from shippo.models import components

from erp_connectors.testing.contracts.openapi import ExtraResponse
from erp_connectors.testing.contracts.shippo_sdk import ShippoSdkContract, model_problems, sdk_operations
from erp_connectors.testing.fake_carriers import FakeDhl, FakeEasyPost, FakeSendcloud, FakeShippo
from erp_connectors.testing.fake_carriers.dhl import SHIPPING_CONTRACT, UnifiedTrackingContract
from erp_connectors.testing.fake_carriers.easypost import CONTRACT as EASYPOST
from erp_connectors.testing.fake_carriers.sendcloud import CONTRACT as SENDCLOUD
from erp_connectors.testing.fake_server import Request, Response
from tests.shipping.conftest import DATA, data


def request(method, path, body=None, query=None):
	payload = json.dumps(body).encode() if body is not None else b""
	return Request(method, path, query or {}, {"content-type": "application/json"}, payload)


def sendcloud(fake, method, path, **kwargs):
	return requests.request(method, fake.url + path, auth=fake.credentials, timeout=5, **kwargs)


@pytest.mark.parametrize(
	"fake_class, method, path",
	[
		(FakeSendcloud, "GET", "/api/v3/labels"),
		(FakeSendcloud, "DELETE", "/api/v3/shipping-options"),
		(FakeDhl, "PUT", "/parcel/de/shipping/v2/orders"),
		(FakeDhl, "POST", "/track/shipments"),
		(FakeShippo, "DELETE", "/shipments/"),
		(FakeEasyPost, "POST", "/v2/shipments/shp_1/label"),
	],
)
def test_a_route_the_contract_lacks_is_refused_not_answered(fake_class, method, path):
	with fake_class() as fake:
		answer = requests.request(method, fake.url + path, json={}, timeout=5)
	assert answer.status_code == 404
	[(refused, problems)] = fake.refused
	assert refused.path == path and problems[0].kind == "route"


def test_sendclouds_refusal_of_a_missing_field_is_its_own_400():
	announce = request(
		"POST", "/api/v3/shipments/announce", {"parcels": [{"weight": {"value": "1", "unit": "kg"}}]}
	)
	problems = SENDCLOUD.check_request(announce)
	assert "/to_address: required" in problems
	refusal = SENDCLOUD.refusal(announce, problems)
	assert refusal.status == 400
	assert {
		"status": "400",
		"code": "required",
		"detail": "This field is required.",
		"source": {"pointer": "/to_address"},
	} in refusal.body["errors"]
	assert SENDCLOUD.check_response(announce, refusal) == []  # the document's own 400 shape


def test_sendcloud_keys_its_filter_does_not_declare_are_refused():
	options = request(
		"POST", "/api/v3/shipping-options", {"to_address": {"country_code": "NL"}, "parcels": []}
	)
	assert SENDCLOUD.check_request(options) == ["/to_address: not declared by the published schema"]


def test_sendcloud_statuses_and_fields_the_document_lacks_are_violations():
	tracking = request("GET", "/api/v3/parcels/tracking/3SYZXG132912330")
	assert SENDCLOUD.check_response(tracking, Response(500, {"detail": "boom"})) != []
	wrapped = {"data": {"tracking_number": "3SYZXG132912330", "events": []}}
	assert "/data: not declared by the published schema" in SENDCLOUD.check_response(
		tracking, Response(200, wrapped)
	)


def test_the_409_of_a_reused_reference_is_the_one_extra_answer_and_it_quotes_its_source():
	[extra] = SENDCLOUD.extra_responses.values()
	assert extra == ExtraResponse("POST", "/shipments/announce", 409, 201, extra.source)
	field = SENDCLOUD.resolve({"$ref": "#/components/schemas/shipment-common-with-optional-fields"})
	assert (
		"409 HTTP status code and the associated object being returned"
		in field["properties"]["external_reference_id"]["description"]
	)


def test_sendcloud_401_is_checked_against_the_documents_error_schema():
	options = request("POST", "/api/v3/shipping-options", {})
	assert (
		SENDCLOUD.check_response(options, Response(401, {"errors": [{"status": "401", "detail": "No."}]}))
		== []
	)
	assert SENDCLOUD.check_response(options, Response(401, {"message": "No."})) == [
		"/message: not declared by the published schema"
	]


def test_dhls_refusal_is_its_label_data_response_and_validates():
	order = data("dhl_parcel_de_v2_openapi_example_POST_orders_request_DHLPaket.json")
	order["shipments"][0]["consignee"]["city"] = "x" * 41
	del order["shipments"][0]["shipper"]["phone"]  # not in DHL's Shipper schema, though in its example
	post = request("POST", "/parcel/de/shipping/v2/orders", order, {"docFormat": "PDF"})
	problems = SHIPPING_CONTRACT.check_request(post)
	assert [p.pointer for p in problems] == ["/shipments/0/consignee/city"]
	refusal = SHIPPING_CONTRACT.refusal(post, problems)
	assert refusal.body["items"][0]["validationMessages"][0]["property"] == "shipments.0.consignee.city"
	assert SHIPPING_CONTRACT.check_response(post, refusal) == []


def test_dhls_own_example_order_names_a_shipper_phone_its_schema_does_not_have():
	"""Why the contract, not the example, decides D1: the document contradicts itself."""
	order = data("dhl_parcel_de_v2_openapi_example_POST_orders_request_DHLPaket.json")
	post = request("POST", "/parcel/de/shipping/v2/orders", order, {"docFormat": "PDF"})
	assert SHIPPING_CONTRACT.check_request(post) == [
		"/shipments/0/shipper/phone: not declared by the published schema"
	]


def test_dhls_sdk_fixtures_are_answers_the_document_allows():
	post = request("POST", "/parcel/de/shipping/v2/orders", {}, {"docFormat": "PDF"})
	success = data("dhl_parcel_de_v2_sdk_fixture_POST_orders_response_singleShipmentSuccess.json")
	rejection = data("dhl_parcel_de_v2_sdk_fixture_POST_orders_response_singleShipmentValidationError.json")
	problem = {"Content-Type": "application/problem+json"}
	assert SHIPPING_CONTRACT.check_response(post, Response(200, success)) == []
	assert SHIPPING_CONTRACT.check_response(post, Response(400, rejection, problem)) == []
	assert SHIPPING_CONTRACT.check_response(post, Response(404, rejection, problem)) != []  # not documented


def test_dhl_tracking_status_codes_are_the_documented_five():
	contract, track = (
		UnifiedTrackingContract(),
		request("GET", "/track/shipments", query={"trackingNumber": "1"}),
	)
	body = {"shipments": [{"id": "1", "status": {"statusCode": "transit"}}]}
	assert contract.check_response(track, Response(200, body)) == []
	body["shipments"][0]["status"]["statusCode"] = "out-for-delivery"
	assert contract.check_response(track, Response(200, body)) == [
		"/shipments/0/status/statusCode: 'out-for-delivery' is not documented"
	]
	assert contract.check_request(request("GET", "/track/shipments"))[0].kind == "required"


def test_shippos_operations_are_read_off_the_sdk():
	assert [(o.method, o.path.pattern, o.success, o.response_model.__name__) for o in sdk_operations()] == [
		("POST", "/shipments", 201, "Shipment"),
		("POST", "/transactions", 201, "Transaction"),
		("GET", "/transactions", 200, "TransactionPaginatedList"),
		("POST", "/refunds", 201, "Refund"),
		("GET", "/tracks/[^/]+/[^/]+", 200, "Track"),
	]


def test_shippo_models_require_fields_hold_enums_and_refuse_unknown_keys():
	parcel = {
		"weight": "1",
		"mass_unit": "kg",
		"length": "1",
		"width": "1",
		"height": "1",
		"distance_unit": "cm",
	}
	assert model_problems(parcel, components.ParcelCreateRequest) == []
	assert model_problems({**parcel, "mass_unit": "kilo"}, components.ParcelCreateRequest) == [
		"/mass_unit: 'kilo' is not one of ['g', 'kg', 'lb', 'oz']"
	]
	assert model_problems({**parcel, "colour": "red"}, components.ParcelCreateRequest) == [
		"/colour: not a field of the SDK's ParcelCreateRequest"
	]
	del parcel["height"]
	assert model_problems(parcel, components.ParcelCreateRequest) == ["/height: required"]


def test_shippos_refusal_is_field_keyed_like_shippos_400():
	post = request("POST", "/refunds", {"async": False})
	contract = ShippoSdkContract()
	refusal = contract.refusal(post, contract.check_request(post))
	assert (refusal.status, refusal.body) == (400, {"transaction": ["This field is required."]})


def test_a_shippo_webhook_the_sdk_could_not_read_is_a_violation():
	with FakeShippo() as fake:
		body = json.loads(fake.webhook_delivery("tok", "1").body)
	body["data"]["tracking_status"]["status"] = "OUT_FOR_DELIVERY"
	[problem] = ShippoSdkContract().check_webhook(json.dumps(body).encode())
	assert problem.startswith("/data/tracking_status/status: 'OUT_FOR_DELIVERY' is not one of")


def test_easyposts_endpoints_come_from_its_recorded_traffic():
	ours = {
		("POST", "/v2/shipments"): {201},
		("POST", "/v2/shipments/{id}/buy"): {200},
		("GET", "/v2/shipments/{id}"): {200},
		("POST", "/v2/shipments/{id}/refund"): {200},
		("POST", "/v2/trackers"): {200},
	}
	assert {key: EASYPOST.endpoints[key].statuses for key in ours} == ours


def test_easypost_refuses_a_key_no_recording_sent_nor_answered():
	body = {"shipment": {"parcel": {"weight": 10, "girth": 3}, "reference": "A"}}
	post = request("POST", "/v2/shipments", body)
	assert EASYPOST.check_request(post) == ["/shipment/parcel/girth: never recorded here"]
	refusal = EASYPOST.refusal(post, EASYPOST.check_request(post))
	assert refusal.status == 422 and refusal.body["error"]["errors"][0]["field"] == "shipment.parcel.girth"
	assert EASYPOST.check_response(post, refusal) == []  # the recorded error shape


def test_easypost_answers_are_held_to_the_recorded_shape():
	post = request("POST", "/v2/trackers", {"tracker": {"tracking_code": "EZ1000000001"}})
	tracker = data("easypost_docs_response_trackers-create.json")
	for detail in tracker["tracking_details"]:
		detail.pop("est_delivery_date")
	assert EASYPOST.check_response(post, Response(200, tracker)) == []
	assert EASYPOST.check_response(post, Response(201, tracker)) != []
	assert EASYPOST.check_response(post, Response(200, {**tracker, "eta": "soon"})) == [
		"/eta: never recorded here"
	]
	assert EASYPOST.check_response(post, Response(200, {**tracker, "status": 3})) == [
		"/status: number where the recordings have string"
	]
	del tracker["tracking_code"]
	assert EASYPOST.check_response(post, Response(200, tracker)) == ["/tracking_code: required"]


def test_easyposts_webhook_fixture_fits_the_recorded_event_and_tracker():
	body = (DATA / "easypost_fixture_event-body.json").read_bytes()
	assert EASYPOST.check_event(body, ("POST", "/v2/trackers")) == []
	event = json.loads(body)
	event["result"]["tracking_details"] = "none"
	assert EASYPOST.check_event(json.dumps(event).encode(), ("POST", "/v2/trackers")) == [
		"/result/tracking_details: string where the recordings have list"
	]
