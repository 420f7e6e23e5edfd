"""get_stock for 1,000 SKUs in one call, against ERPNext's generic /api/resource/Bin one item at a time.

Both read the same Bins from the same running bench in the same run, with the same API key.

    python benchmarks/get_stock.py --url http://127.0.0.1:8001 --site test.localhost --token "token <key>:<secret>" \
        --skus 1000 --setup --warehouse "Stores - TC" --company "Test Company"

--setup creates the items (BENCH-STOCK-0000...) through /api/resource/Item and gives each a
quantity with one Stock Reconciliation; it skips items that already exist. The key's user needs
the role Connector API User, Stock User, and (for --setup) Item and Stock Manager rights.
"""

import argparse
import json
import statistics
import time

import requests


def sku(index: int) -> str:
	return f"BENCH-STOCK-{index:04d}"


def setup(session, url, count, warehouse, company):
	existing = set()
	for start in range(0, count, 100):  # gunicorn caps a request line at 4 KB
		names = [sku(i) for i in range(start, min(count, start + 100))]
		found = session.get(
			f"{url}/api/resource/Item",
			params={"filters": json.dumps([["name", "in", names]]), "limit_page_length": 0},
		).json()["data"]
		existing |= {row["name"] for row in found}
	for index in range(count):
		code = sku(index)
		if code in existing:
			continue
		session.post(
			f"{url}/api/resource/Item",
			json={
				"item_code": code,
				"item_name": code,
				"item_group": "Products",
				"stock_uom": "Nos",
				"is_stock_item": 1,
			},
		).raise_for_status()
	bins = session.get(
		f"{url}/api/resource/Bin",
		params={
			"filters": json.dumps([["item_code", "like", "BENCH-STOCK-%"], ["warehouse", "=", warehouse]]),
			"limit_page_length": 0,
		},
	).json()["data"]
	if len(bins) >= count:
		return
	items = [
		{"item_code": sku(i), "warehouse": warehouse, "qty": 10 + i % 90, "valuation_rate": 5}
		for i in range(count)
	]
	response = session.post(
		f"{url}/api/resource/Stock Reconciliation",
		json={"company": company, "purpose": "Stock Reconciliation", "items": items, "docstatus": 1},
		timeout=600,
	)
	response.raise_for_status()


def percentile(values, share):
	ordered = sorted(values)
	return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main():
	parser = argparse.ArgumentParser()
	parser.add_argument("--url", required=True)
	parser.add_argument("--token", required=True, help='"token <api_key>:<api_secret>"')
	parser.add_argument("--skus", type=int, default=1000)
	parser.add_argument("--calls", type=int, default=30, help="get_stock calls to time")
	parser.add_argument("--warehouse", default="Stores - TC")
	parser.add_argument("--company", default="Test Company")
	parser.add_argument("--setup", action="store_true")
	parser.add_argument(
		"--site", default=None, help="X-Frappe-Site-Name, when the URL's host is not the site"
	)
	args = parser.parse_args()

	session = requests.Session()
	session.headers["Authorization"] = args.token
	if args.site:
		session.headers["X-Frappe-Site-Name"] = args.site
	if args.setup:
		started = time.perf_counter()
		setup(session, args.url, args.skus, args.warehouse, args.company)
		print(f"setup: {time.perf_counter() - started:.1f} s")
	skus = [sku(i) for i in range(args.skus)]

	one_call = []
	for _ in range(args.calls):
		started = time.perf_counter()
		response = session.post(
			f"{args.url}/api/method/erp_connectors.api.v1.get_stock", json={"items": skus}
		)
		one_call.append((time.perf_counter() - started) * 1000)
		response.raise_for_status()
	body = response.json()
	found = {row["item_code"]: row["actual_qty"] for row in body["items"]}
	assert not body["not_found"], body["not_found"][:5]

	generic, started = {}, time.perf_counter()
	for code in skus:
		rows = session.get(
			f"{args.url}/api/resource/Bin",
			params={
				"filters": json.dumps([["item_code", "=", code]]),
				"fields": json.dumps(
					["item_code", "warehouse", "actual_qty", "reserved_qty", "projected_qty"]
				),
			},
		)
		rows.raise_for_status()
		generic[code] = sum(row["actual_qty"] for row in rows.json()["data"])
	generic_ms = (time.perf_counter() - started) * 1000
	mismatched = [code for code in skus if abs(found.get(code, 0) - generic.get(code, 0)) > 1e-9]

	p50, p99 = statistics.median(one_call), percentile(one_call, 0.99)
	print(f"items: {len(skus)}; answers agree: {not mismatched} ({len(mismatched)} differ)")
	print(
		f"get_stock, one call for all {len(skus)}: p50 {p50:.1f} ms, p99 {p99:.1f} ms over {args.calls} calls"
	)
	print(
		f"/api/resource/Bin, one call per item: {generic_ms:.0f} ms for {len(skus)} calls ({generic_ms / len(skus):.1f} ms each)"
	)
	print(
		f"ratio (generic total / get_stock p50): {generic_ms / p50:.0f}x; target p50 < 200 ms: {'met' if p50 < 200 else 'missed'}"
	)


if __name__ == "__main__":
	main()
