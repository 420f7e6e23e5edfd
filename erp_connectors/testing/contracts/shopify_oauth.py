"""Shopify's OAuth endpoints on a shop, as Shopify documents them and as its own libraries speak them;
checked on every request the fake Shopify receives there and every answer it serves.

Sources (no machine-readable contract is published for these endpoints):
- shopify.dev "Implement authorization code grant manually": the authorize URL
  (/admin/oauth/authorize with client_id, scope, redirect_uri, state, grant_options[]), the redirect
  back (code, hmac, host, shop, state, timestamp; hmac = hex HMAC-SHA256 of the other parameters,
  sorted and joined as k=v with &, keyed with the client secret), and POST /admin/oauth/access_token
  with client_id, client_secret and code.
- shopify.dev "About offline access tokens" and the changelog of 2025-12-10: `expiring=1` asks for an
  expiring offline token: `expires_in` 3600 s (Shopify's examples answer 3599) with a `refresh_token`
  that lives 90 days (`refresh_token_expires_in`), rotated on every refresh; a new expiring token
  revokes the earlier ones of that app and shop.
- shopify.dev "Get API access tokens for Dev Dashboard apps": grant_type=client_credentials, a token
  that lives 24 hours (`expires_in` 86399) with no refresh token.
- PyPI `shopifyapp` 1.0.2 (Shopify's package): the JSON bodies it sends for grant_type
  client_credentials and refresh_token, the answer fields it reads (access_token, scope, expires_in,
  refresh_token, refresh_token_expires_in) and the OAuth 2.0 errors it recognises (`error`:
  invalid_client, invalid_grant). ShopifyAPI 12.7 (Session.request_token) sends the code form-encoded,
  which Shopify accepts too.
"""

import json
import re
from urllib.parse import parse_qsl, urlsplit

from erp_connectors.testing.contracts.problems import Problem

TOKEN_PATH = "/admin/oauth/access_token"
AUTHORIZE_PATH = "/admin/oauth/authorize"
GRANTS = {
	None: ({"client_id", "client_secret", "code"}, {"expiring"}),  # authorization code
	"client_credentials": ({"client_id", "client_secret", "grant_type"}, set()),
	"refresh_token": ({"client_id", "client_secret", "grant_type", "refresh_token"}, set()),
}
REDIRECT_PARAMS = {"code", "hmac", "host", "shop", "state", "timestamp"}
ERRORS = {"invalid_request", "invalid_client", "invalid_grant", "unsupported_grant_type", "invalid_scope"}


def is_oauth(path: str) -> bool:
	return path in (TOKEN_PATH, AUTHORIZE_PATH)


def token_body(request) -> dict | None:
	"""The token request's parameters, JSON or form-encoded as Shopify accepts both."""
	kind = (request.header("content-type") or "").split(";")[0].strip()
	if kind == "application/json":
		try:
			body = json.loads(request.body or b"null")
		except ValueError:
			return None
		return body if isinstance(body, dict) else None
	if kind == "application/x-www-form-urlencoded":
		return dict(parse_qsl(request.body.decode(), keep_blank_values=True))
	return None


def request_problems(request) -> list[str]:
	if request.path == AUTHORIZE_PATH:
		if request.method != "GET":
			return [Problem(f"{request.method} is not how the authorize page is opened", kind="route")]
		missing = sorted({"client_id", "scope", "redirect_uri"} - set(request.query))
		return [Problem(f"missing {name}", f"/{name}", "required") for name in missing]
	if request.method != "POST":
		return [Problem(f"{request.method} {TOKEN_PATH} is not a Shopify endpoint", kind="route")]
	body = token_body(request)
	if body is None:
		return [Problem("the body is neither a JSON object nor a form")]
	grant = body.get("grant_type")
	if grant not in GRANTS:
		return [Problem(f"grant_type {grant!r} is not one of the grants used here", "/grant_type", "route")]
	required, optional = GRANTS[grant]
	problems = [Problem(f"missing {name}", f"/{name}", "required") for name in sorted(required - set(body))]
	problems += [
		Problem(f"{name} is not a parameter of this grant", f"/{name}", "undeclared")
		for name in sorted(set(body) - required - optional)
	]
	if "expiring" in body and str(body["expiring"]) not in ("0", "1"):
		problems.append(Problem("expiring is 0 or 1", "/expiring"))
	return problems


def refusal_body(problems: list[str]) -> tuple[int, dict]:
	routes = [p for p in problems if getattr(p, "kind", "") == "route"]
	error = "unsupported_grant_type" if routes else "invalid_request"
	return 400, {"error": error, "error_description": "; ".join(problems)}


def response_problems(request, response) -> list[str]:
	if request.path == AUTHORIZE_PATH:
		return _redirect_problems(response) if response.status in (301, 302, 303) else []
	body = response.body
	if not isinstance(body, dict):
		return ["a token endpoint answer that is not a JSON object"]
	if response.status != 200:
		if body.get("error") not in ERRORS:
			return [f"an OAuth error without a known `error`: {body!r}"]
		extra = set(body) - {"error", "error_description"}
		return [f"unexpected error keys {sorted(extra)}"] if extra else []
	problems = []
	if not isinstance(body.get("access_token"), str) or not isinstance(body.get("scope"), str):
		problems.append("access_token and scope are strings on every token")
	allowed = {"access_token", "scope", "expires_in", "refresh_token", "refresh_token_expires_in"}
	problems += [f"unexpected key {key!r}" for key in sorted(set(body) - allowed)]
	params = token_body(request) or {}
	grant = params.get("grant_type")
	expiring = grant == "refresh_token" or (grant is None and str(params.get("expiring")) == "1")
	if grant == "client_credentials" and (
		"refresh_token" in body or not isinstance(body.get("expires_in"), int)
	):
		problems.append("a client credentials token expires (expires_in) and has no refresh token")
	if expiring and not all(
		isinstance(body.get(key), int) for key in ("expires_in", "refresh_token_expires_in")
	):
		problems.append("an expiring offline token carries expires_in and refresh_token_expires_in")
	if expiring and not isinstance(body.get("refresh_token"), str):
		problems.append("an expiring offline token carries a refresh_token")
	if grant is None and not expiring and set(body) - {"access_token", "scope"}:
		problems.append("a non-expiring offline token is only access_token and scope")
	return problems


def _redirect_problems(response) -> list[str]:
	location = urlsplit(response.headers.get("Location") or "")
	params = dict(parse_qsl(location.query, keep_blank_values=True))
	problems = [
		f"the redirect back lacks {name}" for name in sorted(REDIRECT_PARAMS - {"state"} - set(params))
	]
	problems += [f"the redirect back carries {name}" for name in sorted(set(params) - REDIRECT_PARAMS)]
	if not re.fullmatch(r"[0-9a-f]{64}", params.get("hmac", "")):
		problems.append("hmac is a hex SHA-256 digest")
	return problems
