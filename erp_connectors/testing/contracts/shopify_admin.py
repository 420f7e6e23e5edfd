"""Shopify's Admin GraphQL API, as its published schemas define it, checked on every call a fake
Shopify receives and every answer it serves.

A request: the URL's API version picks the schema that answers it (a version past Shopify's
support falls forward to the oldest supported one, as Shopify does; a version Shopify never
released is not found). The document must parse, pass validation against that schema with no
deprecated field, argument or enum value, and its variables must coerce to the operation's
variable definitions. A refused request gets Shopify's answer: HTTP 200 with `errors` (message,
locations, extensions), the variable problems as Shopify's executor reports them. What the
contract learnt about an accepted request is left on it as `request.graphql` (a GraphQLCall), so
the fake dispatches on the parsed operation's root fields.

An answer: `extensions.cost` has Shopify's shape, and `data` is executed against the same
document and schema (each field read by its response key; abstract types resolved by
`__typename`, or by which fragment's fields the object carries): a null in a non-null field, a
wrong scalar or an unknown enum value fails, and so does a key the document did not select or a
selected key that is missing, since Shopify sends exactly what was asked. A bulk operation's JSONL
file is checked the same way, against the bulk query it answers.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

from graphql import (
	FieldNode,
	FragmentSpreadNode,
	GraphQLError,
	InlineFragmentNode,
	OperationType,
	execute,
	get_operation_ast,
	is_abstract_type,
	parse,
	type_from_ast,
	validate,
)
from graphql import validation as rules
from graphql.execution.values import get_variable_values
from graphql.pyutils import Undefined
from graphql.utilities import value_from_ast

from erp_connectors.shopify_connector.api_versions import served_version
from erp_connectors.testing import contracts
from erp_connectors.testing.contracts import shopify_oauth
from erp_connectors.testing.contracts.shopify_schema import (
	admin_schema,
	deprecated_inputs,
	document_errors,
	input_problems,
	parsed,
	schema_versions,
)
from erp_connectors.testing.fake_server import Response

GRAPHQL_PATH = re.compile(r"^/admin/api/(?P<version>[^/]+)/graphql\.json$")

# graphql-ruby's error codes (Shopify's executor) for what graphql-core's rules find.
RULE_CODES = (
	(rules.FieldsOnCorrectTypeRule, "undefinedField"),
	(rules.KnownArgumentNamesRule, "argumentNotAccepted"),
	(rules.ProvidedRequiredArgumentsRule, "missingRequiredArguments"),
	(rules.KnownDirectivesRule, "undefinedDirective"),
	(rules.KnownTypeNamesRule, "undefinedType"),
	(rules.ScalarLeafsRule, "selectionMismatch"),
	(rules.ValuesOfCorrectTypeRule, "argumentLiteralsIncompatible"),
	(rules.VariablesInAllowedPositionRule, "variableMismatch"),
	(rules.VariablesAreInputTypesRule, "variableRequiresValidType"),
	(rules.NoUndefinedVariablesRule, "variableNotDefined"),
	(rules.NoUnusedVariablesRule, "variableNotUsed"),
	(rules.OverlappingFieldsCanBeMergedRule, "fieldConflict"),
	(rules.UniqueArgumentNamesRule, "argumentNotUnique"),
	(rules.UniqueInputFieldNamesRule, "inputFieldNotUnique"),
	(rules.UniqueVariableNamesRule, "variableNotUnique"),
	(rules.UniqueOperationNamesRule, "uniquelyNamedOperations"),
	(rules.PossibleFragmentSpreadsRule, "cannotSpreadFragment"),
	(rules.KnownFragmentNamesRule, "undefinedFragment"),
	(rules.NoUnusedFragmentsRule, "useAndDefineFragment"),
	# Not Shopify's: Shopify answers a deprecated field, and removes it in a later version.
	(rules.NoDeprecatedCustomRule, "deprecatedUsage"),
)


@dataclass
class GraphQLCall:
	"""An Admin API request as the contract understood it."""

	requested: str  # the API version in the URL
	version: str | None = None  # the version that answers it
	document: object = None
	operation: object = None
	raw_variables: dict = field(default_factory=dict)
	variables: dict = field(default_factory=dict)  # coerced to the operation's definitions
	refusal: Response | None = None
	problems: list = field(default_factory=list)

	@property
	def schema(self):
		return admin_schema(self.version)

	def root_fields(self) -> list["RootField"]:
		root = self.schema.mutation_type if self.operation.operation == OperationType.MUTATION else None
		root = root or self.schema.query_type
		found = []
		for node in self.operation.selection_set.selections:
			if not isinstance(node, FieldNode) or node.name.value == "__typename":
				continue
			definition = root.fields[node.name.value]
			directives = {
				d.name.value: self._arguments(self.schema.get_directive(d.name.value), d)
				for d in node.directives or ()
			}
			args = self._arguments(definition, node)
			key = node.alias.value if node.alias else node.name.value
			found.append(RootField(key, node.name.value, node, args, directives, self.version))
		return found

	def _arguments(self, definition, node) -> dict:
		"""The arguments written on `node`, with the request's variables in place."""
		values = {}
		for argument in node.arguments or ():
			value = value_from_ast(argument.value, definition.args[argument.name.value].type, self.variables)
			if value is not Undefined:
				values[argument.name.value] = value
		return values


