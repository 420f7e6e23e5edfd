"""JSON Schemas of Stripe objects, read from the SDK's resource models (stripe-python, generated from
Stripe's OpenAPI spec at the API version the SDK pins).

The generator writes each object as a class whose annotations are the spec's properties:
a property the spec requires (always present, never null) is annotated with its plain type, any
other is `Optional[...]`; enums are `Literal[...]`, expandable fields `ExpandableField[X]` (the id,
or the object when expanded), lists of objects `ListObject[X]`. So the schema of a class has exactly
its annotated properties (`additionalProperties: false`), `required` = the non-Optional ones, and
the types and enums as annotated. Schemas are built lazily, class by class, as a validation reaches
them through a `$ref`, so an expandable field costs nothing until an expanded object is checked.
"""

import functools
import importlib
import sys
import typing
from decimal import Decimal

import jsonschema
import referencing
from referencing.jsonschema import DRAFT202012
from stripe._error_object import ErrorObject
from stripe._list_object import ListObject
from stripe._object_classes import OBJECT_CLASSES
from stripe._search_result_object import SearchResultObject
from stripe._stripe_object import StripeObject, UntypedStripeObject

from erp_connectors.testing.contracts.stripe_operations import closed_enum, module_imports, resolve

_URN = "urn:stripe-model:"
# Stripe's API reference ("Errors") documents these four error types; the SDK keeps `type` a plain str.
ERROR_TYPES = ["api_error", "card_error", "idempotency_error", "invalid_request_error"]


def ref(cls) -> dict:
	return {"$ref": f"{_URN}{cls.__module__}:{cls.__qualname__}"}


def model_of(object_name: str):
	"""The model class for an `object` value such as "checkout.session"."""
	module, name = OBJECT_CLASSES[object_name]
	return getattr(importlib.import_module(module), name)


def list_schema(items: dict) -> dict:
	return {
		"type": "object",
		"properties": {
			"object": {"enum": ["list"]},
			"data": {"type": "array", "items": items},
			"has_more": {"type": "boolean"},
			"url": {"type": "string"},
		},
		"required": ["object", "data", "has_more", "url"],
		"additionalProperties": False,
	}


def error_schema() -> dict:
	error = dict(class_schema(ErrorObject))
	error["properties"] = {**error["properties"], "type": {"enum": ERROR_TYPES}}
	return {
		"type": "object",
		"properties": {"error": error},
		"required": ["error"],
		"additionalProperties": False,
	}


def _lookup(name: str, owner):
	"""A forward reference written in `owner`'s module (often a TYPE_CHECKING import) -> the class."""
	module = sys.modules[owner.__module__]
	head, *rest = name.split(".")
	found = getattr(module, head, None)
	if found is None:
		found = resolve(head, module.__name__) if head in module_imports(module.__name__) else None
	if found is None:
		raise LookupError(f"{owner.__qualname__}: cannot resolve {name!r}")
	for part in rest:
		found = getattr(found, part)
	return found


def _is_optional(tp) -> bool:
	return typing.get_origin(tp) is typing.Union and type(None) in typing.get_args(tp)


def schema(tp, owner) -> dict:
	"""The JSON Schema of one annotation found on `owner`."""
	if isinstance(tp, typing.ForwardRef):
		tp = _lookup(tp.__forward_arg__, owner)
	elif isinstance(tp, str):
		tp = _lookup(tp, owner)
	origin, args = typing.get_origin(tp), typing.get_args(tp)
	if tp is typing.Any or tp is object:
		return {}
	if tp is type(None):
		return {"type": "null"}
	if origin is typing.Union:
		return {"anyOf": [schema(arg, owner) for arg in closed_enum(args)]}
	if origin is typing.Literal:
		return {"enum": list(args)}
	if origin is list:
		return {"type": "array", "items": schema(args[0], owner)}
	if origin is dict:
		return {"type": "object", "additionalProperties": schema(args[1], owner)}
	if origin in (ListObject, SearchResultObject):
		return list_schema(schema(args[0], owner))
	if origin is UntypedStripeObject or tp is UntypedStripeObject or tp is StripeObject:
		return {"type": "object"}
	if tp is bool:
		return {"type": "boolean"}
	if tp is int:
		return {"type": "integer"}
	if tp is float:
		return {"type": "number"}
	if tp in (str, Decimal):  # Stripe sends decimals as strings ("decimal_string")
		return {"type": "string"}
	if isinstance(tp, type) and issubclass(tp, StripeObject):
		return ref(tp)
	raise TypeError(f"{owner.__qualname__}: no JSON Schema rule for the SDK type {tp!r}")


def _annotations(cls) -> dict:
	found = {}
	for klass in reversed(cls.__mro__):
		if klass is StripeObject or not (isinstance(klass, type) and issubclass(klass, StripeObject)):
			continue
		for name, tp in vars(klass).get("__annotations__", {}).items():
			if (
				not name.startswith("_")
				and typing.get_origin(tp) is not typing.ClassVar
				and name != "OBJECT_NAME"
			):
				found[name] = tp
	return found


@functools.cache
def class_schema(cls) -> dict:
	renamed = getattr(cls, "_field_remappings", {})  # `in_` in Python is `in` on the wire
	properties, required = {}, []
	for name, tp in _annotations(cls).items():
		wire = renamed.get(name, name)
		properties[wire] = schema(tp, cls)
		if not _is_optional(tp):
			required.append(wire)
	return {
		"type": "object",
		"properties": properties,
		"required": required,
		"additionalProperties": False,
	}


def _retrieve(uri: str):
	module, qualname = uri[len(_URN) :].split(":")
	cls = importlib.import_module(module)
	for part in qualname.split("."):
		cls = getattr(cls, part)
	return DRAFT202012.create_resource(class_schema(cls))


_REGISTRY = referencing.Registry(retrieve=_retrieve)


def validator(root: dict) -> jsonschema.Draft202012Validator:
	return jsonschema.Draft202012Validator(root, registry=_REGISTRY)


@functools.cache
def _validator_for_ref(uri: str) -> jsonschema.Draft202012Validator:
	return validator({"$ref": uri})


def problems(instance, root: dict | None = None, model=None, limit: int = 5) -> list[str]:
	"""How `instance` breaks the schema `root` (or the schema of `model`); empty when it fits."""
	check = _validator_for_ref(ref(model)["$ref"]) if model is not None else validator(root)
	found = []
	for error in sorted(check.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path))):
		found.append(_describe(error))
		if len(found) >= limit:
			break
	return found


def _describe(error) -> str:
	where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path) or "(top)"
	if error.validator == "anyOf" and error.context:
		# name the narrowest way the value fails, not the whole union
		deepest = max(error.context, key=lambda e: len(e.absolute_path))
		return _describe(deepest)
	message = error.message
	return f"{where.lstrip('.')}: {message[:300]}"
