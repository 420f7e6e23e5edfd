import frappe
from frappe.tests.utils import FrappeTestCase

from erp_connectors.connectors.bench_fixtures import race
from erp_connectors.connectors.frappe_gateway import FrappeGateway
from erp_connectors.connectors.gateway import AccountRef

ACCOUNT = AccountRef("User", "Administrator")


class TestConnectorLink(FrappeTestCase):
	def tearDown(self):
		frappe.db.delete("Connector Link", {"remote_type": "test-order"})
		frappe.db.commit()

	def test_second_binding_of_a_remote_id_returns_the_first(self):
		gateway = FrappeGateway()
		self.assertEqual(
			gateway.add_link(ACCOUNT, "test-order", 820982911946154508, "User", "Guest"), ("User", "Guest")
		)
		self.assertEqual(
			gateway.add_link(ACCOUNT, "test-order", "820982911946154508", "User", "Administrator"),
			("User", "Guest"),
		)
		self.assertEqual(gateway.find_link(ACCOUNT, "test-order", "820982911946154508"), ("User", "Guest"))
		self.assertEqual(frappe.db.count("Connector Link", {"remote_type": "test-order"}), 1)

	def test_racing_workers_bind_once(self):

		def bind(target):
			bound = FrappeGateway().add_link(ACCOUNT, "test-order", "450789469", "User", target)
			frappe.db.commit()
			return bound

		results = race(bind, [("Administrator",), ("Guest",), ("Administrator",), ("Guest",)])
		self.assertEqual(len(results), 4, "every worker got an answer, none crashed")
		self.assertEqual(len(set(results)), 1, results)
		self.assertEqual(frappe.db.count("Connector Link", {"remote_type": "test-order"}), 1)
