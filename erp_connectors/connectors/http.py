"""The one HTTP path every client shares: timeouts, typed errors, budget, redacted logs.

Pure Python: no frappe. The Frappe side passes in a `log_call` sink and a
`RateBudget`; tests pass nothing, or their own.
"""

import email.utils
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

from erp_connectors.connectors.errors import AuthError, PermanentError, RateLimitedError, TransientError
from erp_connectors.connectors.outbound import GuardedAdapter, HostPolicy
from erp_connectors.connectors.redaction import redact, redact_url

DEFAULT_TIMEOUT = (5.0, 30.0)  # (connect, read) seconds
MAX_LOGGED_BODY = 20_000
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024  # a label or a bulk file; anything bigger is not what we asked for


@dataclass
class CallRecord:
	"""One outbound call, already redacted, ready for the call log."""

	service: str
	method: str
	url: str
	status: int | None
	duration_ms: float
	request: object = None
	response: object = None
	error: str | None = None
	extra: dict = field(default_factory=dict)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
	"""Retry-After is either delta-seconds or an HTTP date."""
	if not value:
		return None
	try:
		return max(0.0, float(value))
	except ValueError:
		pass
	try:
		when = email.utils.parsedate_to_datetime(value).timestamp()
	except (TypeError, ValueError):
		return None
	return max(0.0, when - (now if now is not None else time.time()))


class HttpClient:
	"""Subclasses set `service` and override `error_message` for the remote's error shape."""

	service = "http"

	def __init__(
		self,
		base_url: str,
		*,
		timeout: tuple[float, float] = DEFAULT_TIMEOUT,
		session: requests.Session | None = None,
		budget=None,
		log_call: Callable[[CallRecord], None] | None = None,
		secrets: tuple[str, ...] = (),
		max_retries: int = 2,
		sleep: Callable[[float], None] = time.sleep,
		max_inline_wait: float = 10.0,
		policy: HostPolicy | None = None,
	):
		self.base_url = base_url.rstrip("/")
		self.timeout = timeout
		self.policy = policy
		self.session = session or (policy.session() if policy else requests.Session())
		if policy and session is not None:
			adapter = GuardedAdapter(policy)
			self.session.mount("https://", adapter)
			self.session.mount("http://", adapter)
		self.budget = budget
		self.log_call = log_call
		self.secrets = tuple(s for s in secrets if s)
		self.max_retries = max_retries
		self.max_inline_wait = max_inline_wait
		self._sleep = sleep

	def error_message(self, response: requests.Response) -> str:
		try:
			body = response.json()
		except ValueError:
			return response.text[:500] or response.reason or f"HTTP {response.status_code}"
		return str(body)[:500]

	def request(self, method: str, path: str, *, cost: float = 1, **kwargs) -> requests.Response:
		"""Send with retries for transient failures; raise a typed error otherwise.

		Retries here are short and few (a blip, one 429). Longer outages surface
		as TransientError so the job-level retry with its longer backoff takes over.
		"""
		attempt = 0
		while True:
			try:
				return self._send_once(method, path, cost=cost, **kwargs)
			except TransientError as error:
				wait = getattr(error, "retry_after", None)
				if wait is None:
					wait = min(0.25 * 2**attempt, 2.0)
				if attempt >= self.max_retries or wait > self.max_inline_wait:
					raise
				attempt += 1
				self._sleep(wait)

	def _send_once(self, method: str, path: str, *, cost: float = 1, **kwargs) -> requests.Response:
		url = path if path.startswith("http") else f"{self.base_url}/{path.lstrip('/')}"
		if self.budget is not None:
			self.budget.acquire(cost)
		kwargs.setdefault("timeout", self.timeout)
		# An API answers where it was asked; following a redirect would carry our auth headers along.
		kwargs.setdefault("allow_redirects", False)
		started = time.perf_counter()
		response = None
		error_text = None
		try:
			response = self.session.request(method, url, **kwargs)
		except requests.Timeout as exc:
			error_text = f"Timed out calling {self.service}: {exc.__class__.__name__}"
			raise TransientError(error_text) from exc
		except requests.ConnectionError as exc:
			error_text = f"Could not reach {self.service}: {exc.__class__.__name__}"
			raise TransientError(error_text) from exc
		finally:
			self._log(method, url, kwargs, response, started, error_text)
		self.raise_for_status(response)
		return response

	def download(self, url: str, max_bytes: int = MAX_DOWNLOAD_BYTES) -> bytes:
		"""A file the remote links to, at most `max_bytes`; redirects are followed only where the
		session's policy allows (each hop is checked again)."""
		response = self.request("GET", url, stream=True, allow_redirects=True)
		with response:
			declared = int(response.headers.get("Content-Length") or 0)
			if declared > max_bytes:
				raise PermanentError(
					f"{self.service}: the file is {declared} bytes, over the {max_bytes} limit"
				)
			chunks, size = [], 0
			for chunk in response.iter_content(64 * 1024):
				size += len(chunk)
				if size > max_bytes:
					raise PermanentError(f"{self.service}: the file is over the {max_bytes} byte limit")
				chunks.append(chunk)
		return b"".join(chunks)

	def raise_for_status(self, response: requests.Response):
		status = response.status_code
		if 300 <= status < 400:
			target = redact_url(response.headers.get("Location") or "", self.secrets)
			raise PermanentError(
				f"{self.service} answered with a redirect to {target!r}; not followed", status=status
			)
		if status < 400:
			return
		message = self.error_message(response)
		if status == 429:
			retry_after = parse_retry_after(response.headers.get("Retry-After"))
			raise RateLimitedError(message, retry_after=retry_after, status=status)
		if status in (401, 403):
			raise AuthError(message, status=status)
		if status in (408, 409, 423, 425) or status >= 500:
			raise TransientError(message, status=status)
		raise PermanentError(message, status=status)

	def _log(self, method, url, kwargs, response, started, error_text):
		if self.log_call is None:
			return
		request_body = kwargs.get("json", kwargs.get("data"))
		response_body = None
		if response is not None and kwargs.get("stream"):
			response_body = f"<{response.headers.get('Content-Type') or 'file'} not logged>"
		elif response is not None:
			try:
				response_body = response.json()
			except ValueError:
				response_body = response.text[:MAX_LOGGED_BODY]
		record = CallRecord(
			service=self.service,
			method=method.upper(),
			url=redact_url(url, self.secrets),
			status=response.status_code if response is not None else None,
			duration_ms=round((time.perf_counter() - started) * 1000, 2),
			request=redact(request_body, self.secrets),
			response=redact(response_body, self.secrets),
			error=error_text,
		)
		try:
			self.log_call(record)
		except Exception:
			# A broken log sink must never turn a successful call into a failure.
			pass
