"""Run the fake Shopify on its own, for a Desk check in a browser (tools/shopify_connect.mjs,
tools/shopify_onboarding.mjs):

    python -m erp_connectors.testing.fake_shopify_serve --shop demo.myshopify.com --client-id ID --client-secret S \
        [--scopes read_orders,...] [--setup-demo]

`--setup-demo` gives the shop two locations and recent orders carrying tax titles (GST, PST on lines,
GST on shipping), for Fetch Locations and Fetch Tax Titles, and (without --scopes) grants every scope
the connector's flows use, as an app set up by the README's steps holds. Prints its base URL, then serves until
interrupted."""

import argparse
import json
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from erp_connectors.shopify_connector.scopes import FLOWS
from erp_connectors.testing.fake_shopify_admin import FakeShopifyAdmin

SAMPLE = (
	Path(__file__).resolve().parents[2]
	/ "tests"
	/ "data"
	/ "shopify_webhook_orders_create_2026-04_docs_sample.json"
)


def setup_demo(fake: FakeShopifyAdmin):
	fake.add_location("Ottawa Warehouse", location_id=71_001, city="Ottawa")
	fake.add_location("Montreal Store", location_id=71_002, city="Montreal")
	fake.add_location("Closed Pop-up", location_id=71_003, active=False)
	sample = json.loads(SAMPLE.read_text())
	for n, titles in enumerate((["GST", "PST"], ["GST"])):
		order = {**sample, "id": 820982911946155000 + n, "name": f"#D{n}"}
		order["line_items"] = [
			{**sample["line_items"][0], "tax_lines": [{"title": t, "price": "1.00"} for t in titles]}
		]
		order["tax_lines"] = [{"title": t, "price": "1.00", "rate": 0.05} for t in titles]
		order["shipping_lines"] = [
			{**sample["shipping_lines"][0], "tax_lines": [{"title": "GST", "price": "0.50"}]}
		]
		updated = datetime.now(timezone.utc) - timedelta(days=n + 1)
		fake.add_order(order, updated_at=updated.strftime("%Y-%m-%dT%H:%M:%SZ"))


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--shop", required=True)
	parser.add_argument("--client-id", required=True)
	parser.add_argument("--client-secret", required=True)
	parser.add_argument("--scopes", help="the access scopes the shop grants, comma separated")
	parser.add_argument("--setup-demo", action="store_true")
	args = parser.parse_args()
	fake = FakeShopifyAdmin(token=None, client_id=args.client_id, client_secret=args.client_secret)
	fake.shop_domain = args.shop
	if args.setup_demo:
		setup_demo(fake)
		fake.granted_scopes = ",".join(sorted({scope for _, _, scopes in FLOWS for scope in scopes}))
	if args.scopes:
		fake.granted_scopes = args.scopes
	with fake:
		print(fake.url, flush=True)
		while True:
			time.sleep(3600)


if __name__ == "__main__":
	main()
