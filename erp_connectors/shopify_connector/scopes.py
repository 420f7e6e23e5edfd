"""Which Admin API access scopes each flow of a Shopify Store needs, and what a token lacks. Pure.

The scopes are those Shopify's Admin GraphQL reference names for the fields each flow uses (each
field's "Requires ... access scope"); a `write_` scope implies its `read_` scope.
"""

from dataclasses import dataclass

# (flag on the Shopify Store, the flow as the form names it, the scopes it needs)
FLOWS = (
	(None, "Webhooks and Test Connection", ("read_orders",)),
	("sync_orders", "Import Orders", ("read_orders", "read_customers")),
	(
		"sync_fulfillments",
		"Push Fulfillments to Shopify",
		("write_merchant_managed_fulfillment_orders", "write_fulfillments"),
	),
	("sync_stock", "Push Stock to Shopify", ("write_inventory", "read_locations", "read_products")),
	("sync_products", "Sync Products", ("write_products",)),
	("sync_prices", "Push Prices to Shopify", ("write_products",)),
)


@dataclass(frozen=True)
class ScopeCheck:
	granted: tuple[str, ...]
	needed: tuple[str, ...]
	missing: dict[str, tuple[str, ...]]  # flow -> the scopes it lacks

	@property
	def ok(self) -> bool:
		return not self.missing

	def describe(self) -> str:
		if self.ok:
			return "Every enabled flow has the scopes it needs."
		return "; ".join(f"{flow} needs {', '.join(scopes)}" for flow, scopes in self.missing.items())


def enabled_flows(store) -> list[tuple[str, tuple[str, ...]]]:
	return [(label, scopes) for flag, label, scopes in FLOWS if flag is None or getattr(store, flag, None)]


def needed_scopes(store) -> list[str]:
	"""What Connect to Shopify asks for: every scope the store's enabled flows need."""
	return sorted({scope for _, scopes in enabled_flows(store) for scope in scopes})


def check(store, granted) -> ScopeCheck:
	have = set(granted)
	have |= {"read_" + scope.removeprefix("write_") for scope in have if scope.startswith("write_")}
	missing = {}
	for label, scopes in enabled_flows(store):
		lacking = tuple(scope for scope in scopes if scope not in have)
		if lacking:
			missing[label] = lacking
	return ScopeCheck(tuple(sorted(set(granted))), tuple(needed_scopes(store)), missing)
