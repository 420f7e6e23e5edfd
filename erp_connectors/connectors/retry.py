"""Exponential backoff with full jitter, honouring Retry-After."""

import random
from dataclasses import dataclass

from erp_connectors.connectors.errors import ConnectorError, NeedsAttention, RateLimitedError


@dataclass(frozen=True)
class RetryPolicy:
	base_seconds: float = 30.0
	max_seconds: float = 6 * 3600.0
	max_attempts: int = 8

	def delay(
		self, attempt: int, retry_after: float | None = None, rng: random.Random | None = None
	) -> float:
		"""Seconds to wait before attempt number `attempt + 1` (attempt counts from 1).

		Full jitter spreads retries of many failed events over the window so they
		do not return as a thundering herd; Retry-After is a floor, never shortened.
		"""
		if attempt < 1:
			raise ValueError("attempt counts from 1")
		ceiling = min(self.max_seconds, self.base_seconds * (2 ** (attempt - 1)))
		jittered = (rng or random).uniform(ceiling / 2, ceiling)
		if retry_after is not None:
			return max(jittered, float(retry_after))
		return jittered

	def exhausted(self, attempt: int) -> bool:
		return attempt >= self.max_attempts


@dataclass(frozen=True)
class Outcome:
	"""What to do with a failed attempt: retry after `delay` seconds, hold, or dead-letter."""

	state: str  # "retry" | "held" | "dead"
	delay: float | None
	message: str


def decide(
	error: BaseException, attempt: int, policy: RetryPolicy, rng: random.Random | None = None
) -> Outcome:
	"""Classify a failure of attempt number `attempt` (counting from 1)."""
	message = _describe(error)
	if isinstance(error, NeedsAttention):
		return Outcome("held", None, message)
	retryable = getattr(error, "retryable", False) or not isinstance(error, ConnectorError)
	if not retryable:
		return Outcome("dead", None, message)
	if policy.exhausted(attempt):
		return Outcome("dead", None, f"Gave up after {attempt} attempts: {message}")
	retry_after = error.retry_after if isinstance(error, RateLimitedError) else None
	return Outcome("retry", policy.delay(attempt, retry_after, rng), message)


def _describe(error: BaseException) -> str:
	if isinstance(error, ConnectorError):
		return error.remote_message
	return f"{type(error).__name__}: {error}"
