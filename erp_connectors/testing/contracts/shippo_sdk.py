"""Shippo's official Python SDK (PyPI `shippo`, generated from Shippo's OpenAPI) as the contract.

Each operation is read from the SDK method that performs it: its HTTP method and path, the model
its request body is serialised from, the status it treats as success and the model it unmarshals
that response into. Errors (400, 4XX, 5XX) have no model in the SDK: it hands back the raw body,
so only their status is checked.

Bodies are walked against the models recursively, the way the SDK's own unmarshalling reads them
(`dataclasses_json` field names), but strictly: a required field must be present and not null, an
enum must hold one of its values, a union must match one of its branches, and a key the model does
not have is reported (the SDK ignores such keys; Shippo would too, silently).
"""

import dataclasses
import datetime
import enum
import functools
import inspect
import json
import re
import types
import typing
from dataclasses import dataclass

import shippo
from shippo.models import components, operations

from erp_connectors.testing import contracts
from erp_connectors.testing.contracts import Contract
from erp_connectors.testing.contracts.openapi import content_type
from erp_connectors.testing.contracts.problems import Problem
from erp_connectors.testing.fake_server import Response

LABEL_TYPES = ("application/pdf", "image/png", "application/zpl")


@dataclass(frozen=True)
class Operation:
	method: str
	path: re.Pattern
	request_model: object | None  # a model class, a Union of them, or None (no body)
	success: int
	response_model: object
	sdk_method: str

	def matches(self, request) -> bool:
		return request.method == self.method and bool(self.path.fullmatch(request.path.rstrip("/")))


# The SDK methods behind what our Shippo client does: rates, buy (and list a multi-piece purchase's
# labels), void, track.
SDK_METHODS = (
	(shippo.shipments.Shipments, "create"),
	(shippo.transactions.Transactions, "create"),
	(shippo.transactions.Transactions, "list"),
	(shippo.refunds.Refunds, "create"),
	(shippo.tracking_status.TrackingStatus, "get"),
)


def sdk_operation(cls, name: str) -> Operation:
	"""Read one operation off the SDK's generated method."""
	source = inspect.getsource(getattr(cls, name))
	path = re.search(r"url = (?:base_url \+ '([^']+)'|utils\.generate_url\(base_url, '([^']+)')", source)
	path = path[1] or path[2]
	method = re.search(r"requests_http\.Request\('(\w+)'", source)[1]
	body = re.search(r"serialize_request_body\(request, (\w+)\.(\w+)", source)
	success = re.search(
		r"if http_res\.status_code == (\d+):\s+.*?unmarshal_json\(http_res\.text, Optional\[(\w+)\.(\w+)\]",
		source,
		re.S,
	)
	modules = {"components": components, "operations": operations}
	return Operation(
		method=method,
		path=re.compile(re.sub(r"\{\w+\}", r"[^/]+", path.rstrip("/"))),
		request_model=getattr(modules[body[1]], body[2]) if body else None,
		success=int(success[1]),
		response_model=getattr(modules[success[2]], success[3]),
		sdk_method=f"{cls.__module__}.{cls.__name__}.{name}",
	)


@functools.cache
def sdk_operations() -> tuple[Operation, ...]:
	return tuple(sdk_operation(cls, name) for cls, name in SDK_METHODS)


class ShippoSdkContract(Contract):
	"""`label_files`: the path under which a fake serves label files, which Shippo hosts elsewhere
	(not its API); those are only checked to be a label file."""

	provider = "Shippo"

	def __init__(self, label_files: str | None = None):
		self.label_files = label_files

	def load(self) -> "ShippoSdkContract":
		"""Read the SDK's operations now (once per process), so no request waits for them."""
		sdk_operations()
		return self

	def operation(self, request) -> Operation | None:
		return next((op for op in sdk_operations() if op.matches(request)), None)

	def _is_label_file(self, request) -> bool:
		return (
			bool(self.label_files) and request.method == "GET" and request.path.startswith(self.label_files)
		)

	def check_request(self, request):
		if self._is_label_file(request):
			return []
		operation = self.operation(request)
		if operation is None:
			return [
				Problem(
					f"{request.method} {request.path}: the Shippo SDK has no such operation", kind="route"
				)
			]
		if operation.request_model is None:
			return []
		try:
			body = json.loads(request.body or b"null")
		except ValueError:
			return [Problem("the body is not JSON")]
		return model_problems(body, operation.request_model)

	def check_response(self, request, response):
		if self._is_label_file(request):
			kind = content_type(response)
			return [] if kind in LABEL_TYPES else [f"a label file served as {kind}"]
		operation = self.operation(request)
		if response.status == operation.success:
			return model_problems(json.loads(response.encode()), operation.response_model)
		if 400 <= response.status < 600:
			return []  # the SDK reads any error body raw
		return [f"status {response.status}: the SDK knows {operation.success} and 4XX/5XX only"]

	def check_webhook(self, body: bytes) -> list[Problem]:
		"""A tracking webhook delivery: the SDK's WebhookPayloadTrack."""
		contracts.count(self.provider, "webhooks")
		return model_problems(json.loads(body), components.WebhookPayloadTrack)

	def refusal(self, request, problems):
		if problems[0].kind == "route":
			return Response(404, {"detail": "Not found."})
		return Response(400, field_keyed(problems))


