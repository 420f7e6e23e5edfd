"""Every GraphQL document the Shopify connector sends, collected from the code itself, is valid
against Shopify's Admin schema of the pinned API version and uses nothing deprecated."""

import ast
import importlib
import json
import pkgutil
from pathlib import Path

import pytest
from graphql import GraphQLSyntaxError, OperationDefinitionNode, parse

from erp_connectors import shopify_connector
from erp_connectors.shopify_connector import bulk, stock
from erp_connectors.shopify_connector.api_versions import PINNED
from erp_connectors.testing.contracts.shopify_schema import document_errors

PACKAGE = Path(shopify_connector.__file__).parent


def _is_document(text) -> bool:
	try:
		return isinstance(text, str) and any(
			isinstance(d, OperationDefinitionNode) for d in parse(text).definitions
		)
	except GraphQLSyntaxError:
		return False


def _module_strings(name: str) -> dict:
	"""A module's top-level string constants: imported when it is pure, read from its source when
	it needs Frappe (so a document there is still found)."""
	try:
		module = importlib.import_module(f"{shopify_connector.__name__}.{name}")
		return {key: value for key, value in vars(module).items() if isinstance(value, str)}
	except ImportError:
		tree = ast.parse((PACKAGE / f"{name}.py").read_text())
		return {
			target.id: node.value.value
			for node in tree.body
			if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
			for target in node.targets
			if isinstance(target, ast.Name) and isinstance(node.value.value, str)
		}


def documents() -> dict[str, str]:
	found = {}
	for module in pkgutil.iter_modules([str(PACKAGE)]):
		if module.ispkg:
			continue
		for key, value in _module_strings(module.name).items():
			if _is_document(value):
				found[f"{module.name}.{key}"] = value
	# Composed when sent: the bulk backfill's query, sent inside bulkOperationRunQuery.
	found["bulk.orders_query(since)"] = bulk.orders_query("2026-01-01T00:00:00Z")
	found["bulk.orders_query(None)"] = bulk.orders_query(None)
	return found


DOCUMENTS = documents()


def test_every_flow_s_documents_are_found():
	flows = {name.split(".")[0] for name in DOCUMENTS}
	assert flows >= {
		"reconcile",  # the order poll
		"bulk",  # backfill: run, status, and the bulk query itself
		"catalog",  # variants by SKU
		"products",  # product import
		"product_push",
		"prices",
		"stock",
		"fulfillment",  # fulfillment orders, create, tracking
		"shop",  # test connection, webhooks registration
	}
	assert len(DOCUMENTS) >= 15


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_document_is_valid_at_the_pinned_version_with_nothing_deprecated(name):
	assert [error.message for error in document_errors(PINNED, DOCUMENTS[name])] == []


# Deprecated at 2026-10 and once used here; each must stay gone (Shopify removes deprecated fields).
DEPRECATED = {
	"ShopPlan.displayName": "The field ShopPlan.displayName is deprecated",
	"WebhookSubscriptionInput.callbackUrl": "WebhookSubscriptionInput.callbackUrl is deprecated",
	"Customer.email": "The field Customer.email is deprecated",
	"Customer.phone": "The field Customer.phone is deprecated",
}


@pytest.mark.parametrize("field", DEPRECATED)
def test_no_document_uses(field):
	users = [
		name
		for name, text in DOCUMENTS.items()
		if any(DEPRECATED[field] in error.message for error in document_errors(PINNED, text))
	]
	assert users == []


def test_the_stock_push_needs_a_version_with_idempotent_and_change_from_quantity():
	"""The old default (2025-07) is older than Shopify's oldest schema we carry (2025-10), which has
	neither the @idempotent directive nor changeFromQuantity: our stock push is refused there."""
	old = [error.message for error in document_errors("2025-10", stock.SET_QUANTITIES)]
	assert old == ["Unknown directive '@idempotent'."]
	assert document_errors(PINNED, stock.SET_QUANTITIES) == []


def test_the_doctype_default_and_the_client_default_are_the_pinned_version():
	doctype = json.loads((PACKAGE / "doctype" / "shopify_store" / "shopify_store.json").read_text())
	[field] = [f for f in doctype["fields"] if f["fieldname"] == "api_version"]
	assert field["default"] == PINNED
	from erp_connectors.shopify_connector.graphql_client import ShopifyGraphQL

	assert ShopifyGraphQL("acme.myshopify.com", "t").base_url.endswith(f"/admin/api/{PINNED}")
