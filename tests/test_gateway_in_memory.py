import pytest

from erp_connectors.connectors.gateway import AccountRef, InMemoryGateway

SHOP = AccountRef("Shopify Store", "acme.myshopify.com")
OTHER = AccountRef("Shopify Store", "other.myshopify.com")


def test_link_is_unique_per_account_type_and_id():
	gw = InMemoryGateway()
	assert gw.add_link(SHOP, "order", 820982911946154508, "Sales Order", "SO-1") == ("Sales Order", "SO-1")
	# a racing second binding is a no-op that returns the first
	assert gw.add_link(SHOP, "order", "820982911946154508", "Sales Order", "SO-2") == ("Sales Order", "SO-1")
	assert gw.find_link(SHOP, "order", "820982911946154508") == ("Sales Order", "SO-1")
	assert gw.find_link(OTHER, "order", "820982911946154508") is None


def test_docstatus_transitions_are_enforced():
	gw = InMemoryGateway()
	name = gw.insert({"doctype": "Sales Order", "customer": "C1"})
	with pytest.raises(ValueError):
		gw.cancel("Sales Order", name)
	gw.submit("Sales Order", name)
	gw.cancel("Sales Order", name)
	assert gw.get("Sales Order", name)["docstatus"] == 2
	assert gw.find("Sales Order", {"customer": "C1"}) == name
