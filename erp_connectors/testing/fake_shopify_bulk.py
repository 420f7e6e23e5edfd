"""The fake Shopify's bulk operations: bulkOperationRunQuery over the orders it holds, its status
through `node(id:)`, and the result as JSONL at a download URL, flattened as Shopify flattens it
(each nested connection's nodes on their own lines after their parent, with `__parentId`).

Mixed into `FakeShopifyAdmin` (its `orders` are GraphQL Order nodes).
"""

import json
import re

from erp_connectors.testing.fake_server import Response, route

CONNECTIONS = ("lineItems", "shippingLines")
IN_PROGRESS = "A bulk query operation for this app and shop is already in progress"


class ShopifyBulk:
	def __init__(self, *args, **kwargs):
		super().__init__(*args, **kwargs)
		self.bulk_operations: list[dict] = []
		self.bulk_polls_before_done = 1  # status polls that still answer RUNNING

	def is_bulk_download(self, request) -> bool:
		return request.path.startswith("/bulk/")

	def bulk_operation(self, query: str, variables: dict):
		if "bulkOperationRunQuery" in query:
			return 10, self._bulk_run
		if re.search(r"\bnode\(", query) and "BulkOperation" in query:
			return 1, self._bulk_status
		return None

	def _bulk_run(self, variables):
		running = [op for op in self.bulk_operations if op["status"] == "RUNNING"]
		if running:
			return {
				"bulkOperationRunQuery": {
					"bulkOperation": None,
					"userErrors": [{"field": None, "message": IN_PROGRESS}],
				}
			}
		text = variables.get("query") or ""
		if "edges" not in text or "node" not in text:
			return {
				"bulkOperationRunQuery": {
					"bulkOperation": None,
					"userErrors": [
						{"field": ["query"], "message": "Bulk queries must contain at least one connection."}
					],
				}
			}
		since = re.search(r"updated_at:>='?([^'\"\s]+)", text)
		orders = [o for o in self.orders if not since or o["updatedAt"] > since.group(1)]
		number = len(self.bulk_operations) + 1
		operation = {
			"id": f"gid://shopify/BulkOperation/{number}",
			"status": "RUNNING",
			"polls": 0,
			"number": number,
		}
		lines = [line for order in sorted(orders, key=lambda o: o["updatedAt"]) for line in _flatten(order)]
		operation["objectCount"] = len(lines)
		# Written once, as Shopify writes the file before it hands out the URL.
		operation["body"] = "".join(json.dumps(line) + "\n" for line in lines).encode()
		self.bulk_operations.append(operation)
		return {
			"bulkOperationRunQuery": {
				"bulkOperation": {"id": operation["id"], "status": "CREATED"},
				"userErrors": [],
			}
		}

	def _bulk_status(self, variables):
		operation = next((op for op in self.bulk_operations if op["id"] == variables.get("id")), None)
		if operation is None:
			return {"node": None}
		operation["polls"] += 1
		if operation["status"] == "RUNNING" and operation["polls"] > self.bulk_polls_before_done:
			operation["status"] = "COMPLETED"
		done = operation["status"] == "COMPLETED"
		return {
			"node": {
				"id": operation["id"],
				"status": operation["status"],
				"errorCode": None,
				"objectCount": str(operation["objectCount"]),
				"url": f"{self.url}/bulk/{operation['number']}.jsonl" if done and operation["body"] else None,
				"partialDataUrl": None,
			}
		}

	@route("GET", r"/bulk/(?P<number>\d+)\.jsonl")
	def bulk_download(self, request):
		operation = self.bulk_operations[int(request.params["number"]) - 1]
		return Response(200, operation["body"], {"Content-Type": "application/jsonl"})


def _flatten(order: dict) -> list[dict]:
	top = {key: value for key, value in order.items() if key not in CONNECTIONS}
	lines = [top]
	for connection in CONNECTIONS:
		for node in (order.get(connection) or {}).get("nodes") or []:
			lines.append({**node, "__parentId": order["id"]})
	return lines