def field_keyed(problems: list[Problem]) -> dict:
	"""Shippo's validation errors are keyed by field: {"address_to": {"zip": ["This field is required."]}}."""
	errors: dict = {}
	for problem in problems:
		parts = [part for part in problem.pointer.split("/") if part and not part.isdigit()] or ["__all__"]
		node = errors
		for part in parts[:-1]:
			node = node.setdefault(part, {})
		text = "This field is required." if problem.kind == "required" else problem.text
		node.setdefault(parts[-1], []).append(text)
	return errors


def model_problems(value, model, where: str = "") -> list[Problem]:
	"""Where `value` differs from what the SDK model `model` (a type hint) allows."""
	origin = typing.get_origin(model)
	if origin in (typing.Union, types.UnionType):
		branches = [b for b in typing.get_args(model) if b is not type(None)]
		if value is None:
			return (
				[]
				if len(branches) < len(typing.get_args(model))
				else [Problem("null where a value is needed", where)]
			)
		results = [model_problems(value, branch, where) for branch in branches]
		return min(results, key=len)
	if value is None:
		return [Problem("null where a value is needed", where)]
	if model is typing.Any:
		return []
	if origin is list:
		if not isinstance(value, list):
			return [Problem(f"{type(value).__name__} where a list is needed", where)]
		(item,) = typing.get_args(model)
		return [
			p for index, inner in enumerate(value) for p in model_problems(inner, item, f"{where}/{index}")
		]
	if origin is dict:
		if not isinstance(value, dict):
			return [Problem(f"{type(value).__name__} where an object is needed", where)]
		inner_model = typing.get_args(model)[1]
		return [
			p for key, inner in value.items() for p in model_problems(inner, inner_model, f"{where}/{key}")
		]
	if dataclasses.is_dataclass(model):
		return _dataclass_problems(value, model, where)
	if isinstance(model, type) and issubclass(model, enum.Enum):
		allowed = [member.value for member in model]
		return [] if value in allowed else [Problem(f"{value!r} is not one of {allowed}", where)]
	return _scalar_problems(value, model, where)


def _dataclass_problems(value, model, where) -> list[Problem]:
	if not isinstance(value, dict):
		return [Problem(f"{type(value).__name__} where {model.__name__} is needed", where)]
	hints = typing.get_type_hints(model)
	problems, known = [], set()
	for field in dataclasses.fields(model):
		name = json_name(field)
		known.add(name)
		required = field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
		if name not in value:
			if required:
				problems.append(Problem("required", f"{where}/{name}", kind="required"))
			continue
		problems += model_problems(value[name], hints[field.name], f"{where}/{name}")
	problems += [
		Problem(f"not a field of the SDK's {model.__name__}", f"{where}/{key}", kind="undeclared")
		for key in value
		if key not in known
	]
	return problems


def json_name(field) -> str:
	letter_case = field.metadata.get("dataclasses_json", {}).get("letter_case")
	return letter_case(field.name) if letter_case else field.name


def _scalar_problems(value, model, where) -> list[Problem]:
	if model is bool:
		ok = isinstance(value, bool)
	elif model is int:
		ok = isinstance(value, int) and not isinstance(value, bool)
	elif model is float:
		ok = isinstance(value, int | float) and not isinstance(value, bool)
	elif model is str:
		ok = isinstance(value, str)
	elif model in (datetime.datetime, datetime.date):
		ok = isinstance(value, str) and _parses(model, value)
	else:
		return [Problem(f"the contract cannot check a {model!r}", where)]
	return [] if ok else [Problem(f"{value!r} is not a {getattr(model, '__name__', model)}", where)]


def _parses(model, text: str) -> bool:
	try:
		model.fromisoformat(text.replace("Z", "+00:00"))
	except ValueError:
		return False
	return True
