"""The rate budget on the bench's real Redis, through frappe.cache."""

import frappe
from frappe.tests.utils import FrappeTestCase

from erp_connectors.connectors.budget import budget_for


class TestRateBudgetOnRedis(FrappeTestCase):
	def setUp(self):
		self.account = f"budget-test-{frappe.generate_hash(length=8)}"

	def test_two_workers_share_one_bucket_per_account(self):
		worker_a = budget_for("Shopify Store", self.account, capacity=10, refill_per_second=1)
		worker_b = budget_for("Shopify Store", self.account, capacity=10, refill_per_second=1)
		self.assertEqual([worker_a.reserve(2) for _ in range(3)], [0.0] * 3)
		self.assertEqual([worker_b.reserve(2) for _ in range(2)], [0.0] * 2)
		self.assertAlmostEqual(worker_b.reserve(2), 2.0, delta=0.2)
		other = budget_for("Shopify Store", self.account + "-other", capacity=10, refill_per_second=1)
		self.assertEqual(other.reserve(10), 0.0)
