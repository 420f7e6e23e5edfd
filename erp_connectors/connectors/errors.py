"""Typed errors shared by every client and sync step.

The retry machinery only needs to know which class an error belongs to:
transient (retry with backoff), rate limited (retry after N seconds), auth
(a person must fix credentials) or permanent (retrying cannot help).
"""


class ConnectorError(Exception):
	"""Base class. `remote_message` is the remote service's own words, verbatim."""

	retryable = False

	def __init__(
		self, message: str, *, status: int | None = None, remote_message: str | None = None, details=None
	):
		super().__init__(message)
		self.status = status
		self.remote_message = remote_message or message
		self.details = details


class TransientError(ConnectorError):
	"""Network failure, timeout, 5xx: the same call may succeed later."""

	retryable = True


class RateLimitedError(TransientError):
	"""429 or a throttled response; wait at least `retry_after` seconds."""

	def __init__(self, message: str, *, retry_after: float | None = None, **kwargs):
		super().__init__(message, **kwargs)
		self.retry_after = retry_after


class AuthError(ConnectorError):
	"""401/403: credentials are wrong or revoked. Retrying will not help."""


class PermanentError(ConnectorError):
	"""The remote rejected the request (4xx validation and the like)."""


class NeedsAttention(ConnectorError):
	"""Our own data is incomplete (unknown SKU, missing tax mapping, amount mismatch).

	The event is held with this message until a user fixes the cause and retries. `remedies` name
	the fixes Desk can offer on the event's form (connectors.remedies.Remedy, one per thing to fix);
	`reason` is a short label the held events are counted by (else one is made from the message).
	"""

	def __init__(self, message: str, *, remedies=(), reason: str | None = None, **kwargs):
		super().__init__(message, **kwargs)
		self.remedies = list(remedies)
		self.reason = reason


class SignatureError(Exception):
	"""An inbound webhook failed verification."""


class AlreadyDone(Exception):
	"""A racing worker finished the same work first; ours is rolled back as a no-op.

	`reference` is the (doctype, name) the winner bound to the remote object.
	"""

	def __init__(self, reference: tuple[str, str]):
		super().__init__(f"Already done as {reference[0]} {reference[1]}")
		self.reference = reference
