"""How the app gets a Shopify Admin API access token, through Shopify's own Python libraries. Pure: no
frappe. The Frappe half (auth_sync) keeps the tokens and decides when to call these.

Three ways to connect (Shopify Store *Connection*):
- Dev Dashboard app in the store's own organization: the client credentials grant, a token that
  lives 24 hours and is fetched again before it lapses (`shopifyapp`: exchange_using_client_credentials).
- Connect to Shopify: the authorization code grant for a store of another organization. The authorize
  URL and the callback's query HMAC are ShopifyAPI's (Session.create_permission_url, validate_params);
  the code is exchanged for an expiring offline token (60 minutes, with a 90-day refresh token that
  Shopify rotates on every use), refreshed with `shopifyapp`'s refresh_access_token.
- Legacy: an Admin API access token made in the Shopify admin before 2026; nothing to renew.

What the libraries cannot do right, and how it is handled here:
- `shopifyapp` builds the token URL from the shop's name (https://{shop}.myshopify.com) and opens its
  own httpx client with a 30 s timeout and no host policy. We hand it an httpx client whose transport
  checks the site's host policy on every request, keeps our (connect, read) timeouts, logs the call
  redacted, and, for a sandbox or fake, sends it to the store's base URL instead.
- `shopifyapp` answers a 429 or a 5xx from the token endpoint as a generic failure (no Retry-After,
  client credentials not retried at all); the transport records the status, so those become our
  RateLimitedError / TransientError and the job-level retry takes over.
- `shopifyapp` has no authorization code grant. ShopifyAPI has one (Session.request_token), but it
  calls urlopen with no timeout and asks for a non-expiring token, which Shopify refuses for public
  apps created after 2026-04-01; so the code is exchanged here with `expiring=1` through our HttpClient.
- ShopifyAPI keeps the app's key and secret on the Session class (module-global state shared by every
  store in the process); each store gets a subclass of its own, so no store sees another's secret.
- ShopifyAPI's `validate_params` raises ValueError for a non-numeric timestamp and accepts any shop
  name (it rewrites any host into <label>.myshopify.com); both are checked here before it runs.
"""

import hmac
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit, urlunsplit

import httpx
import shopify
import shopify_app

from erp_connectors.connectors.errors import (
	AuthError,
	NeedsAttention,
	PermanentError,
	RateLimitedError,
	TransientError,
)
from erp_connectors.connectors.http import DEFAULT_TIMEOUT, CallRecord, HttpClient, parse_retry_after
from erp_connectors.connectors.redaction import Secret, redact, redact_url, secret
from erp_connectors.shopify_connector.api_versions import PINNED

CLIENT_CREDENTIALS = "Dev Dashboard app (client credentials)"
AUTHORIZATION_CODE = "Connect to Shopify (authorization code)"
LEGACY_TOKEN = "Admin API access token (legacy)"
METHODS = (CLIENT_CREDENTIALS, AUTHORIZATION_CODE, LEGACY_TOKEN)

# Shopify's own check of a callback's shop parameter (shopify.dev, authorization code grant).
SHOP_DOMAIN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9\-]*\.myshopify\.com$")
# A token this close to its expiry is renewed before use: a call never starts with a dying token.
RENEW_BEFORE = timedelta(minutes=5)
# Shopify signs the callback's timestamp; ShopifyAPI allows a day, we allow the time an admin needs.
CALLBACK_MAX_AGE = timedelta(hours=1)


class ReconnectRequired(NeedsAttention):
	"""The refresh token lapsed or Shopify refused it: someone must press Connect to Shopify again.
	`refused` is True when Shopify itself answered that the grant is no longer valid."""

	def __init__(self, message: str, *, refused: bool = False, **kwargs):
		super().__init__(message, **kwargs)
		self.refused = refused


class CredentialsRefused(AuthError):
	"""Shopify refused the app's client id and secret (wrong, rotated, or the app was uninstalled)."""


class CallbackRefused(PermanentError):
	"""An OAuth callback that did not come from Shopify for the connect this user started."""


@dataclass(frozen=True)
class TokenPair:
	"""An access token and what renews it. Times are aware UTC; None means never."""

	access_token: Secret
	expires_at: datetime | None = None
	refresh_token: Secret | None = None
	refresh_expires_at: datetime | None = None
	scope: str = ""

	def needs_renewal(self, now: datetime) -> bool:
		return not self.access_token or (
			self.expires_at is not None and self.expires_at - now <= RENEW_BEFORE
		)

	def refresh_lapsed(self, now: datetime) -> bool:
		return self.refresh_expires_at is not None and self.refresh_expires_at <= now


def utcnow() -> datetime:
	return datetime.now(timezone.utc)


def shop_name(shop_domain: str) -> str:
	"""acme.myshopify.com -> acme, as shopifyapp names a shop."""
	return shop_domain.removesuffix(".myshopify.com")


