"""Run the fake Shopify on its own, for a Desk check in a browser (tools/shopify_connect.mjs):

    python -m erp_connectors.testing.fake_shopify_serve --shop demo.myshopify.com --client-id ID --client-secret S

Prints its base URL, then serves until interrupted."""

import argparse
import time

from erp_connectors.testing.fake_shopify_admin import FakeShopifyAdmin


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--shop", required=True)
	parser.add_argument("--client-id", required=True)
	parser.add_argument("--client-secret", required=True)
	args = parser.parse_args()
	fake = FakeShopifyAdmin(token=None, client_id=args.client_id, client_secret=args.client_secret)
	fake.shop_domain = args.shop
	with fake:
		print(fake.url, flush=True)
		while True:
			time.sleep(3600)


if __name__ == "__main__":
	main()