@dataclass
class RootField:
	key: str  # response key (alias or name)
	name: str
	node: FieldNode
	args: dict
	directives: dict  # directive name -> its arguments
	version: str  # the API version answering it


class ShopifyAdminContract(contracts.Contract):
	provider = "Shopify Admin"

	def __init__(self, today: date | None = None):
		self.today = today  # None: the real date decides which versions Shopify still supports
		self.bulk_queries: dict[str, tuple[str, str]] = {}  # operation id -> (version, its query)
		self.bulk_files: dict[str, str] = {}  # download path -> operation id

	# requests
	def check_request(self, request) -> list[str]:
		if shopify_oauth.is_oauth(request.path):
			return shopify_oauth.request_problems(request)
		match = GRAPHQL_PATH.match(request.path)
		if not match or request.method != "POST":
			return []  # bulk downloads are checked as answers; the legacy REST routes have no contract here
		call = inspect_call(request, match["version"], self.today or date.today())
		request.graphql = call
		return call.problems

	def refusal(self, request, problems):
		if shopify_oauth.is_oauth(request.path):
			return Response(*shopify_oauth.refusal_body(problems))
		return request.graphql.refusal

	# answers
	def check_response(self, request, response) -> list[str]:
		if shopify_oauth.is_oauth(request.path):
			return shopify_oauth.response_problems(request, response)
		call = getattr(request, "graphql", None)
		if call is not None:
			problems = answer_problems(call, response)
			if not problems and response.status == 200:
				self._remember_bulk(call, (response.body or {}).get("data") or {})
			return problems
		operation = self.bulk_files.get(request.path)
		if operation is not None and response.status == 200:
			version, query = self.bulk_queries[operation]
			return bulk_file_problems(version, query, response.body)
		return []

	def _remember_bulk(self, call: GraphQLCall, data: dict):
		"""Which bulk query a download URL answers, from the run and status answers as Shopify gives them."""
		for root in call.root_fields():
			value = data.get(root.key) or {}
			if root.name == "bulkOperationRunQuery" and (value.get("bulkOperation") or {}).get("id"):
				self.bulk_queries[value["bulkOperation"]["id"]] = (call.version, root.args["query"])
			elif root.name in ("node", "bulkOperation") and value.get("url") and value.get("id"):
				self.bulk_files[urlsplit(value["url"]).path] = value["id"]


