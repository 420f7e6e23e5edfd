"""Shopify Admin GraphQL client. Pure: no frappe.

Plain requests through the shared HttpClient (ShopifyAPI's GraphQL call has no
timeout). The access token comes from a token source (`access_token()`; auth_sync's keeps the
store's tokens renewed): on a 401 the source is asked once for a renewed token and the call is sent
again. The API version Shopify answered with (X-Shopify-API-Version) is kept in `answered_version`
and handed to `on_version` when it changes. Every response's `extensions.cost.throttleStatus` is fed to the shared
rate budget, so all workers see Shopify's own count; a THROTTLED answer (which
may come with HTTP 200) is waited out a bounded number of times, then surfaces
as RateLimitedError for the job-level retry.
"""

from erp_connectors.connectors.errors import AuthError, PermanentError, RateLimitedError
from erp_connectors.connectors.http import HttpClient
from erp_connectors.shopify_connector.api_versions import PINNED

# Where a store's Admin API lives, and where Shopify keeps bulk-operation results.
HOSTS = ("*.myshopify.com",)
RESULT_HOSTS = ("storage.googleapis.com", "*.myshopify.com")


class StaticToken:
	"""A token that never changes (a legacy admin-created token, or a test's): nothing to renew."""

	def __init__(self, token: str):
		self.token = token

	def access_token(self) -> str:
		return self.token

	def renew(self, stale: str) -> str | None:
		return None


class ShopifyGraphQL(HttpClient):
	service = "shopify"

	def __init__(
		self,
		shop_domain: str,
		access_token,
		*,
		api_version: str = PINNED,
		base_url: str | None = None,
		throttle_retries: int = 3,
		on_version=None,
		**http_options,
	):
		root = (base_url or f"https://{shop_domain}").rstrip("/")
		super().__init__(f"{root}/admin/api/{api_version}", **http_options)
		self.tokens = access_token if hasattr(access_token, "access_token") else StaticToken(access_token)
		self.api_version = api_version
		self.answered_version: str | None = None
		self.on_version = on_version
		self.throttle_retries = throttle_retries

	def authorized(self, method: str, path: str, **kwargs):
		"""One request with the current token; on a 401, once more with a renewed one."""
		token = self._use(self.tokens.access_token())
		try:
			response = self.request(method, path, **kwargs)
		except AuthError as error:
			renewed = self.tokens.renew(token) if error.status == 401 else None
			if not renewed:
				raise
			self._use(renewed)
			response = self.request(method, path, **kwargs)
		self._answered(response.headers.get("X-Shopify-API-Version"))
		return response

	def _use(self, token: str) -> str:
		self.session.headers["X-Shopify-Access-Token"] = token
		self.secrets = tuple({*self.secrets, token} - {""})
		return token

	def _answered(self, version: str | None):
		if version and version != self.answered_version:
			self.answered_version = version
			if self.on_version is not None:
				self.on_version(version)

	def error_message(self, response) -> str:
		try:
			errors = response.json().get("errors")
		except ValueError:
			return response.text[:500] or f"HTTP {response.status_code}"
		return _join_errors(errors) or f"HTTP {response.status_code}"

	def execute(self, query: str, variables: dict | None = None, *, cost: float = 10) -> dict:
		for attempt in range(self.throttle_retries + 1):
			body = self.authorized(
				"POST", "graphql.json", json={"query": query, "variables": variables or {}}, cost=cost
			).json()
			cost_info = (body.get("extensions") or {}).get("cost") or {}
			status = cost_info.get("throttleStatus")
			if status and self.budget is not None:
				self.budget.observe(
					status["currentlyAvailable"], status["maximumAvailable"], status["restoreRate"]
				)
			errors = body.get("errors")
			if errors and _throttled(errors):
				wait = _throttle_wait(cost_info, cost)
				if attempt < self.throttle_retries:
					self._sleep(wait)
					continue
				raise RateLimitedError("Throttled by Shopify", retry_after=wait, status=429)
			if errors:
				raise PermanentError("Shopify GraphQL error", remote_message=_join_errors(errors))
			return body.get("data") or {}
		raise AssertionError("unreachable")


def nodes(client: ShopifyGraphQL, query: str, connection: str, variables: dict, cost: float):
	"""Every node of a top-level connection, page after page (`$after` is the cursor)."""
	after = None
	while True:
		page = client.execute(query, {**variables, "after": after}, cost=cost)[connection]
		yield from page["nodes"]
		if not page["pageInfo"]["hasNextPage"]:
			return
		after = page["pageInfo"]["endCursor"]


def legacy_id(node: dict) -> str:
	"""The numeric id REST payloads use, from a GraphQL node (legacyResourceId, else its gid)."""
	return node.get("legacyResourceId") or node["id"].rsplit("/", 1)[-1]


def user_errors(payload: dict) -> None:
	"""Raise Shopify's own words for a mutation's userErrors."""
	errors = (payload or {}).get("userErrors") or []
	if errors:
		text = "; ".join(
			f"{'.'.join(str(p) for p in (e.get('field') or []))}: {e.get('message')}".lstrip(": ")
			for e in errors
		)
		raise PermanentError("Shopify refused the change", remote_message=text)


def _throttled(errors) -> bool:
	return any(
		((e.get("extensions") or {}).get("code") == "THROTTLED") for e in errors if isinstance(e, dict)
	)


def _throttle_wait(cost_info: dict, cost: float) -> float:
	status = cost_info.get("throttleStatus") or {}
	requested = cost_info.get("requestedQueryCost") or cost
	restore = status.get("restoreRate") or 50.0
	available = status.get("currentlyAvailable") or 0.0
	return max(0.0, (requested - available) / restore)


def _join_errors(errors) -> str:
	if isinstance(errors, str):
		return errors
	if isinstance(errors, dict):
		return "; ".join(f"{k}: {v}" for k, v in errors.items())
	return "; ".join(e.get("message", str(e)) if isinstance(e, dict) else str(e) for e in errors or [])


__all__ = ["ShopifyGraphQL", "user_errors"]
