"""What every v1 method shares: the role check, a per-key rate limit, one JSON error envelope.

A handler returns (body, status) or a body; errors become
`{"error": {"code", "message", "details"}}` with the fitting HTTP status, never a traceback.
"""

import functools
import json
import time
import traceback

import frappe
from frappe.utils import strip_html
from werkzeug.wrappers import Response

from erp_connectors.api.contract import ApiError, invalid
from erp_connectors.connectors import call_log

API_ROLE = "Connector API User"
API_PREFIX = "/api/method/erp_connectors.api.v1."


def respond(body, status: int = 200, headers: dict | None = None) -> Response:
	return Response(
		json.dumps(body, default=str), status=status, mimetype="application/json", headers=headers or {}
	)


def api_method(handler):
	@functools.wraps(handler)
	def wrapper(*args, **kwargs):
		headers = {}
		try:
			if API_ROLE not in frappe.get_roles():
				raise ApiError(403, "forbidden", f"This API needs the role '{API_ROLE}'.")
			headers = check_rate_limit()
			refuse_repeated_parameters()
			result = handler(*args, **kwargs)
			body, status = result if isinstance(result, tuple) else (result, 200)
			return respond(body, status, headers)
		except ApiError as error:
			frappe.db.rollback()
			if error.status == 429:
				headers["Retry-After"] = str(error.details.get("retry_after", 60))
			return respond(error.body(), error.status, headers)
		except frappe.PermissionError as error:
			frappe.db.rollback()
			return respond(_error(403, "permission_denied", error, "Not permitted"), 403, headers)
		except frappe.DoesNotExistError as error:
			frappe.db.rollback()
			return respond(_error(404, "not_found", error, "Not found"), 404, headers)
		except frappe.ValidationError as error:
			frappe.db.rollback()
			return respond(
				_error(422, "validation_failed", error, "ERPNext refused the request"), 422, headers
			)
		except Exception:
			frappe.db.rollback()
			# The traceback without its frames' local variables: those may hold credentials.
			log = frappe.log_error(title=f"Connector API {handler.__name__}", message=traceback.format_exc())
			body = ApiError(
				500,
				"internal_error",
				"The request failed on the server; it has been logged.",
				{"log": log.name},
			).body()
			return respond(body, 500, headers)
		finally:
			frappe.local.message_log = []
			call_log.flush()

	return wrapper


def _error(status: int, code: str, error: Exception, fallback: str) -> dict:
	messages = [strip_html(str(m.get("message") if isinstance(m, dict) else m)) for m in _messages()]
	message = strip_html(str(error)) or (messages[-1] if messages else fallback)
	return ApiError(status, code, message, {"type": type(error).__name__}).body()


def _messages():
	for entry in frappe.local.message_log or []:
		try:
			yield json.loads(entry) if isinstance(entry, str) else entry
		except ValueError:
			yield entry


def charge_rate_limit(units: int):
	"""Work that fans out (one call per carrier) costs the caller more than one request."""
	if units > 0:
		check_rate_limit(units)


def refuse_repeated_parameters():
	"""Frappe keeps the first of `?limit=1&limit=2`; a client sending both has a bug worth naming."""
	request = getattr(frappe.local, "request", None)
	for name in request.args if request else ():
		if len(request.args.getlist(name)) > 1:
			raise invalid(name, "is given more than once")


def check_rate_limit(units: int = 1) -> dict:
	"""A fixed one-minute window per user (each API key is one user), shared through Redis."""
	from erp_connectors.connectors.settings import api_rate_limit

	limit = api_rate_limit()
	window = int(time.time() // 60)
	key = frappe.cache.make_key(f"erp_connectors:api:{frappe.session.user}:{window}")
	count = frappe.cache.incr(key, units)
	if count == units:
		frappe.cache.expire(key, 120)
	remaining = max(0, limit - count)
	headers = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining)}
	if count > limit:
		retry_after = 60 - int(time.time()) % 60
		raise ApiError(
			429,
			"rate_limited",
			f"More than {limit} requests in a minute for this API key; retry in {retry_after} s.",
			{"limit": limit, "retry_after": retry_after},
		)
	return headers
