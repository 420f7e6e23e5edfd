"""Shopify's Admin GraphQL schemas, one per API version, as Shopify publishes them (tests/data), and
what a document sent with one of them must satisfy.

Each schema is the introspection result Shopify ships in its npm package @shopify/dev-mcp. It is
built once per process (it is big). Its custom scalars are given the wire formats Shopify
documents for them, so an answer that sends, say, a number where Shopify sends a Decimal string
fails. A document must pass graphql-core's standard validation and use nothing deprecated: Shopify
still accepts a deprecated field, but removes it in a later version, so the suite refuses it now.
"""

import functools
import gzip
import json
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from graphql import (
	GraphQLError,
	GraphQLInputObjectType,
	GraphQLSchema,
	NoDeprecatedCustomRule,
	build_client_schema,
	parse,
	specified_rules,
	validate,
)

try:
	from graphql.utilities import validate_input_value as _validate_input
except ImportError:  # graphql-core 3.2
	from graphql.utilities import coerce_input_value as _coerce_input

	_validate_input = None

DATA = Path(__file__).resolve().parents[3] / "tests" / "data"
SCHEMA_FILE = "shopify_admin_graphql_schema_{version}_introspection.json.gz"
RULES = (*specified_rules, NoDeprecatedCustomRule)


def schema_versions() -> list[str]:
	"""The API versions whose Admin schema the suite carries."""
	pattern = re.compile(SCHEMA_FILE.replace("{version}", r"(\d{4}-\d{2}|unstable)").replace(".", r"\."))
	return sorted(m.group(1) for path in DATA.iterdir() if (m := pattern.fullmatch(path.name)))


@functools.cache
def admin_schema(version: str) -> GraphQLSchema:
	with gzip.open(DATA / SCHEMA_FILE.format(version=version)) as file:
		introspection = json.load(file)
	schema = build_client_schema(introspection["data"])
	# Shopify's schema has deprecation inconsistencies that graphql-core's own schema validation
	# rejects; documents are still validated against it in full.
	schema._validation_errors = []
	for name, serialize in SCALAR_FORMATS.items():
		scalar = schema.type_map.get(name)
		if scalar is not None:
			scalar.serialize = serialize
			if hasattr(scalar, "coerce_output_value"):  # what graphql-core 3.3 calls it
				scalar.coerce_output_value = serialize
	return schema


@functools.lru_cache(maxsize=512)
def parsed(text: str):
	return parse(text)


def document_errors(version: str, text: str) -> list[GraphQLError]:
	"""Why Shopify (or our no-deprecated rule) would refuse `text` at `version`; empty when valid."""
	try:
		document = parsed(text)
	except GraphQLError as error:
		return [error]
	return validate(admin_schema(version), document, RULES)


def input_problems(value, type_) -> list[tuple[list, str]]:
	"""(path, message) for every way `value` does not fit the input type `type_`."""
	found = []
	if _validate_input is not None:  # graphql-core 3.3
		_validate_input(value, type_, lambda error, path: found.append((list(path), error.message)))
	else:  # graphql-core 3.2 reports the same through coercion
		_coerce_input(value, type_, lambda path, _value, error: found.append((list(path), error.message)))
	return found


def deprecated_inputs(type_, value, path=()) -> list[tuple[tuple, str]]:
	"""(path, reason) for every deprecated input field or enum value used inside a variable's value:
	NoDeprecatedCustomRule only sees what is written in the document itself."""
	type_ = _named(type_)
	found = []
	if isinstance(value, list):
		for index, item in enumerate(value):
			found += deprecated_inputs(type_, item, (*path, index))
	elif isinstance(type_, GraphQLInputObjectType) and isinstance(value, dict):
		for key, item in value.items():
			field = type_.fields.get(key)
			if field is None:
				continue  # unknown fields are coercion's business
			if field.deprecation_reason:
				found.append(((*path, key), f"{type_.name}.{key} is deprecated: {field.deprecation_reason}"))
			found += deprecated_inputs(field.type, item, (*path, key))
	elif hasattr(type_, "values") and isinstance(value, str) and value in type_.values:
		reason = type_.values[value].deprecation_reason
		if reason:
			found.append((path, f"{type_.name}.{value} is deprecated: {reason}"))
	return found


def _named(type_):
	while hasattr(type_, "of_type"):
		type_ = type_.of_type
	return type_


# Output formats of Shopify's custom scalars, as each one's description in the schema states them.
def _string_matching(name: str, pattern: str):
	regex = re.compile(pattern)

	def serialize(value):
		if not isinstance(value, str) or not regex.fullmatch(value):
			raise GraphQLError(
				f"{name} cannot represent {value!r}: Shopify sends it as a string like {pattern}"
			)
		return value

	return serialize


def _date_time(value):
	if isinstance(value, str):
		try:
			parsed_value = datetime.fromisoformat(value.replace("Z", "+00:00"))
		except ValueError:
			parsed_value = None
		if parsed_value is not None and parsed_value.tzinfo is not None:
			return value
	raise GraphQLError(
		f"DateTime cannot represent {value!r}: Shopify sends an ISO 8601 date and time with its zone"
	)


def _url(value):
	if isinstance(value, str):
		parts = urlsplit(value)
		if parts.scheme and (parts.netloc or parts.scheme == "mailto"):
			return value
	raise GraphQLError(f"URL cannot represent {value!r}: Shopify sends an absolute URI string")


def _string(name: str):
	def serialize(value):
		if not isinstance(value, str):
			raise GraphQLError(f"{name} cannot represent {value!r}: Shopify sends a string")
		return value

	return serialize


SCALAR_FORMATS = {
	"Decimal": _string_matching("Decimal", r"-?\d+(\.\d+)?"),
	"Money": _string_matching("Money", r"-?\d+(\.\d+)?"),
	"UnsignedInt64": _string_matching("UnsignedInt64", r"\d+"),
	"BigInt": _string_matching("BigInt", r"-?\d+"),
	"Date": _string_matching("Date", r"\d{4}-\d{2}-\d{2}"),
	"Color": _string_matching("Color", r"#[0-9A-Fa-f]{6}"),
	"UtcOffset": _string_matching("UtcOffset", r"[+-]\d{2}:\d{2}"),
	"DateTime": _date_time,
	"URL": _url,
	"HTML": _string("HTML"),
	"FormattedString": _string("FormattedString"),
	"ARN": _string("ARN"),
	"StorefrontID": _string("StorefrontID"),
}
