"""The fake Shopify's catalogue: products and their variants with inventory items, paged as Shopify
pages them, productSet and productVariantsBulkUpdate.

Mixed into `FakeShopifyAdmin`, whose GraphQL route dispatches the root fields marked here.
"""

import base64

from erp_connectors.testing.fake_shopify_graphql import FieldError, root_field

MAX_PAGE = 250


def _cursor(index: int) -> str:
	return base64.b64encode(f"variant:{index}".encode()).decode()


def _page(items: list, args: dict) -> dict:
	"""One page of a connection: `first` items after the `after` cursor, with pageInfo."""
	first = args.get("first")
	if first is None or not 1 <= first <= MAX_PAGE:
		raise FieldError(f"first must be between 1 and {MAX_PAGE}", "BAD_REQUEST")
	start = _index(args.get("after"))
	page = items[start : start + first]
	end = start + len(page) - 1
	info = {
		"hasNextPage": end + 1 < len(items),
		"hasPreviousPage": start > 0,
		"startCursor": _cursor(start) if page else None,
		"endCursor": _cursor(end) if page else None,
	}
	return {"nodes": page, "edges": [{"node": node} for node in page], "pageInfo": info}


def _page_cost(per_node: int):
	return lambda args: 2 + int(args.get("first") or 0) * per_node


def _index(cursor: str | None) -> int:
	if not cursor:
		return 0
	return int(base64.b64decode(cursor).decode().split(":")[1]) + 1


class ShopifyCatalog:
	def __init__(self, *args, **kwargs):
		super().__init__(*args, **kwargs)
		self.variants: list[dict] = []
		self.products: list[dict] = []
		self.price_updates: list[tuple[str, list]] = []
		self.product_sets: list[str] = []

	def add_variant(
		self, sku: str, variant_id: int | None = None, product_id: int = 1000, price: str = "0.00"
	) -> dict:
		variant_id = variant_id or 40_000_000_000_000 + len(self.variants)
		variant = {
			"id": f"gid://shopify/ProductVariant/{variant_id}",
			"legacyResourceId": str(variant_id),
			"sku": sku,
			"price": price,
			"title": "Default Title",
			"selectedOptions": [{"name": "Title", "value": "Default Title"}],
			"inventoryItem": {"id": f"gid://shopify/InventoryItem/{variant_id + 7}"},
			"product": {"id": f"gid://shopify/Product/{product_id}"},
		}
		self.variants.append(variant)
		return variant

	def add_product(self, title: str, handle: str, variants: list[tuple[str, dict, str]]) -> dict:
		"""A product with options; `variants` are (sku, {option: value}, price). A product without
		options gets Shopify's single "Title: Default Title" variant."""
		product_id = 7_000_000_000 + len(self.products)
		names = list(dict.fromkeys(name for _, options, _ in variants for name in options)) or ["Title"]
		product = {
			"id": f"gid://shopify/Product/{product_id}",
			"legacyResourceId": str(product_id),
			"title": title,
			"handle": handle,
			"options": [
				{
					"name": name,
					"values": list(dict.fromkeys(o.get(name, "Default Title") for _, o, _ in variants)),
				}
				for name in names
			],
			"variants": {"nodes": []},
		}
		for sku, options, price in variants:
			variant = self.add_variant(sku, product_id=product_id, price=price)
			variant["title"] = " / ".join(options.values()) or "Default Title"
			variant["selectedOptions"] = [{"name": k, "value": v} for k, v in options.items()] or [
				{"name": "Title", "value": "Default Title"}
			]
			product["variants"]["nodes"].append(variant)
		self.products.append(product)
		return product

	@root_field("mutation", "productSet", 10)
	def _product_set(self, root):
		"""productSet: an upsert by identifier handle; every variant's option values must be the
		product's options, one variant per combination. (The error codes are values of Shopify's
		ProductSetUserErrorCode; which one Shopify picks for each case is not documented.)"""
		payload, handle = root.args["input"], (root.args.get("identifier") or {}).get("handle")
		options = {
			o["name"]: [v["name"] for v in o.get("values") or []] for o in payload.get("productOptions") or []
		}
		errors, seen = [], set()
		for index, variant in enumerate(payload.get("variants") or []):
			chosen = tuple((v["optionName"], v["name"]) for v in variant.get("optionValues") or [])
			if {name for name, _ in chosen} != set(options) or any(
				value not in options.get(name, []) for name, value in chosen
			):
				errors.append(
					{
						"field": ["input", "variants", str(index)],
						"message": "Option values do not match the product options",
						"code": "OPTION_VALUE_DOES_NOT_EXIST",
					}
				)
			if chosen in seen:
				errors.append(
					{
						"field": ["input", "variants", str(index)],
						"message": "Duplicate variant",
						"code": "DUPLICATED_OPTION_VALUE",
					}
				)
			seen.add(chosen)
		if errors or not payload.get("title"):
			errors = errors or [
				{"field": ["input", "title"], "message": "Title can't be blank", "code": "INVALID_INPUT"}
			]
			return {"product": None, "productSetOperation": None, "userErrors": errors}
		product = next((p for p in self.products if p["handle"] == handle), None)
		if product is None:
			product = self.add_product(payload["title"], handle, [])
			product["options"] = []
		product["title"] = payload["title"]
		product["options"] = [{"name": name, "values": values} for name, values in options.items()]
		kept = {variant["sku"]: variant for variant in product["variants"]["nodes"]}
		product["variants"]["nodes"] = []
		for variant in payload["variants"]:
			sku = (variant.get("inventoryItem") or {}).get("sku")
			existing = kept.get(sku) or self.add_variant(sku, product_id=int(product["legacyResourceId"]))
			existing["price"] = variant.get("price", existing.get("price"))
			existing["selectedOptions"] = [
				{"name": v["optionName"], "value": v["name"]} for v in variant["optionValues"]
			]
			existing["title"] = " / ".join(v["name"] for v in variant["optionValues"])
			product["variants"]["nodes"].append(existing)
		self.product_sets.append(handle)
		return {"product": product, "productSetOperation": None, "userErrors": []}

	@root_field("mutation", "productVariantsBulkUpdate", 10)
	def _bulk_update(self, root):
		"""productVariantsBulkUpdate: every variant must belong to the product; all or nothing."""
		product, updates = root.args["productId"], root.args["variants"]
		by_id = {variant["id"]: variant for variant in self.variants}
		errors = [
			{"field": ["variants", str(i), "id"], "message": "Product variant does not exist"}
			for i, update in enumerate(updates)
			if update.get("id") not in by_id or by_id[update["id"]]["product"]["id"] != product
		]
		if not errors:
			for update in updates:
				by_id[update["id"]]["price"] = update["price"]
		self.price_updates.append((product, updates))
		changed = None if errors else [by_id[u["id"]] for u in updates]
		owner = next((p for p in self.products if p["id"] == product), None)
		return {"product": owner, "productVariants": changed, "userErrors": errors}

	@root_field("query", "products", _page_cost(101))  # each product with up to 100 variants
	def _products(self, root):
		return _page(self.products, root.args)

	@root_field("query", "productVariants", _page_cost(1))
	def _product_variants(self, root):
		return _page(self.variants, root.args)
