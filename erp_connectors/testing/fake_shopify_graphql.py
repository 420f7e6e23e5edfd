"""The fake Shopify's GraphQL engine: each root field of the operation (parsed and checked by the
contract) goes to the fake's handler for that field, and the objects the handlers return are
projected onto the document as Shopify's executor projects its own, so the answer holds exactly
the fields the document selects.

Handlers return objects keyed by field name, which may hold more than one query selects. A field
the document selects that the fake's object lacks is a gap in the fake, and fails loudly; it never
becomes a quiet null. An object of an interface or union type says which type it is in
`__typename`. A value may be a function of the field's arguments.
"""

from graphql import execute


class FieldError(Exception):
	"""A root field Shopify answers with a top-level error (in `errors`, no data) instead of a value."""

	def __init__(self, message: str, code: str):
		super().__init__(message)
		self.message, self.code = message, code


def root_field(operation: str, name: str, cost):
	"""Mark a method as the fake's handler of a root field (`operation` "query" or "mutation");
	`cost` is its query cost in points, or a function of the field's arguments giving it."""

	def mark(func):
		func._root_field = (operation, name, cost)
		return func

	return mark


def root_handlers(fake) -> dict:
	"""(operation, field name) -> (bound handler, cost) for every handler the fake's classes mark."""
	found = {}
	for name in dir(type(fake)):
		marked = getattr(getattr(type(fake), name, None), "_root_field", None)
		if marked:
			operation, field_name, cost = marked
			found[(operation, field_name)] = (getattr(fake, name), cost)
	return found


def project(call, objects: dict) -> dict | None:
	"""The answer's `data`: the handlers' objects (keyed by root field response key) seen through
	the document."""
	result = execute(
		call.schema,
		call.document,
		root_value=objects,
		variable_values=call.raw_variables,
		operation_name=call.operation.name.value if call.operation.name else None,
		field_resolver=_field,
		type_resolver=_typename,
	)
	if result.errors:
		raise AssertionError(
			"the fake Shopify's objects do not fit the document: "
			+ "; ".join(f"{'.'.join(str(p) for p in e.path or [])}: {e.message}" for e in result.errors)
		)
	return result.data


def _field(source, info, **args):
	if not isinstance(source, dict):
		raise TypeError(f"the fake holds {source!r} where a {info.parent_type.name} object belongs")
	key = info.path.key if info.path.prev is None else info.field_name
	if key not in source:
		raise KeyError(f"the fake's {info.parent_type.name} has no {info.field_name!r}")
	value = source[key]
	return value(**args) if callable(value) else value


def _typename(value, info, abstract_type):
	return value.get("__typename") if isinstance(value, dict) else None
