"""Stripe's v1 operations, as the official SDK (stripe-python, "generated from our OpenAPI spec") names them.

Each service method of the installed SDK calls `self._request("get", "/v1/...")` with its params
TypedDict and returns its resource model. Reading those calls (with `ast`, without running them)
gives the table a fake is checked against: which method and path exist, which params type the
body or query must fit, and which model the answer must fit. Nothing here is our own reading of
the API; upgrading the SDK upgrades the table.
"""

import ast
import functools
import importlib
import re
import typing
from dataclasses import dataclass
from pathlib import Path

import stripe

API_VERSION = stripe.api_version  # the version the SDK pins, and the one its models describe


@dataclass(frozen=True)
class Operation:
	method: str  # "GET", "POST", "DELETE"
	template: str  # "/v1/checkout/sessions/{session}"
	params: tuple[str, str] | None  # (module, name) of the params TypedDict; None when it takes none
	returns: str  # the model as the SDK annotates it: "Session", "ListObject[Session]"
	module: str  # where `returns` is resolved

	@property
	def params_type(self):
		return getattr(importlib.import_module(self.params[0]), self.params[1]) if self.params else None

	@functools.cached_property
	def pattern(self) -> re.Pattern:
		return re.compile("^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(self.template)) + "$")

	@functools.cached_property
	def placeholders(self) -> int:
		return self.template.count("{")


def _imports(tree: ast.Module) -> dict[str, tuple[str, str]]:
	"""Local name -> (module, name) for every `from x import y [as z]` in a module, TYPE_CHECKING ones too."""
	names = {}
	for node in ast.walk(tree):
		if isinstance(node, ast.ImportFrom) and node.module:
			for alias in node.names:
				names[alias.asname or alias.name] = (node.module, alias.name)
	return names


def _string(node) -> str | None:
	if isinstance(node, ast.Constant) and isinstance(node.value, str):
		return node.value
	if (  # "/v1/x/{id}".format(id=...)
		isinstance(node, ast.Call)
		and isinstance(node.func, ast.Attribute)
		and node.func.attr == "format"
		and isinstance(node.func.value, ast.Constant)
	):
		return node.func.value.value
	return None


def _params_name(function: ast.FunctionDef) -> str | None:
	for arg in function.args.args + function.args.kwonlyargs:
		if arg.arg == "params" and arg.annotation is not None:
			found = [
				n.value
				for n in ast.walk(arg.annotation)
				if isinstance(n, ast.Constant) and isinstance(n.value, str)
			]
			return found[0] if found else None
	return None


def _request_call(function: ast.FunctionDef):
	for node in ast.walk(function):
		if (
			isinstance(node, ast.Call)
			and isinstance(node.func, ast.Attribute)
			and node.func.attr == "_request"
			and len(node.args) >= 2
		):
			return node
	return None


def _operations_in(path: Path, module: str) -> list[Operation]:
	tree = ast.parse(path.read_text(encoding="utf-8"))
	imports = _imports(tree)
	found = []
	for function in ast.walk(tree):
		if not isinstance(function, ast.FunctionDef):
			continue
		call = _request_call(function)
		method, template = (_string(call.args[0]), _string(call.args[1])) if call else (None, None)
		if not method or not template or not template.startswith("/v1/"):
			continue
		params_name = _params_name(function)
		params = imports[params_name] if params_name else None
		returns = _string(function.returns) or ""
		found.append(Operation(method.upper(), template, params, returns, module))
	return found


@functools.cache
def operations() -> tuple[Operation, ...]:
	"""Every v1 operation of the installed SDK."""
	root = Path(stripe.__file__).parent
	found = []
	for path in sorted(root.rglob("_*_service.py")):
		relative = path.relative_to(root.parent).with_suffix("")
		if relative.parts[1] == "v2":
			continue  # API v2 speaks JSON, not form encoding; we use none of it
		found += _operations_in(path, ".".join(relative.parts))
	return tuple(found)


def find(method: str, path: str) -> Operation | None:
	"""The operation for `method path`; a literal segment beats a placeholder (`/search` before `/{id}`)."""
	matches = [op for op in operations() if op.method == method and op.pattern.match(path)]
	return min(matches, key=lambda op: op.placeholders) if matches else None


def path_exists(path: str) -> bool:
	return any(op.pattern.match(path) for op in operations())


@functools.cache
def module_imports(module: str) -> dict[str, tuple[str, str]]:
	source = Path(importlib.import_module(module).__file__).read_text(encoding="utf-8")
	return _imports(ast.parse(source))


def resolve(name: str, module: str):
	"""A name as annotated in an SDK module (`Session`, `CardResource`) -> the class it stands for."""
	source, original = module_imports(module)[name]
	return getattr(importlib.import_module(source), original)


def closed_enum(args: tuple) -> tuple:
	"""A union's members, without the `str` the SDK adds beside an enum's Literal.

	stripe-python writes enums as `Union[Literal["a", "b"], str]` so that values Stripe adds later do
	not break old clients; the spec's enum is the Literal. Stripe refuses other values in a request,
	and a fake claiming the SDK's API version must not send them. An emptyable string
	(`Literal[""] | str`) keeps its `str`.
	"""
	literals = [a for a in args if typing.get_origin(a) is typing.Literal]
	if any(value != "" for literal in literals for value in typing.get_args(literal)):
		return tuple(a for a in args if a is not str)
	return args
