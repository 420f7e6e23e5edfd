"""The OpenAPI document and the v1 module describe the same API (read with ast: no frappe needed)."""

import ast
import json
from pathlib import Path

import pytest

API = Path(__file__).resolve().parents[2] / "erp_connectors" / "api"
PREFIX = "/api/method/erp_connectors.api.v1."
SPEC = json.loads((API / "openapi_v1.json").read_text())


def whitelisted_methods() -> dict[str, tuple[set[str], list[str]]]:
	"""name → (HTTP methods, parameter names) for every @frappe.whitelist function in v1.py."""
	found = {}
	for node in ast.parse((API / "v1.py").read_text()).body:
		if not isinstance(node, ast.FunctionDef):
			continue
		for decorator in node.decorator_list:
			if isinstance(decorator, ast.Call) and ast.unparse(decorator.func) == "frappe.whitelist":
				keywords = {k.arg: ast.literal_eval(k.value) for k in decorator.keywords}
				assert "allow_guest" not in keywords, f"{node.name}: only webhooks may allow guests"
				methods = {m.lower() for m in keywords.get("methods", ["GET", "POST"])}
				found[node.name] = (methods, [a.arg for a in node.args.args])
	return found


METHODS = whitelisted_methods()


def test_every_v1_method_is_in_the_spec_and_every_spec_path_is_a_method():
	spec_names = {path.removeprefix(PREFIX) for path in SPEC["paths"]}
	assert all(path.startswith(PREFIX) for path in SPEC["paths"])
	assert spec_names == set(METHODS)
	assert len(METHODS) == 7


@pytest.mark.parametrize("name", sorted(METHODS))
def test_http_methods_and_parameters_match(name):
	http_methods, params = METHODS[name]
	operations = SPEC["paths"][PREFIX + name]
	assert set(operations) == http_methods
	[operation] = operations.values()
	assert operation["operationId"] == name
	documented = {p["name"] for p in operation.get("parameters", [])}
	body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
	if "$ref" in body:
		body = SPEC["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
	documented |= set(body.get("properties", {}))
	assert documented == set(params)
	required = {p["name"] for p in operation.get("parameters", []) if p.get("required")} | set(
		body.get("required", [])
	)
	assert required <= set(params)


@pytest.mark.parametrize("name", sorted(METHODS))
def test_every_operation_documents_the_error_envelope(name):
	[operation] = SPEC["paths"][PREFIX + name].values()
	for status in ("403", "429"):
		schema = operation["responses"][status]["content"]["application/json"]["schema"]
		assert schema == {"$ref": "#/components/schemas/Error"}


def test_every_reference_resolves():
	text = json.dumps(SPEC)
	for ref in {part.split('"')[0] for part in text.split('"$ref": "#/components/schemas/')[1:]}:
		assert ref in SPEC["components"]["schemas"], ref
	assert SPEC["openapi"].startswith("3.1")
