"""A provider's OpenAPI document as the contract of its fake (openapi-core).

Each request must name a path and method the document has, and its path,
query, headers and body must validate; each response must have a status the
operation defines and a body that validates against that status's schema.
`application/problem+json` is read as JSON. Credentials are left to the fake
(its own 401 is the service's answer), so security schemes are not checked here.

openapi-core does not forbid keys a schema does not declare, and neither does
a document without `additionalProperties: false`. A real service silently
ignores such a key in a request, which is exactly how a misspelt filter goes
unnoticed, and a fake that serves one invents a field. So both are reported:
every key we send or the fake serves must be declared by the schema (of
several oneOf/anyOf branches, the one that fits best counts).
"""

import copy
import functools
import gzip
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import yaml
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.deserializing.media_types.util import json_loads
from openapi_core.templating.paths.exceptions import OperationNotFound, PathError
from openapi_core.templating.paths.finders import APICallPathFinder
from openapi_core.validation.request.validators import (
	V30RequestBodyValidator,
	V30RequestParametersValidator,
	V31RequestBodyValidator,
	V31RequestParametersValidator,
)
from openapi_core.validation.response.validators import V30ResponseDataValidator, V31ResponseDataValidator
from werkzeug.datastructures import Headers, ImmutableMultiDict

from erp_connectors.testing.contracts import Contract
from erp_connectors.testing.contracts.problems import Problem

JSON_TYPES = ("application/json", "application/problem+json")
MEDIA = {"application/problem+json": json_loads}


@functools.cache
def load_document(path: str) -> dict:
	"""A JSON or YAML document, gzipped or not; parsed once per process."""
	opener = gzip.open if path.endswith(".gz") else open
	with opener(path, "rt", encoding="utf-8") as handle:
		return json.load(handle) if ".json" in Path(path).name else yaml.safe_load(handle)


@functools.cache
def _openapi(path: str, patches: tuple = ()) -> OpenAPI:
	# Documents are taken as published. Sendcloud's uses 3.1 idioms (`type: "null"`) under a 3.0
	# header, which the document validator refuses outright; the operations' schemas still validate.
	config = Config(spec_validator_cls=None, extra_media_type_deserializers=MEDIA)
	return OpenAPI.from_dict(_document(path, patches), config=config)


@functools.cache
def _document(path: str, patches: tuple = ()) -> dict:
	return patched(load_document(path), patches)


@dataclass(frozen=True)
class Patch:
	"""A correction of a GENERATED document where its own published examples contradict the schema
	it inferred (Shiprocket's, generated from its Postman collection): `pointer` is a JSON pointer to a
	schema, `changes` are merged into it, `source` quotes the example that shows it."""

	pointer: str
	changes: str  # JSON: the keys and values merged into the schema (text, so patches are hashable)
	source: str

	@classmethod
	def of(cls, pointer: str, changes: dict, source: str) -> "Patch":
		return cls(pointer, json.dumps(changes, sort_keys=True), source)


def patched(document: dict, patches: tuple) -> dict:
	if not patches:
		return document
	document = copy.deepcopy(document)
	for patch in patches:
		node = document
		for part in patch.pointer.lstrip("/").split("/"):
			node = node[part.replace("~1", "/").replace("~0", "~")]
		node.update(json.loads(patch.changes))
	return document


@dataclass
class _OpenAPIRequest:
	"""openapi-core's Request protocol for a fake's request."""

	host_url: str
	path: str
	method: str
	body: bytes | None
	content_type: str
	parameters: RequestParameters


@dataclass
class _OpenAPIResponse:
	status_code: int
	data: bytes | None
	content_type: str
	headers: Headers = field(default_factory=Headers)


@dataclass(frozen=True)
class ExtraResponse:
	"""A response the document states in prose but leaves out of the operation's responses."""

	method: str
	path: str  # the document's path template, e.g. "/shipments/announce"
	status: int
	schema_of: int  # the documented status whose body this answer has
	source: str  # where the document says so, quoted


