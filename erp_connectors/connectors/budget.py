"""Rate budgets per remote account, shared by every worker through Redis."""

import frappe

from erp_connectors.connectors.rate_budget import RateBudget


def budget_for(account_doctype: str, account: str, capacity: float, refill_per_second: float) -> RateBudget:
	key = frappe.cache.make_key(f"erp_connectors:budget:{account_doctype}:{account}")
	return RateBudget(frappe.cache, key, capacity, refill_per_second)