class _GuardedTransport(httpx.BaseTransport):
	"""What shopifyapp's httpx requests go through: the host policy, our timeouts (on the client),
	a redacted call log, and the store's base URL when one is set (a sandbox or a fake)."""

	def __init__(self, auth: "ShopifyAuth"):
		self.auth = auth
		self.inner = httpx.HTTPTransport()
		self.last_status: int | None = None
		self.last_retry_after: float | None = None

	def handle_request(self, request: httpx.Request) -> httpx.Response:
		url = self.auth.rebased(str(request.url))
		request.url = httpx.URL(url)
		request.headers["host"] = request.url.netloc.decode()
		if self.auth.policy is not None:
			self.auth.policy.check(url)  # OutboundRefused is ours: shopifyapp catches only httpx errors
		started = time.perf_counter()
		response = None
		try:
			response = self.inner.handle_request(request)
			response.read()
			self.last_status = response.status_code
			self.last_retry_after = parse_retry_after(response.headers.get("retry-after"))
			return response
		finally:
			self.auth.log(request.method, url, request.content, response, started)

	def close(self):
		self.inner.close()


class ShopifyAuth:
	"""One store's app credentials, and the grants that turn them into access tokens."""

	def __init__(
		self,
		shop_domain: str,
		client_id: str,
		client_secret: str,
		*,
		base_url: str | None = None,
		policy=None,
		timeout: tuple[float, float] = DEFAULT_TIMEOUT,
		log_call=None,
	):
		self.shop_domain = shop_domain
		self.client_id = client_id or ""
		self.client_secret = secret(client_secret or "")
		self.base_url = (base_url or "").rstrip("/") or None
		self.policy = policy
		self.timeout = timeout
		self.log_call = log_call
		self.secrets: tuple[str, ...] = tuple(s for s in (self.client_secret,) if s)

	# the libraries' settings
	@property
	def app_config(self) -> dict:
		return {"client_id": self.client_id, "client_secret": self.client_secret, "old_client_secret": None}

	def _session_class(self):
		"""ShopifyAPI's Session with this app's key and secret on a class of its own (see above)."""
		return type(
			"StoreSession", (shopify.Session,), {"api_key": self.client_id, "secret": self.client_secret}
		)

	def rebased(self, url: str) -> str:
		"""`url` (on https://<shop>.myshopify.com) moved onto the store's base URL, when it has one."""
		if not self.base_url:
			return url
		base, parts = urlsplit(self.base_url), urlsplit(url)
		return urlunsplit((base.scheme, base.netloc, base.path + parts.path, parts.query, parts.fragment))

	def _client(self) -> tuple[httpx.Client, _GuardedTransport]:
		transport = _GuardedTransport(self)
		connect, read = self.timeout
		timeout = httpx.Timeout(read, connect=connect)
		return httpx.Client(transport=transport, timeout=timeout, follow_redirects=False), transport

	# client credentials (Dev Dashboard app, same organization)
	def client_credentials(self) -> TokenPair:
		self._require_app()
		client, transport = self._client()
		with client:
			result = shopify_app.exchange_using_client_credentials(
				shop=shop_name(self.shop_domain), app_config=self.app_config, http_client=client
			)
		if not result.ok:
			raise self._failure(result.log, transport, "client credentials grant")
		token = result.access_token
		return TokenPair(secret(token.token), _parse(token.expires), scope=token.scope or "")

	# authorization code (Connect to Shopify)
	def authorize_url(self, scopes: list[str], redirect_uri: str, state: str) -> str:
		"""Shopify's authorize page for this store, asking for `scopes`; offline access (no grant_options)."""
		self._require_app()
		session = self._session_class()(self.shop_domain, PINNED)  # the version plays no part here
		return self.rebased(session.create_permission_url(scopes, redirect_uri, state))

	def verify_callback(self, params: dict, expected_state: str | None, now: float | None = None) -> None:
		"""Raise CallbackRefused unless `params` is Shopify's redirect back for the connect that issued
		`expected_state`: a *.myshopify.com shop that is this store, a fresh signed timestamp, the query
		HMAC (ShopifyAPI, constant time) and the state (constant time)."""
		self._require_app()
		shop = str(params.get("shop") or "")
		if not SHOP_DOMAIN.match(shop):
			raise CallbackRefused(f"{shop!r} is not a Shopify store (*.myshopify.com)")
		if shop.lower() != self.shop_domain:
			raise CallbackRefused(f"The callback is for {shop}, not {self.shop_domain}")
		timestamp = str(params.get("timestamp") or "")
		if not timestamp.isdigit():
			raise CallbackRefused("The callback has no valid timestamp")
		if not self._session_class().validate_params(params):
			raise CallbackRefused("The callback's HMAC does not match: it did not come from Shopify")
		if abs((now or time.time()) - int(timestamp)) > CALLBACK_MAX_AGE.total_seconds():
			raise CallbackRefused("The callback is too old; press Connect to Shopify again")
		given = str(params.get("state") or "")
		if not expected_state or not hmac.compare_digest(given.encode(), expected_state.encode()):
			raise CallbackRefused("The callback's state is not the one this connect was started with")

	def exchange_code(self, code: str) -> TokenPair:
		"""The callback's code for an expiring offline token (expiring=1)."""
		self._require_app()
		endpoint = _TokenEndpoint(self)
		body = endpoint.request(
			"POST",
			"admin/oauth/access_token",
			json={
				"client_id": self.client_id,
				"client_secret": self.client_secret,
				"code": code,
				"expiring": 1,
			},
		).json()
		return _pair_from_response(body)

	def refresh(self, pair: TokenPair) -> TokenPair:
		"""A new pair for `pair`'s refresh token; Shopify rotates the refresh token on every use."""
		self._require_app()
		if not pair.refresh_token:
			raise ReconnectRequired("This store has no refresh token. Press Connect to Shopify.")
		client, transport = self._client()
		current = {
			"access_mode": "offline",
			"shop": shop_name(self.shop_domain),
			"refresh_token": pair.refresh_token,
			# Empty: refresh now. shopifyapp skips a refresh while the token looks valid to its own clock,
			# which is not what a 401 or our renewal margin needs.
			"expires": "",
			"refresh_token_expires": _iso(pair.refresh_expires_at),
		}
		with client:
			result = shopify_app.refresh_access_token(current, self.app_config, client)
		if not result.ok:
			raise self._failure(result.log, transport, "token refresh")
		token = result.access_token
		return TokenPair(
			secret(token.token),
			_parse(token.expires),
			secret(token.refresh_token) or None,
			_parse(token.refresh_token_expires),
			token.scope or "",
		)

	# what went wrong, in our error classes
	def _failure(self, log, transport: _GuardedTransport, step: str) -> Exception:
		code, status = log.code, transport.last_status
		if status == 429:
			return RateLimitedError(f"Shopify throttled the {step}", retry_after=transport.last_retry_after)
		if code in ("network_error", "server_error") or (status or 0) >= 500:
			return TransientError(f"Shopify's {step} failed ({code}, HTTP {status})", status=status)
		if code in ("refresh_token_expired", "invalid_grant"):
			return ReconnectRequired(
				"Shopify no longer accepts this store's refresh token. Press Connect to Shopify to connect "
				"it again.",
				refused=code == "invalid_grant",
			)
		if code == "invalid_client":
			return CredentialsRefused(
				"Shopify refused the client ID and secret: check them in the Dev Dashboard, and that the "
				"app is installed on the store.",
				status=status,
			)
		return PermanentError(f"Shopify's {step} failed: {log.detail}", status=status)

	def _require_app(self):
		if not self.client_id or not self.client_secret:
			raise NeedsAttention("Enter the app's Client ID and Client Secret (Dev Dashboard, Settings).")

	def log(self, method: str, url: str, body: bytes | None, response, started: float):
		if self.log_call is None:
			return
		try:
			request = _json(body)
			answer = _json(response.content) if response is not None else None
			secrets = self.secrets + _token_values(answer)
			record = CallRecord(
				service="shopify-oauth",
				method=method,
				url=redact_url(url, secrets),
				status=response.status_code if response is not None else None,
				duration_ms=round((time.perf_counter() - started) * 1000, 2),
				request=redact(request, secrets),
				response=redact(answer, secrets),
				error=None if response is not None else "no response",
			)
			self.log_call(record)
		except Exception:
			pass  # a broken log sink never fails a token request


