import base64
import hashlib
import hmac
import json

from erp_connectors.connectors.redaction import REDACTED, redact, redact_url
from erp_connectors.connectors.signatures import hmac_sha256, verify_hmac

BODY = b'{"id": 820982911946154508, "email": "jon@example.com"}'


def test_hmac_matches_the_standard_library_in_both_encodings():
	raw = hmac.new(b"s3cret", BODY, hashlib.sha256).digest()
	assert hmac_sha256("s3cret", BODY, "base64") == base64.b64encode(raw).decode()
	assert hmac_sha256("s3cret", BODY, "hex") == raw.hex()


def test_verify_accepts_rotated_secrets_and_rejects_tampering():
	signature = hmac_sha256("old", BODY, "base64")
	assert verify_hmac(BODY, signature, ["new", "old"], "base64")
	assert not verify_hmac(BODY + b" ", signature, ["new", "old"], "base64")
	assert not verify_hmac(BODY, signature, ["new"], "base64")
	assert not verify_hmac(BODY, None, ["old"], "base64")
	assert not verify_hmac(BODY, signature, ["", None], "base64")


def test_sendcloud_documented_vector():
	# sendcloud.dev: body '{"key": "value"}' signed with 'secretkey'
	digest = hmac_sha256("secretkey", b'{"key": "value"}', "hex")
	assert digest.startswith("1eed4b3d") and digest.endswith("4b0a")


def test_redact_removes_secrets_masks_pii_and_keeps_business_data():
	data = {
		"headers": {"X-Shopify-Access-Token": "shpat_abc123", "Content-Type": "application/json"},
		"customer": {"email": "jon@example.com", "first_name": "Jonathan", "phone": "+15551234567"},
		"line_items": [{"sku": "IPOD2008GREEN", "price": "199.00"}],
		"note": "call shpat_abc123 if needed",
		"client_secret": "pi_123_secret_456",
	}
	out = redact(data, secrets=("shpat_abc123",))
	text = json.dumps(out)
	assert "shpat_abc123" not in text and "pi_123_secret_456" not in text
	assert "jon@example.com" not in text and "Jonathan" not in text and "+15551234567" not in text
	assert out["customer"]["email"] == "j***@example.com"
	assert out["headers"]["X-Shopify-Access-Token"] == REDACTED
	assert out["line_items"] == data["line_items"]
	assert data["customer"]["email"] == "jon@example.com"  # the input is not mutated


def test_redact_url_hides_query_tokens_and_userinfo():
	url = "https://key:pw@api.example.com/webhooks?token=abc&carrier=ups"
	assert redact_url(url) == "https://api.example.com/webhooks?token=***&carrier=ups"


def test_redact_masks_people_and_places_in_any_key_style_but_not_product_or_order_names():
	data = {
		"name": "#1001",
		"lineItems": [{"name": "Blue T-shirt", "sku": "TS-B"}],
		"shippingAddress": {
			"name": "Jonathan Doe",
			"company": "Doe Holdings",
			"firstName": "Jonathan",
			"address1": "1 Main St",
			"city": "Springfield",
			"zip": "12345",
			"countryCodeV2": "US",
		},
		"consignee": {"name1": "Jonathan Doe", "addressHouse": "12a", "postalCode": "53113", "city": "Bonn"},
		"to_address": {"name": "Ann Smith", "phone_number": "+4915112345678", "house_number": "7"},
	}
	out = redact(data)
	assert out["name"] == "#1001" and out["lineItems"][0]["name"] == "Blue T-shirt"
	dump = json.dumps(out)
	for personal in ("Jonathan", "Doe Holdings", "1 Main St", "Springfield", "12345", "12a", "53113", "Bonn"):
		assert personal not in dump
	for personal in ("Ann Smith", "+4915112345678"):
		assert personal not in dump
	assert out["shippingAddress"]["countryCodeV2"] == "US"


def test_redact_drops_card_details_and_label_files():
	charge = {
		"payment_method_details": {
			"card": {"last4": "4242", "exp_year": 2030, "fingerprint": "Xt5EWLLDS7FJjR1c"}
		},
		"label": {"b64": "JVBERi0xLjQK" * 100, "fileFormat": "PDF"},
	}
	out = redact(charge)
	dump = json.dumps(out)
	assert "4242" not in dump and "Xt5EWLLDS7FJjR1c" not in dump and "JVBERi0x" not in dump
	assert out["label"]["fileFormat"] == "PDF" and out["label"]["b64"].startswith("<removed")


def test_a_secret_is_its_value_in_use_and_asterisks_in_any_repr():
	from erp_connectors.connectors.redaction import Secret, secret

	key = secret("EZAK_live_0123456789")
	settings = {"provider": "EasyPost", "api_key": key, "nested": [key]}
	assert key == "EZAK_live_0123456789" and f"Bearer {key}" == "Bearer EZAK_live_0123456789"
	assert "EZAK_live" not in repr(settings) and "EZAK_live" not in str(settings)
	assert isinstance(key, Secret) and key.encode() == b"EZAK_live_0123456789"
	assert secret("") == "" and secret(None) is None