class OpenAPIContract(Contract):
	"""`spec_file`: the provider's OpenAPI document (JSON or YAML, may be gzipped).
	`error_answer(status, problems)` builds the service's own error response, in the shape the
	document gives its error responses."""

	def __init__(
		self,
		provider: str,
		spec_file: Path,
		error_answer: Callable[[int, list[Problem]], object],
		*,
		extra_responses: Iterable[ExtraResponse] = (),
		auth_error_schema: str | None = None,
		patches: Iterable[Patch] = (),
	):
		"""`auth_error_schema`: the component schema of the 401/403 a secured operation answers when
		the document leaves those statuses out of its responses (as OpenAPI allows)."""
		self.provider = provider
		self.spec_file = str(spec_file)
		self.error_answer = error_answer
		self.extra_responses = {(e.method.lower(), e.path, e.status): e for e in extra_responses}
		self.auth_error_schema = auth_error_schema
		self.patches = tuple(patches)

	# what the fakes call
	def check_request(self, request) -> list[Problem]:
		outside = self._outside(request)
		if outside:
			return [outside]
		wrapped = self._request(request)
		validators = (
			(V31RequestParametersValidator, V31RequestBodyValidator)
			if self.version_31
			else (V30RequestParametersValidator, V30RequestBodyValidator)
		)
		problems = [
			problem
			for validator in validators
			for error in validator(self.app.spec, extra_media_type_deserializers=MEDIA).iter_errors(wrapped)
			for problem in problems_of(error)
		]
		schema = self._request_schema(self.operation(request))
		if schema is None or not request.body:
			return problems
		try:
			body = request.json()
		except ValueError:
			return problems  # openapi-core has said so
		return problems + undeclared_keys(self.document, schema, body)

	def check_response(self, request, response) -> list[str]:
		if self._outside(request):
			return []  # refused before any route ran
		path, method = self._operation_key(request)
		if self._undocumented_auth_error(request, response):
			return self._check_component(self.auth_error_schema, response)
		extra = self.extra_responses.get((method, path, response.status))
		wrapped = _OpenAPIResponse(
			status_code=extra.schema_of if extra else response.status,
			data=response.encode() or None,
			content_type=content_type(response),
		)
		data_validator = V31ResponseDataValidator if self.version_31 else V30ResponseDataValidator
		validator = data_validator(self.app.spec, extra_media_type_deserializers=MEDIA)
		problems = [
			p for error in validator.iter_errors(self._request(request), wrapped) for p in problems_of(error)
		]
		schema = self._response_schema(self.operation(request), wrapped.status_code, wrapped.content_type)
		if schema is None or not is_json(response):
			return problems
		return problems + undeclared_keys(self.document, schema, json.loads(response.encode()))

	def refusal(self, request, problems):
		routes = [p for p in problems if p.kind == "route"]
		if routes:
			return self.error_answer(404, routes)
		return self.error_answer(400, problems)

	def load(self) -> "OpenAPIContract":
		"""Parse the document now (once per process), so no request waits for it."""
		self.app  # noqa: B018
		return self

	# the document
	@property
	def app(self) -> OpenAPI:
		return _openapi(self.spec_file, self.patches)

	@property
	def document(self) -> dict:
		return _document(self.spec_file, self.patches)

	@property
	def version_31(self) -> bool:
		return str(load_document(self.spec_file).get("openapi", "")).startswith("3.1")

	@property
	def server(self):
		return urlsplit(self.document["servers"][0]["url"])

	def operation(self, request) -> dict:
		path, method = self._operation_key(request)
		return self.document["paths"][path][method]

	def resolve(self, node):
		return resolve(self.document, node)

	# internals
	def _undocumented_auth_error(self, request, response) -> bool:
		operation = self.operation(request)
		secured = operation.get("security", self.document.get("security")) or any(
			self.document.get("components", {}).get("securitySchemes", {})
		)
		documented = str(response.status) in (operation.get("responses") or {})
		return (
			response.status in (401, 403)
			and bool(secured)
			and not documented
			and bool(self.auth_error_schema)
		)

	def _check_component(self, name: str, response) -> list[Problem]:
		if not is_json(response):
			return [Problem(f"{content_type(response)} where the document's {name} is JSON")]
		body = json.loads(response.encode())
		root = {"$ref": f"#/components/schemas/{name}", "components": self.document["components"]}
		problems = [
			Problem(error.message, "".join(f"/{part}" for part in error.absolute_path))
			for error in jsonschema.Draft7Validator(root).iter_errors(body)
		]
		return problems or undeclared_keys(self.document, {"$ref": f"#/components/schemas/{name}"}, body)

	def _outside(self, request) -> Problem | None:
		"""Why the document has no operation for `request`, or None when it has one."""
		where = f"{request.method} {request.path}"
		if request.path != self.server.path and not request.path.startswith(self.server.path + "/"):
			return Problem(f"{where} is not part of {self.provider}'s published API", kind="route")
		try:
			self._operation_key(request)
		except OperationNotFound:
			return Problem(f"{where}: {self.provider}'s published API has no such method here", kind="route")
		except PathError:
			return Problem(f"{where} is not part of {self.provider}'s published API", kind="route")
		return None

	def _operation_key(self, request) -> tuple[str, str]:
		method = request.method.lower()
		url = f"{self.server.scheme}://{self.server.netloc}{request.path}"
		found = APICallPathFinder(self.app.spec, base_url=None).find(method, url)
		return found.path.parts[-1], method

	def _request(self, request) -> _OpenAPIRequest:
		return _OpenAPIRequest(
			host_url=f"{self.server.scheme}://{self.server.netloc}",
			path=request.path,
			method=request.method.lower(),
			body=request.body or None,
			content_type=request.header("content-type", "application/json"),
			parameters=RequestParameters(
				query=ImmutableMultiDict(request.query),
				header=Headers(request.headers),
				cookie=ImmutableMultiDict(),
			),
		)

	def _request_schema(self, operation) -> dict | None:
		content = self.resolve(operation.get("requestBody") or {}).get("content") or {}
		return (content.get("application/json") or {}).get("schema")

	def _response_schema(self, operation, status: int, media_type: str) -> dict | None:
		responses = operation.get("responses") or {}
		answer = self.resolve(responses.get(str(status)) or responses.get("default") or {})
		media = (answer.get("content") or {}).get(media_type.split(";")[0].strip()) or {}
		return media.get("schema")


