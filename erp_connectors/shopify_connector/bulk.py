"""Initial backfill with a bulk operation: Shopify runs the whole orders query itself and hands
back one JSONL file, which is streamed line by line, so memory holds one order at a time however
many there are. Pure, apart from the client and HTTP session it is given.

In the file each order's nested connections (its line items and shipping lines) follow it as
lines of their own carrying `__parentId`; an order is complete when the next order begins.
"""

import json
import time
from collections.abc import Callable, Iterable, Iterator

import requests

from erp_connectors.connectors.errors import PermanentError, TransientError
from erp_connectors.shopify_connector.graphql_client import RESULT_HOSTS, ShopifyGraphQL, user_errors
from erp_connectors.shopify_connector.reconcile import LINE_FIELDS, ORDER_FIELDS, SHIPPING_FIELDS, rest_order

RUN = """
mutation Backfill($query: String!) {
  bulkOperationRunQuery(query: $query) { bulkOperation { id status } userErrors { field message } }
}
"""
STATUS = """
query BulkStatus($id: ID!) {
  node(id: $id) { ... on BulkOperation { id status errorCode objectCount url partialDataUrl } }
}
"""
FINISHED = {"COMPLETED", "FAILED", "CANCELED", "EXPIRED"}


def orders_query(since: str | None) -> str:
	search = f"updated_at:>='{since}'" if since else "updated_at:>='1970-01-01T00:00:00Z'"
	return f"""{{
  orders(query: "{search}", sortKey: UPDATED_AT) {{ edges {{ node {{
    {ORDER_FIELDS}
    lineItems {{ edges {{ node {{ {LINE_FIELDS} }} }} }}
    shippingLines {{ edges {{ node {{ {SHIPPING_FIELDS} }} }} }}
  }} }} }}
}}"""


def start(client: ShopifyGraphQL, since: str | None) -> str:
	result = client.execute(RUN, {"query": orders_query(since)}, cost=10)["bulkOperationRunQuery"]
	user_errors(result)
	return result["bulkOperation"]["id"]


def wait(
	client: ShopifyGraphQL,
	operation_id: str,
	*,
	sleep: Callable[[float], None] = time.sleep,
	interval: float = 2.0,
	timeout: float = 3600.0,
) -> str | None:
	"""The result's URL once Shopify has finished (None when nothing matched)."""
	waited = 0.0
	while True:
		node = client.execute(STATUS, {"id": operation_id}, cost=1)["node"]
		if node is None:
			raise PermanentError(f"Shopify does not know bulk operation {operation_id}")
		if node["status"] == "COMPLETED":
			return node.get("url")
		if node["status"] in FINISHED:
			raise PermanentError(
				f"Shopify's bulk operation {operation_id} ended {node['status']} ({node.get('errorCode') or 'no code'})"
			)
		if waited >= timeout:
			raise TransientError(f"Shopify's bulk operation {operation_id} is still {node['status']}")
		sleep(interval)
		waited += interval


MAX_RESULT_BYTES = 4 * 1024**3  # streamed line by line, so only a runaway file is refused


def download(
	url: str, session: requests.Session | None = None, timeout=(5.0, 60.0), max_bytes: int = MAX_RESULT_BYTES
) -> Iterator[str]:
	"""The JSONL file's lines, as they arrive. `session` carries the store's host policy; it never
	carries the access token (the file's URL is signed)."""
	with (session or requests).get(url, stream=True, timeout=timeout) as response:
		if response.status_code >= 400:
			raise TransientError(f"Downloading the bulk result failed: HTTP {response.status_code}")
		size = 0
		for line in response.iter_lines(decode_unicode=True):
			size += len(line) + 1
			if size > max_bytes:
				raise PermanentError(f"The bulk result is over {max_bytes} bytes; refused")
			if line:
				yield line


def stream_orders(lines: Iterable[str]) -> Iterator[tuple[dict, str]]:
	"""(REST-shaped order, updatedAt) for each order in the file, each as soon as it is complete."""
	current = None
	for raw in lines:
		obj = json.loads(raw)
		parent = obj.pop("__parentId", None)
		if parent is None:
			if current is not None:
				yield rest_order(current), current["updatedAt"]
			current = {**obj, "lineItems": {"nodes": []}, "shippingLines": {"nodes": []}}
			continue
		if current is None or parent != current["id"]:
			raise PermanentError(
				f"Bulk result line for {parent} does not follow its order; the file is malformed"
			)
		kind = "shippingLines" if "/ShippingLine/" in obj.get("id", "") else "lineItems"
		current[kind]["nodes"].append(obj)
	if current is not None:
		yield rest_order(current), current["updatedAt"]


def orders_by_bulk(client: ShopifyGraphQL, since: str | None, **options) -> Iterator[tuple[dict, str]]:
	url = wait(client, start(client, since), **options)
	if url:
		session = client.policy.widened(*RESULT_HOSTS).session() if client.policy else None
		yield from stream_orders(download(url, session))
