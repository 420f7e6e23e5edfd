"""The fake Shopify's bulk operations: bulkOperationRunQuery over the orders it holds, its status
through `node(id:)`, and the result as JSONL at a download URL, flattened as Shopify flattens it
(each nested connection's nodes on their own lines after their parent, with `__parentId`).

The bulk query is validated against the same Admin schema as the request that carries it (an
invalid one is a userError, as Shopify answers it) and run over the fake's orders through the
document, so each line holds exactly what the query selects.

Mixed into `FakeShopifyAdmin` (its `orders` are GraphQL Order objects).
"""

import json
import re

from graphql import get_operation_ast

from erp_connectors.testing.contracts.shopify_admin import GraphQLCall
from erp_connectors.testing.contracts.shopify_schema import document_errors, parsed
from erp_connectors.testing.fake_server import Response, route
from erp_connectors.testing.fake_shopify_graphql import project, root_field

IN_PROGRESS = "A bulk query operation for this app and shop is already in progress"


class ShopifyBulk:
	def __init__(self, *args, **kwargs):
		super().__init__(*args, **kwargs)
		self.bulk_operations: list[dict] = []
		self.bulk_polls_before_done = 1  # status polls that still answer RUNNING

	def is_bulk_download(self, request) -> bool:
		return request.path.startswith("/bulk/")

	@root_field("mutation", "bulkOperationRunQuery", 10)
	def _bulk_run(self, root):
		if any(op["status"] == "RUNNING" for op in self.bulk_operations):
			return _refused(None, IN_PROGRESS, "OPERATION_IN_PROGRESS")
		text = root.args["query"]
		errors = document_errors(root.version, text)
		if errors:
			return _refused(["query"], f"Invalid bulk query: {errors[0].message}", "INVALID")
		if "edges" not in text or "node" not in text:
			return _refused(["query"], "Bulk queries must contain at least one connection.", "INVALID")
		document = parsed(text)
		call = GraphQLCall(root.version, root.version, document, get_operation_ast(document))
		data = project(call, {"orders": self._orders_matching})
		lines = [line for edge in data["orders"]["edges"] for line in _flatten(edge["node"])]
		number = len(self.bulk_operations) + 1
		operation = {
			"__typename": "BulkOperation",
			"id": f"gid://shopify/BulkOperation/{number}",
			"status": "RUNNING",
			"errorCode": None,
			"objectCount": str(len(lines)),
			"partialDataUrl": None,
			"url": None,
			"polls": 0,
			"number": number,
			# Written once, as Shopify writes the file before it hands out the URL.
			"body": "".join(json.dumps(line) + "\n" for line in lines).encode(),
		}
		self.bulk_operations.append(operation)
		return {"bulkOperation": {**operation, "status": "CREATED"}, "userErrors": []}

	def _orders_matching(self, query=None, sortKey=None, **_):
		since = re.search(r"updated_at:>='?([^'\"\s]+)", query or "")
		orders = sorted(
			(o for o in self.orders if not since or o["updatedAt"] > since.group(1)),
			key=lambda o: o["updatedAt"],
		)
		return {"edges": [{"node": order} for order in orders]}

	@root_field("query", "node", 1)
	def _bulk_status(self, root):
		operation = next((op for op in self.bulk_operations if op["id"] == root.args["id"]), None)
		if operation is None:
			return None
		operation["polls"] += 1
		if operation["status"] == "RUNNING" and operation["polls"] > self.bulk_polls_before_done:
			operation["status"] = "COMPLETED"
			if int(operation["objectCount"]):
				operation["url"] = f"{self.url}/bulk/{operation['number']}.jsonl"
		return operation

	@route("GET", r"/bulk/(?P<number>\d+)\.jsonl")
	def bulk_download(self, request):
		operation = self.bulk_operations[int(request.params["number"]) - 1]
		return Response(200, operation["body"], {"Content-Type": "application/jsonl"})


def _refused(field, message, code):
	return {"bulkOperation": None, "userErrors": [{"field": field, "message": message, "code": code}]}


def _flatten(node: dict) -> list[dict]:
	"""One object of the result as Shopify's JSONL: the object without its nested connections, then
	each connection's nodes on lines of their own, carrying `__parentId`."""
	nested = {key for key, value in node.items() if isinstance(value, dict) and "edges" in value}
	lines = [{key: value for key, value in node.items() if key not in nested}]
	for key in nested:
		for edge in node[key]["edges"]:
			lines.append({**edge["node"], "__parentId": node["id"]})
	return lines
