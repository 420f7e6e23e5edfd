"""The shared HTTP client against a fake that injects real network faults."""

import time

import pytest

from erp_connectors.connectors.errors import AuthError, PermanentError, RateLimitedError, TransientError
from erp_connectors.connectors.http import HttpClient, parse_retry_after
from erp_connectors.testing.fake_server import FakeService, Response, route

TOKEN = "tok_live_9f8e7d6c5b4a"


class EchoService(FakeService):
	def authenticate(self, request):
		if request.header("authorization") != f"Bearer {TOKEN}":
			return self.error_response(401, "Invalid API key provided")
		return None

	def error_response(self, status, message):
		return Response(status, {"error": {"message": message}})

	@route("GET", r"/v1/things/(?P<thing_id>\w+)")
	def get_thing(self, request):
		return Response(200, {"id": request.params["thing_id"]})

	@route("POST", r"/v1/things")
	def create_thing(self, request):
		if not request.json().get("name"):
			return self.error_response(400, "Missing required param: name.")
		return Response(201, {"id": "t_1", "name": request.json()["name"]})


class EchoClient(HttpClient):
	service = "echo"

	def error_message(self, response):
		return response.json()["error"]["message"]


@pytest.fixture
def fake():
	with EchoService() as service:
		yield service


def client(fake, token=TOKEN, **kwargs):
	sleeps = []
	kwargs.setdefault("sleep", sleeps.append)
	c = EchoClient(fake.url, session=None, secrets=(token,), **kwargs)
	c.session.headers["Authorization"] = f"Bearer {token}"
	c.sleeps = sleeps
	return c


def test_success_and_remote_validation_message_verbatim(fake):
	c = client(fake)
	assert c.request("GET", "/v1/things/abc").json() == {"id": "abc"}
	with pytest.raises(PermanentError) as info:
		c.request("POST", "/v1/things", json={})
	assert info.value.remote_message == "Missing required param: name."
	assert info.value.status == 400


def test_bad_credentials_are_an_auth_error_and_not_retried(fake):
	c = client(fake, token="wrong")
	with pytest.raises(AuthError) as info:
		c.request("GET", "/v1/things/abc")
	assert info.value.remote_message == "Invalid API key provided"
	assert len(fake.requests) == 1


def test_429_retry_after_is_honoured_then_succeeds(fake):
	fake.inject("status", status=429, retry_after=3)
	c = client(fake)
	assert c.request("GET", "/v1/things/abc").status_code == 200
	assert c.sleeps == [3.0]
	assert len(fake.requests) == 2


def test_429_longer_than_inline_limit_surfaces_for_job_level_retry(fake):
	fake.inject("status", status=429, retry_after=120)
	with pytest.raises(RateLimitedError) as info:
		client(fake).request("GET", "/v1/things/abc")
	assert info.value.retry_after == 120


def test_5xx_retried_with_backoff_then_gives_up_as_transient(fake):
	fake.inject("status", status=503, times=5)
	c = client(fake, max_retries=2)
	with pytest.raises(TransientError) as info:
		c.request("GET", "/v1/things/abc")
	assert info.value.status == 503
	assert c.sleeps == [0.25, 0.5]
	assert len(fake.requests) == 3


def test_slow_response_past_timeout_is_transient(fake):
	fake.inject("delay", delay=1.0)
	c = client(fake, timeout=(1.0, 0.2), max_retries=0)
	started = time.perf_counter()
	with pytest.raises(TransientError, match="Timed out"):
		c.request("GET", "/v1/things/abc")
	assert time.perf_counter() - started < 0.9


def test_connection_reset_is_transient_and_retried(fake):
	fake.inject("reset", path="/v1/things/abc")
	c = client(fake)
	assert c.request("GET", "/v1/things/abc").json() == {"id": "abc"}
	assert len(fake.requests) == 2


def test_every_call_is_logged_redacted(fake):
	records = []
	c = client(fake, log_call=records.append)
	c.request("POST", "/v1/things", json={"name": "x", "email": "ann@example.com", "api_key": TOKEN})
	fake.inject("status", status=500)
	with pytest.raises(TransientError):
		client(fake, log_call=records.append, max_retries=0).request("GET", f"/v1/things/x?token={TOKEN}")
	assert [r.status for r in records] == [201, 500]
	text = repr(records)
	assert TOKEN not in text
	assert "ann@example.com" not in text
	assert records[0].request["email"] == "a***@example.com"


def test_budget_is_charged_per_call(fake):
	class CountingBudget:
		spent = 0

		def acquire(self, cost):
			self.spent += cost

	budget = CountingBudget()
	c = client(fake, budget=budget)
	c.request("GET", "/v1/things/a", cost=3)
	c.request("GET", "/v1/things/b", cost=2)
	assert budget.spent == 5


def test_parse_retry_after_forms():
	assert parse_retry_after("7") == 7.0
	assert parse_retry_after(None) is None
	assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
	assert parse_retry_after("soon") is None
