"""after_request hook: answers for bodies Frappe could not parse.

Frappe parses a JSON body before any app code runs and answers one that is not JSON with its
own 500 (and JSON that is not an object with 417). For our webhook endpoints the intake answers
instead, with the same checks in the same order (size, account, signature, then the body), storing
nothing; for v1 API methods our error envelope answers 400.
"""

import json

from erp_connectors.api.contract import ApiError
from erp_connectors.api.envelope import API_PREFIX, respond
from erp_connectors.connectors.intake import receive
from erp_connectors.connectors.registry import binding_for_endpoint

NOT_JSON = "is not valid JSON"


def body_problem(request) -> str | None:
	try:
		body = json.loads(request.get_data(as_text=True))
	except ValueError:
		return NOT_JSON
	return None if isinstance(body, dict) else "must be a JSON object"


def answer_unparsed_body(response=None, request=None):
	if response is None or request is None or response.status_code not in (500, 417) or not request.is_json:
		return
	problem = body_problem(request)
	if problem is None:
		return  # the body parses to an object: Frappe had another reason, its answer stands
	if request.path.startswith(API_PREFIX):
		error = ApiError(400, "invalid_request", f"The request body {problem}.", {"field": "body"})
		answer = respond(error.body(), error.status)
	else:
		binding = binding_for_endpoint(request.path)
		if binding is None or problem != NOT_JSON:
			return
		answer = receive(binding.source.name, parse_only=True)
	response.status_code = answer.status_code
	response.set_data(answer.get_data())
	response.headers["Content-Type"] = "application/json"
