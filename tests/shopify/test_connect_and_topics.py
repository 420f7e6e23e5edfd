"""Connecting through Shopify's libraries against the fake Shopify's OAuth endpoints, the topic/shape
check on webhooks, the scopes each flow needs, and the API version warning."""

import json
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from erp_connectors.shopify_connector import scopes
from erp_connectors.shopify_connector.api_versions import warning
from erp_connectors.shopify_connector.auth import (
	CallbackRefused,
	CredentialsRefused,
	ReconnectRequired,
	ShopifyAuth,
	utcnow,
)
from erp_connectors.shopify_connector.graphql_client import ShopifyGraphQL
from erp_connectors.shopify_connector.shop import shop_info
from erp_connectors.shopify_connector.webhook import ShopifyWebhookSource, shape_problem
from erp_connectors.testing.fake_shopify_admin import FakeShopifyAdmin

DATA = Path(__file__).parent.parent / "data"
SHOP = "acme.myshopify.com"
ORDER = json.loads((DATA / "shopify_webhook_orders_create_2026-04_docs_sample.json").read_text())


@pytest.fixture
def fake():
	with FakeShopifyAdmin(token=None, client_id="cid", client_secret="shpss_s") as shopify:
		yield shopify


def auth_for(fake, secret="shpss_s", calls=None):
	return ShopifyAuth(
		SHOP, "cid", secret, base_url=fake.url, log_call=(calls.append if calls is not None else None)
	)


def test_client_credentials_token_calls_the_api_and_the_log_holds_no_secret(fake):
	calls = []
	pair = auth_for(fake, calls=calls).client_credentials()
	assert pair.refresh_token is None
	assert timedelta(hours=23) < pair.expires_at - utcnow() <= timedelta(hours=24)
	assert shop_info(ShopifyGraphQL(SHOP, pair.access_token, base_url=fake.url))["myshopifyDomain"] == SHOP
	logged = json.dumps([vars(call) for call in calls], default=str)
	assert "shpss_s" not in logged and pair.access_token not in logged and calls[0].status == 200


def test_wrong_secret_is_credentials_refused(fake):
	with pytest.raises(CredentialsRefused):
		auth_for(fake, secret="wrong").client_credentials()


def approve(fake, auth, state="st-1"):
	url = auth.authorize_url(["read_orders"], "https://erp.example.com/cb", state)
	answer = requests.get(url + "&fake_approve=1", allow_redirects=False, timeout=5)
	return dict(parse_qsl(urlsplit(answer.headers["Location"]).query))


def test_authorization_code_gives_an_expiring_pair_and_refresh_rotates_it(fake):
	auth = auth_for(fake)
	params = approve(fake, auth)
	auth.verify_callback(params, "st-1")
	pair = auth.exchange_code(params["code"])
	assert timedelta(minutes=55) < pair.expires_at - utcnow() <= timedelta(hours=1)
	assert timedelta(days=89) < pair.refresh_expires_at - utcnow() <= timedelta(days=90)
	renewed = auth.refresh(pair)
	assert renewed.refresh_token != pair.refresh_token and renewed.access_token != pair.access_token
	assert not fake.token_valid(pair.access_token)  # a new expiring token revokes the old one
	with pytest.raises(ReconnectRequired) as used:
		auth.refresh(pair)  # the old refresh token was used up
	assert used.value.refused


@pytest.mark.parametrize(
	("change", "why"),
	[
		({"hmac": "0" * 64}, "HMAC"),
		({"state": "other"}, "state"),
		({"shop": "evil.example.com"}, "not a Shopify store"),
		({"shop": "other.myshopify.com"}, "not acme"),
	],
)
def test_a_callback_that_is_not_shopifys_for_this_connect_is_refused(fake, change, why):
	from erp_connectors.testing.fake_shopify_oauth import query_hmac

	auth = auth_for(fake)
	params = {**approve(fake, auth), **change}
	if "hmac" not in change:
		params["hmac"] = query_hmac(params, "shpss_s")  # correctly signed, still refused
	with pytest.raises(CallbackRefused, match=why.replace("not acme", "not acme.myshopify.com")):
		auth.verify_callback(params, "st-1")


def test_a_lapsed_refresh_token_asks_for_reconnect_without_calling_shopify(fake):
	auth = auth_for(fake)
	params = approve(fake, auth)
	pair = auth.exchange_code(params["code"])
	from dataclasses import replace

	with pytest.raises(ReconnectRequired):
		auth.refresh(replace(pair, refresh_expires_at=utcnow() - timedelta(seconds=1)))
	assert fake.grants["refresh_token"] == 0


def headers(topic, shop=SHOP):
	return {"x-shopify-topic": topic, "x-shopify-shop-domain": shop, "x-shopify-webhook-id": "w-1"}


def test_event_id_falls_back_to_the_webhook_id():
	assert (
		ShopifyWebhookSource().parse(json.dumps(ORDER).encode(), headers("orders/create")).event_id == "w-1"
	)


@pytest.mark.parametrize("topic", ["app/uninstalled", "refunds/create", "shop/redact", "customers/redact"])
def test_an_order_body_under_another_topic_is_refused(topic):
	with pytest.raises(ValueError, match="does not fit the signed body"):
		ShopifyWebhookSource().parse(json.dumps(ORDER).encode(), headers(topic))


def test_shapes_of_the_documented_payloads_fit_their_topics():
	shop = json.loads((DATA / "shopify_webhook_app_uninstalled_2026-04_docs_sample.json").read_text())
	refund = json.loads((DATA / "shopify_webhook_refunds_create_2026-04_docs_sample.json").read_text())
	privacy = json.loads((DATA / "shopify_webhook_privacy_2026-07_docs_samples.json").read_text())
	assert shape_problem("app/uninstalled", shop, SHOP) is None
	assert shape_problem("refunds/create", refund, SHOP) is None
	assert (
		shape_problem("orders/cancelled", ORDER, SHOP) is None
	)  # same shape: the handler checks cancelled_at
	for topic, payload in privacy.items():
		assert shape_problem(topic, {**payload, "shop_domain": SHOP}, SHOP) is None
		assert "not acme" in shape_problem(topic, payload, SHOP)  # the sample's {shop}.myshopify.com
	assert "Order" in shape_problem(
		"refunds/create", {**refund, "admin_graphql_api_id": "gid://shopify/Order/1"}, SHOP
	)


class Store:
	sync_orders, sync_stock, sync_prices, sync_fulfillments, sync_products = 1, 1, 0, 0, 0


def test_scopes_name_what_each_enabled_flow_lacks():
	checked = scopes.check(Store(), ["read_orders", "write_inventory"])
	assert checked.missing == {
		"Import Orders": ("read_customers",),
		"Push Stock to Shopify": ("read_locations", "read_products"),
	}
	assert "write_products" not in scopes.needed_scopes(Store())


def test_version_warning_60_days_before_and_after_support_ends():
	assert warning("2026-10", date(2027, 7, 1)) is None
	assert "in 60 days" in warning("2026-10", date(2027, 8, 2))
	assert "left Shopify's support" in warning("2025-07", date(2026, 12, 1))
	assert "no API version" in warning("2026-13", date(2026, 12, 1))
