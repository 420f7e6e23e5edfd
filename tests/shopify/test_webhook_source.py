import base64
import hashlib
import hmac
import json
from pathlib import Path

import pytest

from erp_connectors.connectors.errors import SignatureError
from erp_connectors.shopify_connector.webhook import ShopifyWebhookSource

DATA = Path(__file__).parent.parent / "data"
BODY = (DATA / "shopify_webhook_orders_create_2026-04_docs_sample.json").read_bytes()
SOURCE = ShopifyWebhookSource()


def headers(body=BODY, secret="shpss_current", **extra):
	digest = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
	base = {
		"x-shopify-topic": "orders/create",
		"x-shopify-hmac-sha256": digest,
		"x-shopify-shop-domain": "Snowdevil.myshopify.com",
		"x-shopify-webhook-id": "545ebdd4-b7be-4d3d-b14e-54aa78e0e0f9",
		"x-shopify-event-id": "59d6d79c-595f-4e7e-bc6f-72f5c3d0c66f",
		"x-shopify-triggered-at": "2025-07-10T16:15:47.000000Z",
	}
	return {**base, **extra}


def test_documented_headers_name_the_store_and_dedupe_on_the_event_id():
	raw = (DATA / "shopify_webhook_headers_example_2026-07_docs.http").read_text().splitlines()
	documented = {
		k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in raw[2:] if ":" in line)
	}
	assert SOURCE.account_name(documented, {}) == "snowdevil.myshopify.com"
	event = SOURCE.parse(b"{}", documented)
	assert event.event_id == "59d6d79c-595f-4e7e-bc6f-72f5c3d0c66f"  # X-Shopify-Event-Id
	assert (event.topic, event.occurred_at) == ("products/update", "2025-07-10T16:15:47.000000Z")


def test_valid_and_rotated_secrets_verify():
	SOURCE.verify(BODY, headers(), {}, ["shpss_current"])
	SOURCE.verify(BODY, headers(secret="shpss_old"), {}, ["shpss_current", "shpss_old"])


@pytest.mark.parametrize(
	("body", "secret", "secrets"),
	[
		(BODY + b" ", "shpss_current", ["shpss_current"]),
		(BODY, "shpss_wrong", ["shpss_current"]),
		(BODY, "x", []),
	],
)
def test_tampered_body_wrong_or_missing_secret_is_rejected(body, secret, secrets):
	with pytest.raises(SignatureError):
		SOURCE.verify(body, headers(secret=secret), {}, secrets)


def test_parse_keeps_18_digit_ids_exact():
	event = SOURCE.parse(BODY, headers())
	assert event.payload["id"] == 820982911946154508
	assert event.payload["line_items"][0]["id"] == 487817672276298554
	assert json.dumps(event.payload["id"]) == "820982911946154508"


@pytest.mark.parametrize(
	"body",
	[
		BODY,
		b"\xef\xbb\xbf" + BODY,  # a UTF-8 byte-order mark, which json.loads skips
		json.dumps({**json.loads(BODY), "note": "caf\u00e9 \U0001f600"}, ensure_ascii=False).encode(),
	],
)
def test_the_payload_is_kept_as_sent_and_reads_back_to_what_was_parsed(body):
	event = SOURCE.parse(body, headers(body))
	assert event.payload_json is not None
	assert json.loads(event.payload_json) == event.payload
	assert event.payload_json.encode() in body


def test_a_body_that_is_not_utf8_leaves_the_payload_to_be_dumped_again():
	body = json.dumps(json.loads(BODY)).encode("utf-16")  # json.loads reads it; it is not UTF-8 text
	event = SOURCE.parse(body, headers(body))
	assert event.payload["id"] == 820982911946154508
	assert event.payload_json is None


@pytest.mark.parametrize("body", [b'{"id": 1,', b"[1, 2]", b"not json"])
def test_malformed_payload_is_a_value_error(body):
	with pytest.raises(ValueError):
		SOURCE.parse(body, headers(body))


def test_missing_topic_is_a_value_error():
	with pytest.raises(ValueError):
		SOURCE.parse(b"{}", {"x-shopify-webhook-id": "x"})


def test_webhooks_the_fake_shop_sends_verify_and_a_tampered_one_does_not():
	from erp_connectors.testing.fake_shopify_admin import FakeShopifyAdmin

	fake = FakeShopifyAdmin()  # not started: only its webhook signing is used here
	refund = json.loads((DATA / "shopify_webhook_refunds_create_2026-04_docs_sample.json").read_text())
	body, headers = fake.webhook("refunds/create", refund, "shpss_app_secret")
	lower = {key.lower(): value for key, value in headers.items()}
	source = ShopifyWebhookSource()
	assert source.account_name(lower, {}) == fake.shop_domain
	source.verify(body, lower, {}, ["shpss_app_secret"])
	event = source.parse(body, lower)
	assert (event.topic, event.payload["id"]) == ("refunds/create", 890088186047892319)
	with pytest.raises(SignatureError):
		source.verify(body.replace(b"damaged", b"pristine"), lower, {}, ["shpss_app_secret"])
