"""The fake Shopify's shop setup: its locations, paged as Shopify pages them.

Mixed into `FakeShopifyAdmin`, whose GraphQL route dispatches the root fields marked here.
"""

from erp_connectors.testing.fake_shopify_catalog import _page, _page_cost
from erp_connectors.testing.fake_shopify_graphql import root_field


class ShopifySetup:
	def __init__(self, *args, **kwargs):
		super().__init__(*args, **kwargs)
		self.locations: list[dict] = []

	def add_location(
		self,
		name: str,
		location_id: int | None = None,
		active: bool = True,
		city: str = "Ottawa",
		country: str = "CA",
	) -> dict:
		location_id = location_id or 60_000_000_000 + len(self.locations)
		location = {
			"id": f"gid://shopify/Location/{location_id}",
			"legacyResourceId": str(location_id),
			"name": name,
			"isActive": active,
			"fulfillsOnlineOrders": active,
			"address": {"city": city, "countryCode": country},
		}
		self.locations.append(location)
		return location

	@root_field("query", "locations", _page_cost(1))
	def _locations(self, root):
		found = self.locations
		if not root.args.get("includeInactive"):  # Shopify's default: active locations only
			found = [location for location in found if location["isActive"]]
		return _page(found, root.args)
