"""Stripe's published contract, as the official SDK carries it (stripe-python, generated from Stripe's
OpenAPI spec): the v1 operations (method + path), each one's params TypedDict, and the resource
models its answers and webhook events must fit. See `stripe_operations`, `stripe_params` and
`stripe_models`; tests/data/README.md says why the SDK and not spec3.json.
"""

from urllib.parse import parse_qsl

from erp_connectors.testing import contracts
from erp_connectors.testing.contracts import Contract
from erp_connectors.testing.contracts import stripe_models as models
from erp_connectors.testing.contracts import stripe_operations as operations
from erp_connectors.testing.contracts import stripe_params as params
from erp_connectors.testing.fake_server import Response

IDEMPOTENCY_KEY_MAX = 255  # "Idempotency keys are up to 255 characters long" (API reference)
FORM = "application/x-www-form-urlencoded"


def _unrecognised(request) -> params.Problem:
	return params.Problem(
		"",
		f"Unrecognized request URL ({request.method}: {request.path}). Please see https://stripe.com/docs "
		"or we can help at https://support.stripe.com/.",
	)


def _pairs(request) -> list[tuple[str, str]]:
	if request.method == "POST":
		return parse_qsl(request.body.decode(), keep_blank_values=True) if request.body else []
	return list(request.query.items())


class StripeContract(Contract):
	provider = "Stripe"
	api_version = operations.API_VERSION

	def problems(self, request) -> list[params.Problem]:
		operation = operations.find(request.method, request.path)
		if operation is None:
			return [_unrecognised(request)]
		found = []
		version = request.header("stripe-version")
		if version is not None and version != self.api_version:
			found.append(
				params.Problem(
					"Stripe-Version",
					f"Invalid Stripe API version: {version} (this contract is the SDK's {self.api_version})",
				)
			)
		if request.method == "POST":
			key = request.header("idempotency-key")
			if key is not None and not 0 < len(key) <= IDEMPOTENCY_KEY_MAX:
				found.append(
					params.Problem(
						"Idempotency-Key",
						f"Idempotency keys are 1 to {IDEMPOTENCY_KEY_MAX} characters long; got {len(key)}.",
					)
				)
			content_type = (request.header("content-type") or "").split(";")[0].strip()
			if request.body and content_type != FORM:
				found.append(
					params.Problem("Content-Type", f"Stripe's v1 API takes {FORM}, not {content_type}.")
				)
		return found + params.check(operation.params_type, _pairs(request))

	def check_request(self, request) -> list[str]:
		return [str(problem) for problem in self.problems(request)]

	def refusal(self, request, problems) -> Response:
		first = self.problems(request)[0]
		error = {"type": "invalid_request_error", "message": first.message}
		if first.code:
			error["code"] = first.code
		if first.param and first.param not in ("Stripe-Version", "Idempotency-Key", "Content-Type"):
			error["param"] = first.param
		status = 404 if operations.find(request.method, request.path) is None else 400
		return Response(status, {"error": error})

	def check_response(self, request, response) -> list[str]:
		if response.status >= 400:
			return models.problems(response.body, models.error_schema())
		operation = operations.find(request.method, request.path)
		return models.problems(response.body, self.response_schema(operation))

	@staticmethod
	def response_schema(operation) -> dict:
		"""`Session` -> the Session model; `ListObject[Session]` -> Stripe's list of them."""
		name = operation.returns
		if name.startswith("ListObject[") and name.endswith("]"):
			item = operations.resolve(name[len("ListObject[") : -1], operation.module)
			return models.list_schema(models.ref(item))
		return models.ref(operations.resolve(name, operation.module))

	def check_event(self, event: dict) -> list[str]:
		"""A webhook event: its envelope against the Event model, `data.object` against its own model."""
		contracts.count(self.provider, "webhooks")
		found = [f"event {problem}" for problem in models.problems(event, model=models.model_of("event"))]
		obj = (event.get("data") or {}).get("object")
		if isinstance(obj, dict):
			kind = obj.get("object")
			if kind not in models.OBJECT_CLASSES:
				return found + [f"event data.object: no Stripe object is called {kind!r}"]
			found += [f"event data.object {p}" for p in models.problems(obj, model=models.model_of(kind))]
		return found
