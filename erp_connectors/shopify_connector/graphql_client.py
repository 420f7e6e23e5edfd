"""Shopify Admin GraphQL client. Pure: no frappe.

Plain requests through the shared HttpClient (ShopifyAPI's GraphQL call has no
timeout). Every response's `extensions.cost.throttleStatus` is fed to the shared
rate budget, so all workers see Shopify's own count; a THROTTLED answer (which
may come with HTTP 200) is waited out a bounded number of times, then surfaces
as RateLimitedError for the job-level retry.
"""

from erp_connectors.connectors.errors import PermanentError, RateLimitedError
from erp_connectors.connectors.http import HttpClient
from erp_connectors.shopify_connector.api_versions import PINNED

# Where a store's Admin API lives, and where Shopify keeps bulk-operation results.
HOSTS = ("*.myshopify.com",)
RESULT_HOSTS = ("storage.googleapis.com", "*.myshopify.com")


class ShopifyGraphQL(HttpClient):
	service = "shopify"

	def __init__(
		self,
		shop_domain: str,
		access_token: str,
		*,
		api_version: str = PINNED,
		base_url: str | None = None,
		throttle_retries: int = 3,
		**http_options,
	):
		root = (base_url or f"https://{shop_domain}").rstrip("/")
		super().__init__(f"{root}/admin/api/{api_version}", secrets=(access_token,), **http_options)
		self.session.headers["X-Shopify-Access-Token"] = access_token
		self.throttle_retries = throttle_retries

	def error_message(self, response) -> str:
		try:
			errors = response.json().get("errors")
		except ValueError:
			return response.text[:500] or f"HTTP {response.status_code}"
		return _join_errors(errors) or f"HTTP {response.status_code}"

	def execute(self, query: str, variables: dict | None = None, *, cost: float = 10) -> dict:
		for attempt in range(self.throttle_retries + 1):
			body = self.request(
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
