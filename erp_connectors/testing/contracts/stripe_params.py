"""A form-encoded Stripe request checked against the SDK's params TypedDict for its operation.

Stripe takes `a[b][0][c]=v` pairs. Each path must name a key the TypedDict has (nested TypedDicts,
list indexes, free-form maps such as metadata), each value must fit its type (integer, boolean,
Literal enum, ...), and every key the TypedDict requires must be there. A problem comes back with
the `param` and `code` Stripe's own error would carry (codes from the SDK's error-code Literal).
"""

import re
import sys
import types
import typing
from dataclasses import dataclass
from decimal import Decimal

import typing_extensions
from stripe._request_options import RequestOptions
from stripe._stripe_object import UntypedStripeObject

from erp_connectors.testing.contracts.stripe_operations import closed_enum

_WRAPPERS = {typing_extensions.NotRequired, typing_extensions.Required, typing_extensions.Annotated}
_OPTIONS = set(RequestOptions.__annotations__)  # given to the SDK, never sent as params
_INTEGER = re.compile(r"^-?\d+$")
_DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")


@dataclass(frozen=True)
class Problem:
	param: str
	message: str
	code: str | None = None

	def __str__(self):
		return f"{self.param}: {self.message}"


def tree(pairs) -> dict:
	"""`a[b][0]=v` pairs -> nested dicts keyed by each bracket segment (indexes stay strings)."""
	root: dict = {}
	for key, value in pairs:
		parts = [key.split("[", 1)[0]] + re.findall(r"\[([^\]]*)\]", key)
		node = root
		for part in parts[:-1]:
			if not isinstance(node.get(part), dict):
				node[part] = {}
			node = node[part]
		node[parts[-1]] = value
	return root


def check(params_type, pairs) -> list[Problem]:
	"""Problems Stripe would refuse the request for; none when `params_type` is None and no pairs came."""
	problems: list[Problem] = []
	node = tree(pairs)
	if params_type is None:
		return [Problem(key, f"Received unknown parameter: {key}", "parameter_unknown") for key in node]
	_typed_dict(params_type, node, "", problems)
	return problems


def _name(parent: str, key: str) -> str:
	return f"{parent}[{key}]" if parent else key


def _resolve(tp, namespace: dict):
	while True:
		if isinstance(tp, str):
			tp = eval(tp, namespace)  # noqa: S307 - the SDK's own annotation strings
		elif isinstance(tp, typing.ForwardRef):
			tp = eval(tp.__forward_arg__, namespace)  # noqa: S307
		elif typing.get_origin(tp) in _WRAPPERS:
			tp = typing.get_args(tp)[0]
		else:
			return tp


def _hints(params_type) -> dict:
	namespace = vars(sys.modules[params_type.__module__])
	options = _OPTIONS if RequestOptions in getattr(params_type, "__orig_bases__", ()) else set()
	return {
		key: (value, namespace) for key, value in params_type.__annotations__.items() if key not in options
	}


def _typed_dict(params_type, node, param, problems):
	if not isinstance(node, dict):
		problems.append(Problem(param, f"Invalid hash: {param} must be an object, not {node!r}"))
		return
	hints = _hints(params_type)
	for key, value in node.items():
		if key not in hints:
			name = _name(param, key)
			problems.append(Problem(name, f"Received unknown parameter: {name}", "parameter_unknown"))
			continue
		annotation, namespace = hints[key]
		_value(annotation, namespace, value, _name(param, key), problems)
	for key in sorted(params_type.__required_keys__ & set(hints) - set(node)):
		name = _name(param, key)
		problems.append(Problem(name, f"Missing required param: {name}.", "parameter_missing"))


def _value(annotation, namespace, node, param, problems):
	tp = _resolve(annotation, namespace)
	origin, args = typing.get_origin(tp), typing.get_args(tp)
	if origin in (typing.Union, types.UnionType):
		tries = []
		for option in closed_enum(args):
			found: list[Problem] = []
			_value(option, namespace, node, param, found)
			if not found:
				return
			tries.append(found)
		problems.extend(min(tries, key=len))
	elif typing_extensions.is_typeddict(tp):
		_typed_dict(tp, node, param, problems)
	elif origin is list:
		if not isinstance(node, dict) or not all(key.isdigit() or key == "" for key in node):
			problems.append(Problem(param, f"Invalid array: {param} must be a list"))
			return
		for key, item in node.items():
			_value(args[0], namespace, item, _name(param, key), problems)
	elif origin is dict or UntypedStripeObject in (tp, origin):
		if node == "":
			return  # "All keys can be unset by posting an empty value" (the SDK's own docstring)
		if not isinstance(node, dict):
			problems.append(Problem(param, f"Invalid hash: {param} must be an object, not {node!r}"))
			return
		inner = args[-1] if args else str
		for key, item in node.items():
			_value(inner, namespace, item, _name(param, key), problems)
	else:
		_leaf(tp, origin, args, node, param, problems)


def _leaf(tp, origin, args, node, param, problems):
	if isinstance(node, dict):
		problems.append(Problem(param, f"Invalid {param}: expected a single value, got an object"))
	elif tp is typing.Any or tp is object:
		return
	elif origin in (typing.Literal, typing_extensions.Literal):
		allowed = [_form(value) for value in args]
		if node not in allowed:
			shown = ", ".join(allowed[:8]) + (", ..." if len(allowed) > 8 else "")
			problems.append(Problem(param, f"Invalid {param}: must be one of {shown}"))
	elif tp is bool:
		if node not in ("true", "false"):
			problems.append(Problem(param, f"Invalid boolean: {node}"))
	elif tp is int:
		if not _INTEGER.match(node):
			problems.append(Problem(param, f"Invalid integer: {node}", "parameter_invalid_integer"))
	elif tp in (float, Decimal):
		if not _DECIMAL.match(node):
			problems.append(Problem(param, f"Invalid decimal: {node}"))
	elif tp is str:
		return
	else:
		raise TypeError(f"{param}: no rule for the SDK type {tp!r}")


def _form(value) -> str:
	"""A Literal value as the SDK encodes it in a form."""
	if isinstance(value, bool):
		return "true" if value else "false"
	return str(value)
