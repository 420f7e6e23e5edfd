"""The fake Shopify's OAuth side (a mixin of FakeShopifyAdmin): the authorize page with an Install
button, and the token endpoint for the authorization code grant (plain or expiring), the client
credentials grant and the refresh of an expiring token. What each request and answer may be is
contracts/shopify_oauth.py.

State a test can drive: `app` (client id, secret, scopes), `clock` (seconds added to the real time, to
make tokens lapse), `uninstall()`, and the counters `grants` (how many tokens each grant issued).
"""

import hashlib
import hmac
import html
import secrets
import threading
import time
from collections import Counter
from urllib.parse import urlencode

from erp_connectors.testing.contracts.shopify_oauth import token_body
from erp_connectors.testing.fake_server import Response, route

ACCESS_SECONDS = 3599  # an expiring offline token: 60 minutes, as Shopify answers it
REFRESH_SECONDS = 90 * 24 * 3600 - 1
CLIENT_CREDENTIALS_SECONDS = 86399  # 24 hours


def query_hmac(params: dict, secret: str) -> str:
	"""Shopify's signature of a redirect: the other parameters sorted, k=v joined with &."""
	message = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in ("hmac", "signature"))
	return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


class ShopifyOAuth:
	def __init__(self, *args, client_id: str = "fake-client-id", client_secret: str = "shpss_fake", **kwargs):
		super().__init__(*args, **kwargs)
		self.client_id, self.client_secret = client_id, client_secret
		self.granted_scopes = "read_orders,read_customers,write_inventory,read_inventory,read_products"
		self.clock = 0.0
		self.installed = True
		self.codes: dict[str, dict] = {}  # code -> {scope, used}
		self.issued: dict[str, float] = {}  # access token -> expires at (fake time); inf for none
		self.refresh_tokens: dict[str, float] = {}  # live refresh token -> expires at
		self.grants: Counter = Counter()
		self.oauth_lock = threading.Lock()

	def now(self) -> float:
		return time.time() + self.clock

	def uninstall(self):
		"""As when the merchant removes the app: every token and grant stops working."""
		with self.oauth_lock:
			self.installed = False
			self.issued.clear()
			self.refresh_tokens.clear()

	def token_valid(self, token: str | None) -> bool:
		with self.oauth_lock:
			return bool(token) and self.issued.get(token, 0) > self.now()

	# the authorize page
	@route("GET", r"/admin/oauth/authorize")
	def authorize(self, request):
		query = request.query
		if query.get("client_id") != self.client_id:
			return Response(400, "<h1>Oauth error invalid_request: The client_id is invalid</h1>", _html())
		if query.get("fake_approve") != "1":
			approve = urlencode({**query, "fake_approve": "1"})
			scopes = html.escape(query.get("scope") or "")
			page = (
				f"<html><body><h1>Install app on {html.escape(self.shop_domain)}</h1>"
				f"<p>The app asks for: <code id='scopes'>{scopes}</code></p>"
				f"<a id='install' href='/admin/oauth/authorize?{html.escape(approve)}'>Install</a></body></html>"
			)
			return Response(200, page, _html())
		code = secrets.token_hex(16)
		with self.oauth_lock:
			self.codes[code] = {"scope": query.get("scope") or "", "used": False}
		params = {
			"code": code,
			"host": "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvYWNtZQ",
			"shop": self.shop_domain,
			"timestamp": str(int(time.time())),
		}
		if query.get("state"):
			params["state"] = query["state"]
		params["hmac"] = query_hmac(params, self.client_secret)
		return Response(302, "", {"Location": f"{query['redirect_uri']}?{urlencode(params)}"})

	# the token endpoint
	@route("POST", r"/admin/oauth/access_token")
	def access_token(self, request):
		body = token_body(request) or {}
		if body.get("client_id") != self.client_id or body.get("client_secret") != self.client_secret:
			return _error(401, "invalid_client", "Client authentication failed")
		if not self.installed:
			return _error(401, "invalid_client", "The app is not installed on this shop")
		grant = body.get("grant_type")
		with self.oauth_lock:
			if grant == "client_credentials":
				return self._issue("client_credentials", self.granted_scopes, CLIENT_CREDENTIALS_SECONDS)
			if grant == "refresh_token":
				expires = self.refresh_tokens.pop(body["refresh_token"], None)  # one use: it rotates
				if expires is None or expires <= self.now():
					return _error(400, "invalid_grant", "The refresh token is invalid or expired")
				return self._issue("refresh_token", self.granted_scopes, ACCESS_SECONDS, expiring=True)
			code = self.codes.get(body["code"])
			if code is None or code["used"]:
				return _error(
					400, "invalid_grant", "The authorization code was not found or was already used"
				)
			code["used"] = True
			expiring = str(body.get("expiring")) == "1"
			return self._issue(
				"authorization_code", code["scope"], ACCESS_SECONDS if expiring else None, expiring
			)

	def _issue(self, grant: str, scope: str, seconds: int | None, expiring: bool = False) -> Response:
		self.grants[grant] += 1
		token = f"shpat_{secrets.token_hex(12)}"
		if expiring:
			# Only one expiring token per app and shop: a new one revokes the earlier ones.
			self.issued = {t: e for t, e in self.issued.items() if e == float("inf")}
		self.issued[token] = self.now() + seconds if seconds else float("inf")
		body = {"access_token": token, "scope": scope}
		if seconds:
			body["expires_in"] = seconds
		if expiring:
			refresh = f"shprt_{secrets.token_hex(12)}"
			self.refresh_tokens = {refresh: self.now() + REFRESH_SECONDS}
			body.update({"refresh_token": refresh, "refresh_token_expires_in": REFRESH_SECONDS})
		return Response(200, body)


def _error(status: int, error: str, description: str) -> Response:
	return Response(status, {"error": error, "error_description": description})


def _html() -> dict:
	return {"Content-Type": "text/html; charset=utf-8"}
