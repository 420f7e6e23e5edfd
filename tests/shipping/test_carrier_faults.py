"""Every provider under network faults: timeouts, resets, 429 and 5xx are typed, transient and retried."""

import pytest

from erp_connectors.connectors.errors import RateLimitedError, TransientError
from erp_connectors.shipping_connector.carriers import build_carrier
from erp_connectors.testing.fake_carriers import FakeDhl, FakeEasyPost, FakeSendcloud, FakeShippo
from tests.shipping.conftest import (
	de_shipment,
	dhl_settings,
	easypost_settings,
	fast,
	nl_shipment,
	sendcloud_settings,
	shippo_settings,
	us_shipment,
)


def easypost_call(client):
	return client.rates(us_shipment())


def shippo_call(client):
	return client.rates(us_shipment())


def sendcloud_call(client):
	return client.rates(nl_shipment())


def dhl_call(client):
	return client.buy_label(de_shipment(), client.rates(de_shipment())[0], "label:SHIP-00002")


PROVIDERS = {
	"easypost": (FakeEasyPost, easypost_settings, easypost_call, "/v2/shipments"),
	"shippo": (FakeShippo, shippo_settings, shippo_call, "/shipments/"),
	"sendcloud": (FakeSendcloud, sendcloud_settings, sendcloud_call, "/api/v3/shipping-options"),
	"dhl": (FakeDhl, dhl_settings, dhl_call, "/parcel/de/shipping/v2/orders"),
}


@pytest.fixture(params=list(PROVIDERS))
def provider(request):
	fake_class, settings, call, path = PROVIDERS[request.param]
	with fake_class() as fake:
		yield fake, settings, call, path


def client_for(provider, sleeps=None, **options):
	fake, settings, call, path = provider
	return build_carrier("Account", settings(fake), **fast(sleeps, **options))


def test_a_timeout_is_retried_and_then_succeeds(provider):
	fake, _, call, path = provider
	fake.inject("delay", delay=0.6, path=path)
	result = call(client_for(provider, timeout=(1.0, 0.2), max_retries=1))
	assert result
	assert [r.path for r in fake.requests].count(path) == 2


def test_a_timeout_that_persists_is_a_typed_transient_error(provider):
	fake, _, call, path = provider
	fake.inject("delay", delay=0.6, path=path, times=3)
	with pytest.raises(TransientError, match="Timed out"):
		call(client_for(provider, timeout=(1.0, 0.2), max_retries=1))


def test_a_connection_reset_is_retried(provider):
	fake, _, call, path = provider
	fake.inject("reset", path=path)
	assert call(client_for(provider))
	assert [r.path for r in fake.requests].count(path) == 2


def test_429_waits_for_retry_after_then_succeeds(provider):
	fake, _, call, path = provider
	sleeps = []
	fake.inject("status", status=429, retry_after=2, path=path)
	assert call(client_for(provider, sleeps))
	assert sleeps == [2.0]


def test_429_beyond_the_inline_limit_surfaces_rate_limited_with_the_providers_message(provider):
	fake, _, call, path = provider
	fake.inject("status", status=429, retry_after=120, path=path)
	with pytest.raises(RateLimitedError) as info:
		call(client_for(provider))
	assert info.value.retry_after == 120
	assert info.value.remote_message == "Injected 429"  # read from the provider's own error shape


def test_5xx_is_transient_after_the_inline_retries(provider):
	fake, _, call, path = provider
	fake.inject("status", status=503, path=path, times=5)
	with pytest.raises(TransientError) as info:
		call(client_for(provider, max_retries=2))
	assert (info.value.status, info.value.remote_message) == (503, "Injected 503")
	assert [r.path for r in fake.requests].count(path) == 3
