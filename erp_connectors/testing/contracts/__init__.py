"""Providers' published contracts, as the fakes enforce them.

A `Contract` checks each request a fake receives and each response it serves
against what the provider publishes (a GraphQL schema, an OpenAPI document,
the official SDK's models, recorded real traffic). It never encodes our own
reading of the API: when our client and the contract disagree, the contract
wins and the test fails.

The module keeps a tally of what was checked per provider, and every response
violation seen in this process, so a test runner can fail the test that caused
one and print the tally at the end.
"""

import threading
from collections import Counter


class ContractViolation(AssertionError):
	"""A fake served something the real provider could not have sent."""


class Contract:
	"""One provider's contract. Subclasses implement the two checks and the refusal."""

	provider = "unknown"

	def check_request(self, request) -> list[str]:
		"""Problems that would make the real service refuse `request`; empty when it is valid."""
		raise NotImplementedError

	def check_response(self, request, response) -> list[str]:
		"""Ways in which `response` differs from anything the real service can answer to `request`."""
		raise NotImplementedError

	def refusal(self, request, problems: list[str]):
		"""The real service's own answer to a request it refuses (status and error shape)."""
		raise NotImplementedError


_lock = threading.Lock()
_tally: Counter = Counter()
_violations: list[str] = []


def count(provider: str, what: str):
	with _lock:
		_tally[(provider, what)] += 1


def record_violation(message: str):
	with _lock:
		_violations.append(message)


def violations_since(mark: int) -> list[str]:
	with _lock:
		return list(_violations[mark:])


def violation_mark() -> int:
	with _lock:
		return len(_violations)


def tally() -> dict[str, dict[str, int]]:
	"""{provider: {"requests": n, "responses": n, "webhooks": n}} validated so far in this process."""
	with _lock:
		result: dict[str, dict[str, int]] = {}
		for (provider, what), number in sorted(_tally.items()):
			result.setdefault(provider, {"requests": 0, "responses": 0, "webhooks": 0})[what] = number
		return result
