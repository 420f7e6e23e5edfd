"""The fixes a held Shopify order names (connectors.remedies). Pure: only what the order says.

- ITEM: a line whose variant is linked to no Item and whose SKU is no Item code. Desk offers
  Create Item (prefilled from the line) and, when the line has a variant, Link to existing Item.
- TAX: a tax title with no account on the store. Desk offers Map "<title>" to an Account.
The Frappe half (remedy_actions) checks and applies them.
"""

from erp_connectors.connectors.remedies import Remedy

ITEM = "shopify_item"
TAX = "shopify_tax_account"
ITEM_REASON = "Shopify SKU with no Item"
TAX_REASON = "Shopify tax title with no account"
ITEM_NAME_LENGTH = 140


def missing_item(line: dict) -> Remedy:
	sku = str(line.get("sku") or "").strip()
	variant = str(line.get("variant_id") or "").strip() or None
	title = str(line.get("title") or "").strip()
	name = str(line.get("name") or "").strip() or " - ".join(
		part for part in (title, str(line.get("variant_title") or "").strip()) if part
	)
	key = f"variant:{variant}" if variant else f"sku:{sku}" if sku else f"line:{line.get('id')}"
	return Remedy(
		kind=ITEM,
		key=key,
		title=f"No Item for '{name or title}' (SKU '{sku}', variant {variant or '-'})",
		reason=ITEM_REASON,
		data={
			"sku": sku,
			"variant_id": variant,
			"product_id": str(line.get("product_id") or "") or None,
			"item_name": (name or title or sku)[:ITEM_NAME_LENGTH],
			"vendor": line.get("vendor"),
		},
	)


def unmapped_tax(title: str) -> Remedy:
	return Remedy(
		kind=TAX,
		key=f"tax:{title}",
		title=f"Tax '{title}' has no account",
		reason=TAX_REASON,
		data={"tax_title": title},
	)
