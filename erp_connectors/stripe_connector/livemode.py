"""Test-mode and live-mode events must never cross: a test payment is not money."""

from collections.abc import Mapping

from erp_connectors.connectors.errors import NeedsAttention, SignatureError


class LivemodeMismatch(SignatureError):
	"""An authentic event from the other mode (test vs live) than the account is set to."""


def expected_livemode(mode: str | None) -> bool | None:
	"""The Stripe Account's mode ("Test"/"Live") as Stripe's `livemode` flag; None when unknown."""
	if mode in (None, ""):
		return None
	if mode not in ("Live", "Test"):
		raise NeedsAttention(
			f"Stripe Account mode {mode!r} must be Test or Live; fix it on the Stripe Account"
		)
	return mode == "Live"


def check_livemode(event: Mapping, mode: str | None) -> None:
	"""Raise LivemodeMismatch when the event's livemode differs from the account's mode."""
	expected = expected_livemode(mode)
	if expected is None:
		return
	if bool(event.get("livemode")) != expected:
		sent = "live" if event.get("livemode") else "test"
		raise LivemodeMismatch(
			f"event {event.get('id')} is a {sent}-mode event but this Stripe Account is in {mode} mode"
		)
