"""Seeds a bench with remote text that is markup, through the app's real write paths, for
tools/desk_xss.mjs to open in Desk. Test tooling; needs frappe, so never imported by the pure suite.

    bench --site SITE execute erp_connectors.testing.hostile_text.seed --kwargs '{"base_url": "http://127.0.0.1:8000"}'

Prints the Desk pages to open, each with the path the text took.
"""

import json

import frappe
import requests

from erp_connectors.connectors import call_log, processing
from erp_connectors.connectors.errors import ConnectorError
from erp_connectors.connectors.frappe_gateway import FrappeGateway
from erp_connectors.connectors.http import HttpClient
from erp_connectors.shopify_connector.bench_fixtures import SHOP, ensure_items, ensure_store, sample_order
from erp_connectors.shopify_connector.integration import WEBHOOK_PATH
from erp_connectors.testing import shopify_webhooks
from erp_connectors.testing.fake_server import FakeService, Response, route

# Runs only if Desk renders it as HTML: it records where it ran.
MARKUP = '<img src=x onerror="window.__xss=(window.__xss||[]).concat(location.pathname)">'


class RefusingCarrier(FakeService):
	"""A carrier API that refuses every purchase with a message of its own choosing."""

	@route("POST", r"/v2/shipments/(?P<shipment>.+)/buy")
	def buy(self, request):
		return Response(422, {"error": {"code": "SHIPMENT.INVALID", "message": f"Refused {MARKUP}"}})


def seed(base_url: str) -> list[dict]:
	ensure_store()
	ensure_items(["IPOD2008GREEN"])
	pages = []
	from erp_connectors.shopify_connector.bench_fixtures import SECRET

	def deliver(order: dict, topic: str = "orders/create") -> str:
		body = json.dumps(order).encode()
		headers = shopify_webhooks.signed_headers(body, SECRET, SHOP, topic, frappe.generate_hash())
		answer = requests.post(base_url + WEBHOOK_PATH, data=body, headers=headers, timeout=30).json()
		return answer.get("event") or ""

	def process(event: str):
		if event:
			processing.process_event(event)
			frappe.db.commit()

	order = sample_order(
		9_300_000_000_001 + frappe.utils.cint(frappe.utils.now_datetime().timestamp()) % 10**6
	)
	for line in order["line_items"]:
		line.update({"title": f"Tee {MARKUP}", "sku": "NO-SUCH-SKU", "variant_id": None})
	event = deliver(order)
	process(event)
	pages.append({"path": "Shopify line title (held order)", "url": f"/app/connector-event/{event}"})

	order = sample_order(order["id"] + 1)
	one = {"amount": "1.00", "currency_code": order["currency"]}
	tax = {
		"title": f"VAT {MARKUP}",
		"price": "1.00",
		"rate": 0.1,
		"price_set": {"shop_money": one, "presentment_money": one},
	}
	for line in order["line_items"]:
		line.update({"sku": "IPOD2008GREEN", "variant_id": None, "tax_lines": []})
	order["line_items"][0]["tax_lines"] = [tax]
	order.update(
		{
			"tax_lines": [tax],
			"total_tax": "1.00",
			"total_tax_set": {"shop_money": one, "presentment_money": one},
		}
	)
	event = deliver(order)
	process(event)
	pages.append({"path": "Shopify tax title (held order)", "url": f"/app/connector-event/{event}"})

	# The held orders' fixes (their titles and the Create Item / Map dialogs' prefill) and the reports
	# and workspace that show held events, last errors and reasons.
	pages.append(
		{"path": "Account Health (last error of a held order)", "url": "/app/query-report/Account Health"}
	)
	pages.append({"path": "Connectors workspace (held reasons, alerts)", "url": "/app/connectors"})

	event = deliver(sample_order(order["id"] + 1), topic=f"orders/{MARKUP}")
	process(event)
	pages.append({"path": "X-Shopify-Topic header", "url": f"/app/connector-event/{event}"})
	pages.append({"path": "X-Shopify-Topic header (list)", "url": "/app/connector-event?source=Shopify"})

	with RefusingCarrier() as carrier:
		client = HttpClient(carrier.url, log_call=call_log.sink_for("User", "Administrator"), max_retries=0)
		client.service = "hostile-carrier"
		try:
			client.request("POST", f"/v2/shipments/shp_{MARKUP}/buy", json={"rate": {"id": "rate_1"}})
		except ConnectorError:
			pass
	frappe.db.rollback()
	call_log.flush()
	log = frappe.get_all(
		"Connector Call Log",
		filters={"service": "hostile-carrier"},
		order_by="creation desc",
		limit=1,
		pluck="name",
	)
	pages.append({"path": "Carrier message and call-log URL", "url": f"/app/connector-call-log/{log[0]}"})
	pages.append({"path": "Call-log URL (list)", "url": "/app/connector-call-log?service=hostile-carrier"})

	invoice = frappe.get_all("Sales Invoice", filters={"docstatus": 1}, limit=1, pluck="name")
	if invoice:
		# The Stripe payment_failed handler's write (posting.note): a comment in Stripe's words.
		FrappeGateway().insert(
			{
				"doctype": "Comment",
				"comment_type": "Comment",
				"reference_doctype": "Sales Invoice",
				"reference_name": invoice[0],
				"content": f"Stripe payment attempt pi_1 failed: {MARKUP}",
			}
		)
		frappe.db.commit()
		pages.append(
			{"path": "Stripe decline message (invoice comment)", "url": f"/app/sales-invoice/{invoice[0]}"}
		)
	return pages