def content_type(response) -> str:
	for key, value in response.headers.items():
		if key.lower() == "content-type":
			return value
	return "application/json"  # what the fake server sends when a route names none


def is_json(response) -> bool:
	return content_type(response).split(";")[0].strip() in JSON_TYPES


REQUIRED = re.compile(r"^'(?P<name>.+)' is a required property$")


def problems_of(error: Exception) -> list[Problem]:
	"""openapi-core wraps the jsonschema errors that say what is wrong; bring them up as Problems."""
	seen, found, current = set(), [], error
	while current is not None and id(current) not in seen:
		seen.add(id(current))
		for schema_error in getattr(current, "schema_errors", None) or []:
			found += _schema_problems(schema_error)
		current = current.__cause__ or current.__context__
	return found or [Problem(f"{type(error).__name__}: {error}")]


def _schema_problems(schema_error) -> list[Problem]:
	if schema_error.context:  # oneOf/anyOf: what the closest branch (the fewest missing keys) objects to
		best = min(
			_branch_errors(schema_error.context).values(),
			key=lambda errors: (sum(e.validator == "required" for e in errors), len(errors)),
		)
		return [problem for inner in best for problem in _schema_problems(inner)]
	where = "".join(f"/{part}" for part in schema_error.absolute_path)
	required = REQUIRED.match(schema_error.message)
	if schema_error.validator == "required" and required:
		return [Problem("required", f"{where}/{required['name']}", kind="required")]
	return [Problem(schema_error.message, where)]


def _branch_errors(context) -> dict:
	branches: dict = {}
	for inner in context:
		branches.setdefault(inner.schema_path[0] if inner.schema_path else 0, []).append(inner)
	return branches


def resolve(document: dict, node):
	while isinstance(node, dict) and "$ref" in node:
		target = document
		for part in node["$ref"].lstrip("#/").split("/"):
			target = target[part.replace("~1", "/").replace("~0", "~")]
		node = target
	return node


def _alternatives(document: dict, schema) -> list[list[dict]]:
	"""The ways `schema` can be met: each a list of resolved parts that all apply (allOf merges,
	oneOf/anyOf branch)."""
	schema = resolve(document, schema)
	if not isinstance(schema, dict):
		return [[]]
	alternatives = [[schema]]
	for member in schema.get("allOf") or []:
		alternatives = [a + b for a in alternatives for b in _alternatives(document, member)]
	choices = [
		choice
		for key in ("oneOf", "anyOf")
		for branch in schema.get(key) or []
		for choice in _alternatives(document, branch)
	]
	if choices:
		alternatives = [a + c for a in alternatives for c in choices]
	return alternatives


def _allows(parts: list[dict], json_type: str) -> bool:
	for part in parts:
		declared = part.get("type")
		if declared is not None and json_type not in (declared if isinstance(declared, list) else [declared]):
			return False
	return True


def undeclared_keys(document: dict, schema, value, where: str = "") -> list[Problem]:
	"""Keys in `value` that `schema` does not declare. A schema with no `properties`, or with
	`additionalProperties`, is open; of several alternatives (oneOf/anyOf), the best one counts."""
	results = [_undeclared(document, parts, value, where) for parts in _alternatives(document, schema)]
	return min(results, key=len) if results else []


def _undeclared(document: dict, parts: list[dict], value, where: str) -> list[Problem]:
	if isinstance(value, dict):
		if not _allows(parts, "object"):
			return [Problem("an object where the schema has none", where)]
		declared, extra, open_ = {}, None, True
		for part in parts:
			if part.get("properties") is not None:
				open_ = False
				for key, inner in part["properties"].items():
					declared.setdefault(key, inner)
			if isinstance(part.get("additionalProperties"), dict):
				extra = part["additionalProperties"]
			if part.get("additionalProperties") is True:
				open_ = True
		problems = []
		for key, inner in value.items():
			if key in declared:
				problems += undeclared_keys(document, declared[key], inner, f"{where}/{key}")
			elif extra is not None:
				problems += undeclared_keys(document, extra, inner, f"{where}/{key}")
			elif not open_:
				problems.append(
					Problem("not declared by the published schema", f"{where}/{key}", "undeclared")
				)
		return problems
	if isinstance(value, list):
		if not _allows(parts, "array"):
			return [Problem("a list where the schema has none", where)]
		items = next((part["items"] for part in parts if isinstance(part.get("items"), dict)), None)
		if items is None:
			return []
		return [
			problem
			for index, inner in enumerate(value)
			for problem in undeclared_keys(document, items, inner, f"{where}/{index}")
		]
	return []
