"""Webhook signature helpers. Every comparison is constant-time."""

import base64
import hashlib
import hmac
from collections.abc import Iterable


def _bytes(value: str | bytes) -> bytes:
	return value if isinstance(value, bytes) else value.encode()


def hmac_sha256(secret: str | bytes, message: bytes, encoding: str = "hex") -> str:
	digest = hmac.new(_bytes(secret), message, hashlib.sha256).digest()
	if encoding == "base64":
		return base64.b64encode(digest).decode()
	if encoding == "hex":
		return digest.hex()
	raise ValueError(f"unknown encoding {encoding!r}")


def matches(expected: str, provided: str | None) -> bool:
	if not provided:
		return False
	return hmac.compare_digest(_bytes(expected), _bytes(provided.strip()))


def matches_any(candidates: Iterable[str | bytes], provided: str | None) -> bool:
	"""True if `provided` equals any candidate. Every candidate is compared even after a match, so
	timing reveals nothing about which one matched."""
	ok = False
	for candidate in candidates:
		if candidate and matches(candidate, provided):
			ok = True
	return ok


def verify_hmac(
	message: bytes, provided: str | None, secrets: Iterable[str | bytes], encoding: str = "hex"
) -> bool:
	"""True if `provided` is the HMAC of `message` under any of `secrets`.

	Several secrets are accepted because a rotated secret stays in use for a
	while (Shopify keeps signing with the old one for up to an hour). Every
	secret is tried even after a match, so timing reveals nothing about which.
	"""
	return matches_any((hmac_sha256(secret, message, encoding) for secret in secrets if secret), provided)