class _TokenEndpoint(HttpClient):
	"""The token endpoint for the authorization code grant, through the shared HTTP path."""

	service = "shopify-oauth"

	def __init__(self, auth: ShopifyAuth):
		super().__init__(
			auth.rebased(f"https://{auth.shop_domain}"),
			timeout=auth.timeout,
			log_call=auth.log_call,
			secrets=auth.secrets,
			policy=auth.policy,
			max_retries=1,
		)

	def raise_for_status(self, response):
		if response.status_code in (400, 401):
			error = _json(response.content) or {}
			code = error.get("error") if isinstance(error, dict) else None
			detail = (error.get("error_description") if isinstance(error, dict) else None) or code
			if code == "invalid_client":
				raise CredentialsRefused(f"Shopify refused the client ID and secret: {detail}")
			raise CallbackRefused(
				f"Shopify did not accept the authorization code: {detail or response.status_code}"
			)
		super().raise_for_status(response)


def _pair_from_response(body: dict) -> TokenPair:
	now = utcnow()
	expires_in, refresh_in = body.get("expires_in"), body.get("refresh_token_expires_in")
	if not body.get("access_token"):
		raise PermanentError("Shopify's token endpoint answered without an access token")
	return TokenPair(
		secret(body["access_token"]),
		now + timedelta(seconds=int(expires_in)) if expires_in is not None else None,
		secret(body.get("refresh_token")) or None,
		now + timedelta(seconds=int(refresh_in)) if refresh_in is not None else None,
		body.get("scope") or "",
	)


def _parse(value: str | None) -> datetime | None:
	if not value:
		return None
	return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)


def _iso(value: datetime | None) -> str:
	return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if value else ""


def _json(raw):
	import json

	if not raw:
		return None
	try:
		return json.loads(raw)
	except (ValueError, UnicodeDecodeError):
		return "<not JSON>"


def _token_values(answer) -> tuple[str, ...]:
	if not isinstance(answer, dict):
		return ()
	return tuple(str(answer[key]) for key in ("access_token", "refresh_token") if answer.get(key))