def inspect_call(request, requested: str, on: date) -> GraphQLCall:
	call = GraphQLCall(requested)
	call.version = served_version(requested, on)
	if call.version is None:
		return _refuse(
			call, Response(404, {"errors": "Not Found"}), f"Shopify has no API version {requested}"
		)
	if call.version not in schema_versions():
		message = (
			f"Shopify answers API version {requested} as {call.version} on {on}, and tests/data has no "
			f"Admin schema for {call.version}: add it (see tests/data/README.md)"
		)
		contracts.record_violation(f"ShopifyAdminContract: {message}")
		return _refuse(call, Response(500, {"errors": message}), message)
	try:
		body = request.json()
	except ValueError:
		body = None
	if not isinstance(body, dict) or not isinstance(body.get("query"), str):
		answer = Response(400, {"errors": {"query": "Required parameter missing or invalid"}})
		return _refuse(call, answer, "no GraphQL query in the body")
	errors = document_errors(call.version, body["query"])
	if errors:
		return _refuse(call, _errors_answer(call, body["query"], errors), *(e.message for e in errors))
	call.document = parsed(body["query"])
	call.operation = get_operation_ast(call.document, body.get("operationName"))
	if call.operation is None:
		error = {"message": "An operation name is required", "extensions": {"code": "operationNotFound"}}
		return _refuse(call, _answer([error]), error["message"])
	raw = body.get("variables") or {}
	if not isinstance(raw, dict):
		error = {"message": "Variables must be a JSON object"}
		return _refuse(call, _answer([error]), error["message"])
	call.raw_variables = raw
	errors = _coerce_variables(call)
	if errors:
		return _refuse(call, _answer(errors), *(e["message"] for e in errors))
	return call


def _refuse(call: GraphQLCall, answer: Response, *problems: str) -> GraphQLCall:
	call.refusal, call.problems = answer, list(problems)
	if call.version:
		answer.headers["X-Shopify-API-Version"] = call.version
	return call


def _answer(errors: list[dict]) -> Response:
	# Shopify answers a query it cannot run with HTTP 200 and `errors`, no `data`.
	return Response(200, {"errors": errors})


