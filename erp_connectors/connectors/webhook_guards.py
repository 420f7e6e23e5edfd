"""Request hooks around the webhook endpoints, for what happens outside our endpoint function.

- before_request: a body declared larger than the source's limit is refused (413) before the
  account lookup, the rate limiter or anything of ours runs. Frappe itself has already read the
  body by then (up to its own 25 MB cap), so the proxy's `client_max_body_size` for these paths is
  what keeps large bodies off the server; the README shows the nginx lines.
- rate_limited: Frappe's per-client limit (a window opens with a client's first request and allows
  Connector Settings' webhook limit in a minute), counted in each process and shared through Redis
  about once a second (request_windows), not with a round trip per request as Frappe's does.
- after_request: any 5xx on a webhook path becomes 503 with Retry-After and no internals (Redis or
  the database down, say). Nothing was acknowledged, so the sender retries, and nothing of the
  server's insides reaches a guest.
"""

import functools

import frappe
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from erp_connectors.connectors.intake import ask_again, reply
from erp_connectors.connectors.registry import binding_for_endpoint
from erp_connectors.connectors.request_windows import RequestWindows
from erp_connectors.connectors.settings import max_body_bytes, webhook_rate_limit

RATE_WINDOW_SECONDS = 60


def _add_to_shared(key: str, count: int) -> tuple[int, float]:
	window = frappe.cache.pipeline(transaction=False)
	window.set(key, 0, ex=RATE_WINDOW_SECONDS, nx=True).incrby(key, count).ttl(key)
	_, shared, seconds_left = window.execute()
	return shared, seconds_left if seconds_left > 0 else RATE_WINDOW_SECONDS


_windows = RequestWindows(_add_to_shared)


def rate_limited(endpoint):
	@functools.wraps(endpoint)
	def limited(*args, **kwargs):
		key = frappe.cache.make_key(f"rl:{frappe.request.path}:{frappe.local.request_ip}")
		limit = webhook_rate_limit()
		retry_after = _windows.admit(key, limit)
		if retry_after is not None:
			message = f"More than {limit} requests a minute from this address; retry in {retry_after} s."
			raise HTTPException(response=ask_again(Response(), 429, message, retry_after))
		return endpoint(*args, **kwargs)

	return limited


def refuse_oversized_body():
	request = getattr(frappe.local, "request", None)
	if request is None or request.method != "POST" or not request.path.startswith("/api/method/"):
		return
	binding = binding_for_endpoint(request.path)
	if binding is None:
		return
	limit = max_body_bytes(binding.source.max_body_bytes)
	if (request.content_length or 0) > limit:
		raise HTTPException(response=reply(413, f"Body larger than {limit} bytes"))


def unavailable_instead_of_server_error(response=None, request=None):
	if response is None or request is None or response.status_code < 500:
		return
	if "Retry-After" in response.headers:
		return  # the intake's own answer (an event stored but not yet queued)
	try:
		is_webhook = binding_for_endpoint(request.path) is not None
	except Exception:
		# The hooks themselves may be out of reach (Redis down): judge by the path alone.
		is_webhook = request.path.startswith("/api/method/erp_connectors.") and request.path.endswith(
			".webhook"
		)
	if not is_webhook:
		return
	ask_again(response, 503, "Temporarily unavailable; nothing was stored. Retry later.")
