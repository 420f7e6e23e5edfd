import random

import pytest

from erp_connectors.connectors.errors import (
	AuthError,
	NeedsAttention,
	PermanentError,
	RateLimitedError,
	TransientError,
)
from erp_connectors.connectors.retry import RetryPolicy, decide

POLICY = RetryPolicy(base_seconds=10, max_seconds=300, max_attempts=5)


def test_delay_doubles_within_full_jitter_window():
	rng = random.Random(7)
	for attempt, ceiling in [(1, 10), (2, 20), (3, 40), (4, 80), (5, 160), (6, 300), (9, 300)]:
		delays = [POLICY.delay(attempt, rng=rng) for _ in range(200)]
		assert min(delays) >= ceiling / 2
		assert max(delays) <= ceiling
		# jitter really spreads the herd: not all the same value
		assert max(delays) - min(delays) > ceiling / 10


def test_retry_after_is_a_floor_never_shortened():
	rng = random.Random(1)
	assert POLICY.delay(1, retry_after=120, rng=rng) == 120
	# a Retry-After shorter than the backoff does not shorten it
	assert POLICY.delay(5, retry_after=1, rng=rng) >= 80


def test_attempt_counts_from_one():
	with pytest.raises(ValueError):
		POLICY.delay(0)


def test_transient_retries_until_exhausted_then_dead():
	error = TransientError("HTTP 503 from Shopify")
	outcomes = [decide(error, attempt, POLICY, random.Random(3)) for attempt in range(1, 6)]
	assert [o.state for o in outcomes] == ["retry", "retry", "retry", "retry", "dead"]
	assert outcomes[-1].message == "Gave up after 5 attempts: HTTP 503 from Shopify"
	assert outcomes[0].delay is not None and outcomes[-1].delay is None


def test_rate_limited_honours_retry_after():
	outcome = decide(RateLimitedError("Throttled", retry_after=42), 1, POLICY, random.Random(0))
	assert outcome.state == "retry"
	assert outcome.delay == 42


def test_permanent_and_auth_errors_go_straight_to_dead_with_remote_message():
	for error in (
		PermanentError("x", remote_message="Invalid postal code"),
		AuthError("[API] Invalid API key"),
	):
		outcome = decide(error, 1, POLICY)
		assert outcome.state == "dead"
		assert outcome.message in ("Invalid postal code", "[API] Invalid API key")


def test_needs_attention_is_held_not_retried():
	outcome = decide(NeedsAttention("No Item for SKU 'ABC-1'. Link it in Shopify Store > Items."), 1, POLICY)
	assert outcome.state == "held"
	assert "ABC-1" in outcome.message


def test_unexpected_exception_is_retried_as_transient():
	outcome = decide(KeyError("boom"), 1, POLICY, random.Random(0))
	assert outcome.state == "retry"
	assert outcome.message == "KeyError: 'boom'"