def _errors_answer(call: GraphQLCall, text: str, errors: list[GraphQLError]) -> Response:
	codes = {}
	try:
		document = parse(text)
	except GraphQLError:
		document = None
	if document is not None:
		schema = admin_schema(call.version)
		for rule, code in RULE_CODES:
			for error in validate(schema, document, [rule]):
				unknown = rule is rules.KnownDirectivesRule and "Unknown directive" not in error.message
				codes.setdefault(error.message, "directiveCannotBeApplied" if unknown else code)
	shaped = []
	for error in errors:
		entry = {"message": error.message}
		if error.locations:
			entry["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
		entry["extensions"] = {
			"code": codes.get(error.message, "parseError" if document is None else "invalid")
		}
		shaped.append(entry)
	return _answer(shaped)


def _coerce_variables(call: GraphQLCall) -> list[dict]:
	"""Each variable checked against its definition; invalid ones as Shopify's executor reports them
	(message, locations, extensions.value and extensions.problems[{path, explanation}])."""
	errors = []
	for definition in call.operation.variable_definitions or ():
		name = definition.variable.name.value
		type_ = type_from_ast(call.schema, definition.type)
		value = call.raw_variables.get(name)
		if name not in call.raw_variables and definition.default_value is not None:
			continue
		problems = [{"path": path, "explanation": message} for path, message in input_problems(value, type_)]
		for path, reason in deprecated_inputs(type_, value):
			problems.append({"path": list(path), "explanation": reason + " (refused by this suite)"})
		if problems:
			location = definition.loc.source.get_location(definition.loc.start) if definition.loc else None
			error = {
				"message": f"Variable ${name} of type {_signature(definition.type)} was provided invalid value",
				"extensions": {"value": value, "problems": problems},
			}
			if location:
				error["locations"] = [{"line": location.line, "column": location.column}]
			errors.append(error)
	if not errors:
		coerced = get_variable_values(
			call.schema, call.operation.variable_definitions or (), call.raw_variables
		)
		if isinstance(coerced, list):  # what the checks above missed, in graphql-core's words
			return [{"message": error.message} for error in coerced]
		call.variables = dict(getattr(coerced, "coerced", coerced))  # graphql-core 3.3 wraps them
	return errors


def _signature(type_node) -> str:
	kind = type_node.kind
	if kind == "non_null_type":
		return _signature(type_node.type) + "!"
	if kind == "list_type":
		return f"[{_signature(type_node.type)}]"
	return type_node.name.value


# answers
def answer_problems(call: GraphQLCall, response) -> list[str]:
	body = response.body
	if response.status != 200:
		return (
			[]
			if isinstance(body, dict) and "errors" in body
			else [f"HTTP {response.status} without `errors`"]
		)
	if not isinstance(body, dict):
		return ["the answer is not a JSON object"]
	problems = [
		f"unexpected top-level key {key!r}" for key in body if key not in ("data", "errors", "extensions")
	]
	problems += _cost_problems(body.get("extensions"))
	for error in body.get("errors") or []:
		problems += _error_problems(error)
	if "errors" not in body and not isinstance(body.get("data"), dict):
		problems.append("neither `data` nor `errors`")
	if isinstance(body.get("data"), dict) and call.operation is not None:
		problems += data_problems(
			call.schema, call.document, call.operation, call.raw_variables, body["data"]
		)
	return problems


def _cost_problems(extensions) -> list[str]:
	cost = (extensions or {}).get("cost")
	if not isinstance(cost, dict):
		return ["`extensions.cost` is missing: Shopify reports the query cost on every answer"]
	problems = []
	if not _number(cost.get("requestedQueryCost")):
		problems.append("extensions.cost.requestedQueryCost is not a number")
	if cost.get("actualQueryCost") is not None and not _number(cost["actualQueryCost"]):
		problems.append("extensions.cost.actualQueryCost is neither a number nor null")
	status = cost.get("throttleStatus")
	if not isinstance(status, dict):
		return [*problems, "extensions.cost.throttleStatus is missing"]
	for key in ("maximumAvailable", "currentlyAvailable", "restoreRate"):
		if not _number(status.get(key)):
			problems.append(f"extensions.cost.throttleStatus.{key} is not a number")
	extra = set(cost) - {"requestedQueryCost", "actualQueryCost", "throttleStatus"}
	return problems + [f"unexpected extensions.cost key {key!r}" for key in sorted(extra)]


def _number(value) -> bool:
	return isinstance(value, (int, float)) and not isinstance(value, bool)


def _error_problems(error) -> list[str]:
	if not isinstance(error, dict) or not isinstance(error.get("message"), str):
		return [f"an error without a message: {error!r}"]
	problems = []
	for location in error.get("locations") or []:
		if set(location) != {"line", "column"}:
			problems.append(f"an error location is not {{line, column}}: {location!r}")
	extensions = error.get("extensions")
	if extensions is not None and not isinstance((extensions or {}).get("code", ""), str):
		problems.append(f"an error's extensions.code is not a string: {extensions!r}")
	return problems


def data_problems(schema, document, operation, variables: dict, data: dict) -> list[str]:
	"""How `data` differs from any answer Shopify's executor can give to `operation`."""
	result = execute(
		schema,
		document,
		root_value=data,
		variable_values=variables,
		operation_name=operation.name.value if operation.name else None,
		field_resolver=_by_response_key,
		type_resolver=_runtime_type,
	)
	if result.errors:
		return [
			f"data.{'.'.join(str(p) for p in error.path or [])}: {error.message}" for error in result.errors
		]
	return differences(result.data, data)


def _by_response_key(source, info, **args):
	if not isinstance(source, dict):
		return None
	if info.path.key not in source:
		raise GraphQLError("selected, but missing")
	return source[info.path.key]


def _runtime_type(value, info, abstract_type):
	if not isinstance(value, dict):
		return None
	if value.get("__typename"):
		return value["__typename"]
	keys = set(value)
	for candidate in sorted(info.schema.get_possible_types(abstract_type), key=lambda t: t.name):
		selected = set()
		for node in info.field_nodes:
			selected |= _selected_keys(node.selection_set, candidate, info)
		if selected == keys:
			return candidate.name
	return None


def _selected_keys(selection_set, object_type, info) -> set:
	keys = set()
	for selection in selection_set.selections if selection_set else ():
		if isinstance(selection, FieldNode):
			keys.add(selection.alias.value if selection.alias else selection.name.value)
			continue
		if isinstance(selection, FragmentSpreadNode):
			fragment = info.fragments[selection.name.value]
			condition, inner = fragment.type_condition, fragment.selection_set
		elif isinstance(selection, InlineFragmentNode):
			condition, inner = selection.type_condition, selection.selection_set
		else:
			continue
		if condition is None or _applies(info.schema, condition.name.value, object_type):
			keys |= _selected_keys(inner, object_type, info)
	return keys


def _applies(schema, condition: str, object_type) -> bool:
	type_ = schema.get_type(condition)
	return type_ is object_type or (is_abstract_type(type_) and schema.is_sub_type(type_, object_type))


def differences(expected, served, path="data") -> list[str]:
	"""Where the served answer differs from what Shopify would send for the same values."""
	if isinstance(expected, dict) and isinstance(served, dict):
		found = [f"{path}.{key}: selected, but missing" for key in expected if key not in served]
		found += [f"{path}.{key}: not selected, but sent" for key in served if key not in expected]
		for key in expected.keys() & served.keys():
			found += differences(expected[key], served[key], f"{path}.{key}")
		return found
	if isinstance(expected, list) and isinstance(served, list) and len(expected) == len(served):
		return [
			p
			for i, (e, s) in enumerate(zip(expected, served, strict=True))
			for p in differences(e, s, f"{path}.{i}")
		]
	if expected != served or type(expected) is not type(served):
		return [f"{path}: Shopify would send {expected!r}, the fake sent {served!r}"]
	return []


# bulk operations
def bulk_file_problems(version: str, query: str, body) -> list[str]:
	"""A bulk result as Shopify writes it: one JSON object per line, each connection's nodes on lines
	of their own after their parent with `__parentId`, every line exactly what the query selects."""
	text = body.decode() if isinstance(body, bytes) else str(body or "")
	try:
		lines = [json.loads(line) for line in text.splitlines() if line.strip()]
	except ValueError as error:
		return [f"the bulk file is not JSONL: {error}"]
	schema, document = admin_schema(version), parsed(query)
	operation = get_operation_ast(document)
	[top] = [s for s in operation.selection_set.selections if isinstance(s, FieldNode)]
	node = _edge_node(top)
	nested = {
		(f.alias or f.name).value: _edge_node(f)
		for f in node.selection_set.selections
		if isinstance(f, FieldNode) and _edge_node(f) is not None
	}
	parents, problems = [], []
	for index, line in enumerate(lines):
		parent_id = line.pop("__parentId", None)
		if parent_id is None:
			parents.append({**line, **{key: {"edges": []} for key in nested}})
			continue
		if not parents or parents[-1].get("id") != parent_id:
			problems.append(f"line {index + 1}: its __parentId {parent_id} is not the object before it")
			continue
		owners = [
			k
			for k, n in nested.items()
			if {(s.alias or s.name).value for s in n.selection_set.selections} == set(line)
		]
		if len(owners) != 1:
			problems.append(
				f"line {index + 1}: its keys match no single connection the query selects: {sorted(line)}"
			)
			continue
		parents[-1][owners[0]]["edges"].append({"node": line})
	data = {(top.alias or top.name).value: {"edges": [{"node": parent} for parent in parents]}}
	return problems + data_problems(schema, document, operation, {}, data)


def _edge_node(connection: FieldNode) -> FieldNode | None:
	"""The `node` selection under a connection's `edges`, or None when `connection` is no connection."""
	for edges in connection.selection_set.selections if connection.selection_set else ():
		if isinstance(edges, FieldNode) and edges.name.value == "edges" and edges.selection_set:
			for node in edges.selection_set.selections:
				if isinstance(node, FieldNode) and node.name.value == "node":
					return node
	return None
