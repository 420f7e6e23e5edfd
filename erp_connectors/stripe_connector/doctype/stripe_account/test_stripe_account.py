"""Stripe on real ERPNext: checkout from an invoice, signed webhooks, Payment Entries, refunds and payouts.

The fake Stripe serves real HTTP on 127.0.0.1 and the `stripe` SDK talks to it; events
are signed exactly as Stripe signs them and delivered through the WSGI endpoint.
"""

import time
import unittest

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import flt

from erp_connectors.connectors import processing
from erp_connectors.stripe_connector import account_actions, checkout, payment_gateway, refund_actions
from erp_connectors.stripe_connector.bench_fixtures import (
	ACCOUNT,
	SECRET,
	account_name,
	deliver,
	ensure_stripe_account,
	entries,
	make_invoice,
	settle_earlier_balance,
	stored_events,
)
from erp_connectors.testing.fake_stripe import FakeStripe


class StripeBenchCase(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.fake = FakeStripe(api_key="sk_test_bench_4eC39HqLyjWDarjtT1zdp7dc").start()
		ensure_stripe_account(cls.fake)

	@classmethod
	def tearDownClass(cls):
		cls.fake.stop()
		super().tearDownClass()

	def checkout(self, doctype, name):
		return checkout.create_checkout(doctype, name)

	def deliver_and_process(self, event, **options):
		response = deliver(event, **options)
		self.assertEqual(response.status_code, 200, response.get_data(as_text=True))
		frappe.db.commit()  # end this connection's snapshot: the request stored the event on its own
		for row in stored_events(event["id"]):
			if row.status == "Queued":
				processing.process_event(row.name)
		return stored_events(event["id"])

	def paid_invoice(self, amount=120.0):
		invoice = make_invoice(amount)
		session = self.checkout("Sales Invoice", invoice)
		completed = self.fake.pay_checkout_session(session["session_id"])
		return invoice, session, completed


class TestStripeCheckoutToPayment(StripeBenchCase):
	def test_invoice_checkout_then_signed_completion_gives_payment_entry_with_fee(self):
		invoice = make_invoice(120.0)
		session = self.checkout("Sales Invoice", invoice)
		again = self.checkout("Sales Invoice", invoice)
		self.assertEqual(again["session_id"], session["session_id"])  # idempotency key replayed
		self.assertEqual(self.fake.created_sessions.count(session["session_id"]), 1)
		created = self.fake.objects[session["session_id"]]
		self.assertEqual((created["amount_total"], created["currency"]), (12000, "usd"))
		self.assertEqual(created["metadata"]["sales_invoice"], invoice)

		completed = self.fake.pay_checkout_session(session["session_id"])
		[event] = self.deliver_and_process(completed)
		self.assertEqual(event.status, "Processed", event.last_error)

		intent = self.fake.objects[session["session_id"]]["payment_intent"]
		[name] = entries(intent, "Receive")
		entry = frappe.get_doc("Payment Entry", name)
		fee = flt((12000 * 0.029 + 30) // 1 / 100, 2)  # the fake's 2.9% + 30c, rounded as Stripe does
		self.assertEqual(entry.paid_to, account_name("clearing_account"))
		self.assertAlmostEqual(entry.paid_amount, 120.0 - fee, places=2)
		self.assertEqual(
			[(d.account, flt(d.amount, 2)) for d in entry.deductions], [(account_name("fee_account"), fee)]
		)
		self.assertEqual(
			[(r.reference_name, flt(r.allocated_amount, 2)) for r in entry.references], [(invoice, 120.0)]
		)
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice, "status"), "Paid")

	def test_payment_request_checkout_marks_the_request_paid(self):
		from erpnext.accounts.doctype.payment_request.payment_request import make_payment_request

		invoice = make_invoice(75.5)
		request = make_payment_request(
			dt="Sales Invoice", dn=invoice, submit_doc=1, mute_email=1, return_doc=1
		)
		frappe.db.commit()
		session = self.checkout("Payment Request", request.name)
		self.assertEqual(frappe.db.get_value("Payment Request", request.name, "payment_url"), session["url"])
		self.assertEqual(self.fake.objects[session["session_id"]]["amount_total"], 7550)

		[event] = self.deliver_and_process(self.fake.pay_checkout_session(session["session_id"]))
		self.assertEqual(event.status, "Processed", event.last_error)
		intent = self.fake.objects[session["session_id"]]["payment_intent"]
		[name] = entries(intent, "Receive")
		self.assertEqual(frappe.get_doc("Payment Entry", name).references[0].payment_request, request.name)
		self.assertEqual(frappe.db.get_value("Payment Request", request.name, "status"), "Paid")
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice, "status"), "Paid")

	def test_checkout_refuses_a_paid_invoice_and_names_why(self):
		invoice, _, completed = self.paid_invoice(30.0)
		self.deliver_and_process(completed)
		with self.assertRaisesRegex(frappe.ValidationError, "nothing outstanding"):
			self.checkout("Sales Invoice", invoice)

	def test_amount_mismatch_is_held_not_posted(self):
		invoice = make_invoice(120.0)
		session = self.checkout("Sales Invoice", invoice)
		# The invoice is partly paid another way after the link was sent.
		from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

		cash = get_payment_entry("Sales Invoice", invoice)
		cash.paid_amount = cash.received_amount = 20
		cash.references[0].allocated_amount = 20
		cash.reference_no, cash.reference_date = "cash-20", frappe.utils.nowdate()
		cash.insert(ignore_permissions=True).submit()
		frappe.db.commit()

		[event] = self.deliver_and_process(self.fake.pay_checkout_session(session["session_id"]))
		self.assertEqual(event.status, "Held")
		self.assertIn("Nothing was posted", event.last_error)
		self.assertIn("100.0 outstanding", event.last_error)
		intent = self.fake.objects[session["session_id"]]["payment_intent"]
		self.assertEqual(entries(intent), [])


@unittest.skipUnless(
	frappe.db and frappe.db.exists("DocType", "Payment Gateway"), "needs the payments app (Payment Gateway)"
)
class TestStripePaymentGateway(StripeBenchCase):
	"""ERPNext's own Payment Request flow: the request asks our Stripe Account for its URL on submit."""

	def test_payment_request_through_the_stripe_gateway_gets_a_checkout_url_and_is_paid(self):
		from erpnext.accounts.doctype.payment_request.payment_request import make_payment_request

		gateway = payment_gateway.gateway_name(ACCOUNT)
		self.assertEqual(frappe.db.get_value("Payment Gateway", gateway, "gateway_controller"), ACCOUNT)
		gateway_account = frappe.db.get_value("Payment Gateway Account", {"payment_gateway": gateway})
		if not gateway_account:
			gateway_account = (
				frappe.get_doc(
					{
						"doctype": "Payment Gateway Account",
						"payment_gateway": gateway,
						"payment_account": account_name("clearing_account"),
						"currency": "USD",
					}
				)
				.insert(ignore_permissions=True)
				.name
			)
		invoice = make_invoice(64.0)
		# The portal's "Pay" button: ERPNext submits the request and redirects to the gateway's URL.
		request = make_payment_request(
			dt="Sales Invoice",
			dn=invoice,
			payment_gateway_account=gateway_account,
			order_type="Shopping Cart",
			submit_doc=1,
			return_doc=1,
		)
		url = frappe.local.response.pop("location")
		frappe.local.response.pop("type", None)
		self.assertEqual(frappe.db.get_value("Payment Request", request.name, "payment_url"), url)
		[session_id] = [s for s in self.fake.created_sessions if self.fake.objects[s]["url"] == url]
		self.assertEqual(self.fake.objects[session_id]["amount_total"], 6400)
		self.assertEqual(self.fake.objects[session_id]["metadata"]["payment_request"], request.name)

		[event] = self.deliver_and_process(self.fake.pay_checkout_session(session_id))
		self.assertEqual(event.status, "Processed", event.last_error)
		self.assertEqual(frappe.db.get_value("Payment Request", request.name, "status"), "Paid")


class TestStripeExactlyOnce(StripeBenchCase):
	def test_event_three_times_and_refund_before_payment_post_each_amount_once(self):
		invoice, session, completed = self.paid_invoice(200.0)
		intent_id = self.fake.objects[session["session_id"]]["payment_intent"]
		charge_id = self.fake.objects[intent_id]["latest_charge"]
		refunded = self.fake.refund_charge(charge_id, amount=5000)  # a partial refund of 50.00

		# The refund's event arrives first: the payment is posted from Stripe's current objects, then the refund.
		[refund_event] = self.deliver_and_process(refunded)
		self.assertEqual(refund_event.status, "Processed", refund_event.last_error)
		for _ in range(3):
			self.deliver_and_process(completed)
		self.assertEqual(len(stored_events(completed["id"])), 1)
		succeeded = self.fake.event("payment_intent.succeeded", self.fake.objects[intent_id])
		self.deliver_and_process(succeeded)  # the same money described by another event
		self.deliver_and_process(refunded)  # a redelivery of the refund changes nothing

		[receive] = entries(intent_id, "Receive")
		refund_id = self.fake.of_kind("refund")[-1]["id"]
		[pay] = entries(refund_id, "Pay")
		self.assertAlmostEqual(frappe.db.get_value("Payment Entry", pay, "paid_amount"), 50.0, places=2)
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice, "outstanding_amount"), 0)
		statuses = {row.status for row in stored_events(completed["id"]) + stored_events(succeeded["id"])}
		self.assertEqual(statuses, {"Processed"})
		self.assertTrue(receive)

	def test_payout_moves_the_net_from_clearing_to_bank(self):
		settle_earlier_balance(self.fake)
		_, session, completed = self.paid_invoice(80.0)
		self.deliver_and_process(completed)
		payout_event = self.fake.pay_out("usd")
		payout = payout_event["data"]["object"]
		[event] = self.deliver_and_process(payout_event)
		self.assertEqual(event.status, "Processed", event.last_error)
		journal = frappe.get_doc("Journal Entry", {"cheque_no": payout["id"], "docstatus": 1})
		lines = {row.account: (flt(row.debit, 2), flt(row.credit, 2)) for row in journal.accounts}
		net = flt(payout["amount"] / 100, 2)
		self.assertEqual(net, flt(80.0 - (8000 * 0.029 + 30) // 1 / 100, 2))
		self.assertEqual(lines[account_name("payout_bank")], (net, 0))
		self.assertEqual(lines[account_name("clearing_account")], (0, net))
		self.deliver_and_process(payout_event)
		self.assertEqual(frappe.db.count("Journal Entry", {"cheque_no": payout["id"]}), 1)


class TestStripeDisputesAndFailures(StripeBenchCase):
	def test_dispute_flags_invoice_posts_withdrawal_and_fee_then_loss(self):
		invoice, session, completed = self.paid_invoice(60.0)
		self.deliver_and_process(completed)
		intent_id = self.fake.objects[session["session_id"]]["payment_intent"]
		charge_id = self.fake.objects[intent_id]["latest_charge"]
		opened = self.fake.open_dispute(charge_id, fee=1500)
		dispute_id = opened["data"]["object"]["id"]
		[event] = self.deliver_and_process(opened)
		self.assertEqual(event.status, "Processed", event.last_error)
		withdrawal_id = self.fake.objects[dispute_id]["balance_transactions"][0]["id"]
		journal = frappe.get_doc("Journal Entry", {"cheque_no": withdrawal_id, "docstatus": 1})
		lines = {row.account: (flt(row.debit, 2), flt(row.credit, 2)) for row in journal.accounts}
		self.assertEqual(lines[account_name("fee_account")], (15.0, 0))
		self.assertEqual(lines[account_name("dispute_account")], (60.0, 0))
		self.assertEqual(lines[account_name("clearing_account")], (0, 75.0))
		comments = frappe.get_all(
			"Comment",
			filters={"reference_name": invoice, "content": ("like", f"%{dispute_id}%")},
			pluck="content",
		)
		self.assertEqual(len(comments), 1)

		[closed] = self.deliver_and_process(self.fake.close_dispute(dispute_id, "lost"))
		self.assertEqual(closed.status, "Processed", closed.last_error)
		loss = frappe.get_doc("Journal Entry", {"cheque_no": dispute_id, "docstatus": 1})
		self.assertEqual(
			{row.account: flt(row.credit, 2) for row in loss.accounts if row.credit},
			{account_name("dispute_account"): 60.0},
		)
		self.assertEqual(flt(frappe.db.get_value("Sales Invoice", invoice, "outstanding_amount"), 2), 60.0)
		self.deliver_and_process(self.fake.event("charge.dispute.closed", self.fake.objects[dispute_id]))
		self.assertEqual(
			frappe.db.count("Journal Entry", {"cheque_no": ("in", [dispute_id, withdrawal_id])}), 2
		)

	def test_failed_attempt_is_noted_on_the_payment_request(self):
		from erpnext.accounts.doctype.payment_request.payment_request import make_payment_request

		invoice = make_invoice(42.0)
		request = make_payment_request(
			dt="Sales Invoice", dn=invoice, submit_doc=1, mute_email=1, return_doc=1
		)
		frappe.db.commit()
		session = self.checkout("Payment Request", request.name)
		metadata = self.fake.intent_metadata[session["session_id"]]
		intent = self.fake.new(
			"payment_intent",
			amount=4200,
			currency="usd",
			status="requires_payment_method",
			metadata=metadata,
			last_payment_error={
				"type": "card_error",  # required by Stripe's PaymentIntent model; the fake checks its events
				"code": "card_declined",
				"message": "Your card was declined.",
			},
		)
		[event] = self.deliver_and_process(self.fake.event("payment_intent.payment_failed", intent))
		self.assertEqual(event.status, "Processed", event.last_error)
		notes = frappe.get_all(
			"Comment",
			filters={"reference_doctype": "Payment Request", "reference_name": request.name},
			pluck="content",
		)
		self.assertTrue(any("Your card was declined." in text for text in notes), notes)
		self.assertEqual(frappe.db.get_value("Payment Request", request.name, "status"), "Requested")


class TestStripeWebhookRejections(StripeBenchCase):
	def event(self):
		return self.fake.event("payment_intent.succeeded", self.fake.of_kind("payment_intent")[0])

	def assert_refused(self, response, event):
		# One answer whatever the reason, so a sender learns nothing about the account's settings;
		# the reasons themselves are tested on StripeWebhookSource in the pure suite.
		self.assertEqual((response.status_code, response.json), (400, {"message": "Signature rejected"}))
		self.assertEqual(stored_events(event["id"]), [])

	def test_replay_older_than_tolerance_is_400_and_not_stored(self):
		event = self.event()
		self.assert_refused(deliver(event, timestamp=int(time.time()) - 600), event)

	def test_bad_signature_is_400_and_not_stored(self):
		event = self.event()
		self.assert_refused(deliver(event, secret="whsec_someone_else"), event)

	def test_livemode_mismatch_is_rejected(self):
		event = {**self.event(), "livemode": True}
		self.assert_refused(deliver(event), event)

	def test_malformed_json_with_a_valid_signature_is_400_and_not_stored(self):
		import hashlib
		import hmac

		from frappe.tests.test_api import make_request
		from frappe.utils import get_url

		from erp_connectors.stripe_connector.bench_fixtures import CLIENT
		from erp_connectors.stripe_connector.integration import WEBHOOK_PATH

		body, stamp = b'{"id": "evt_broken", "object": "event", "type": ', int(time.time())
		signature = hmac.new(SECRET.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
		response = make_request(
			target=CLIENT.post,
			args=(f"{get_url()}{WEBHOOK_PATH}?account={ACCOUNT}",),
			kwargs={
				"data": body,
				"headers": {
					"Stripe-Signature": f"t={stamp},v1={signature}",
					"Content-Type": "application/json",
				},
			},
		)
		self.assertEqual(response.status_code, 400, response.get_data(as_text=True))
		self.assertIn("Malformed payload", response.json["message"])
		self.assertEqual(stored_events("evt_broken"), [])

	def test_unknown_account_answers_as_a_bad_signature(self):
		event = self.event()
		unknown = deliver(event, account="No Such Stripe")
		self.assertEqual((unknown.status_code, unknown.json), (400, {"message": "Signature rejected"}))


class TestStripeAccountActions(StripeBenchCase):
	def test_connection_checks_the_key_mode(self):
		self.assertEqual(account_actions.test_connection(ACCOUNT)["livemode"], False)
		frappe.db.set_value("Stripe Account", ACCOUNT, "mode", "Live")
		try:
			with self.assertRaisesRegex(frappe.ValidationError, "test-mode key"):
				account_actions.test_connection(ACCOUNT)
		finally:
			frappe.db.set_value("Stripe Account", ACCOUNT, "mode", "Test")
			frappe.db.commit()

	def test_register_webhook_endpoint_saves_the_signing_secret(self):
		try:
			result = account_actions.register_webhook_endpoint(ACCOUNT)
			self.assertFalse(result["existing"])
			self.assertEqual((result["pinned"], result["api_version"]), (True, "2026-10-28.endive"))
			[endpoint] = [e for e in self.fake.of_kind("webhook_endpoint") if e["id"] == result["id"]]
			self.assertIn(f"integration.webhook?account={ACCOUNT.replace(' ', '%20')}", endpoint["url"])
			self.assertIn("checkout.session.completed", endpoint["enabled_events"])
			saved = frappe.get_doc("Stripe Account", ACCOUNT).get_password("webhook_secret")
			self.assertTrue(saved.startswith("whsec_") and saved != SECRET)
			again = account_actions.register_webhook_endpoint(ACCOUNT)
			self.assertEqual((again["id"], again["existing"]), (result["id"], True))
			self.assertEqual(frappe.get_doc("Stripe Account", ACCOUNT).get_password("webhook_secret"), saved)
		finally:
			ensure_stripe_account(self.fake)

	def test_a_live_key_is_refused_on_a_test_account(self):
		doc = frappe.get_doc("Stripe Account", ACCOUNT)
		doc.secret_key = "sk_live_abc"
		with self.assertRaisesRegex(frappe.ValidationError, "not a Test-mode secret key"):
			doc.save()


class TestRefundViaStripe(StripeBenchCase):
	def credit_note_of_paid_invoice(self, amount=80.0):
		from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return

		invoice, session, completed = self.paid_invoice(amount)
		[event] = self.deliver_and_process(completed)
		self.assertEqual(event.status, "Processed", event.last_error)
		note = make_sales_return(invoice)
		note.insert(ignore_permissions=True)
		note.submit()
		frappe.db.commit()
		intent = self.fake.objects[session["session_id"]]["payment_intent"]
		return note.name, self.fake.objects[intent]["latest_charge"]

	def test_refund_via_stripe_clicked_twice_makes_one_refund_and_one_payment_entry(self):
		credit_note, charge_id = self.credit_note_of_paid_invoice()
		made = len(self.fake.created_refunds)
		first = refund_actions.refund_credit_note(credit_note)
		frappe.db.commit()
		second = refund_actions.refund_credit_note(credit_note)
		frappe.db.commit()
		self.assertEqual(self.fake.created_refunds[made:], [charge_id])  # one refund at Stripe
		self.assertEqual((second["refund"], second["already"]), (first["refund"], True))
		self.assertEqual((first["amount"], first["currency"]), (80.0, "USD"))  # from the credit note
		refund = self.fake.objects[first["refund"]]
		self.assertEqual((refund["amount"], refund["metadata"]["credit_note"]), (8000, credit_note))
		self.assertEqual(entries(first["refund"], "Pay"), [])  # nothing posted before Stripe confirms

		self.deliver_and_process(self.fake.event("charge.refunded", self.fake.objects[charge_id]))
		self.deliver_and_process(self.fake.event("refund.updated", refund))
		[pay] = entries(first["refund"], "Pay")
		refs = frappe.get_all(
			"Payment Entry Reference", filters={"parent": pay}, fields=["reference_name", "allocated_amount"]
		)
		self.assertEqual(
			[(r.reference_name, flt(r.allocated_amount, 2)) for r in refs], [(credit_note, -80.0)]
		)
		self.assertEqual(frappe.db.get_value("Sales Invoice", credit_note, "outstanding_amount"), 0)
		again = refund_actions.refund_credit_note(credit_note)
		self.assertEqual((again["state"], again["payment_entry"]), ("paid back", pay))
		self.assertEqual(self.fake.created_refunds[made:], [charge_id])

	def test_racing_clicks_make_one_refund(self):
		from erp_connectors.connectors.bench_fixtures import race

		credit_note, charge_id = self.credit_note_of_paid_invoice(30.0)
		made = len(self.fake.created_refunds)

		def click(_):
			result = refund_actions.refund_credit_note(credit_note)
			frappe.db.commit()
			return result["refund"]

		self.assertEqual(len(set(race(click, [(1,), (2,)]))), 1)
		self.assertEqual(self.fake.created_refunds[made:], [charge_id])

	def test_a_failed_refund_shows_on_the_credit_note_and_needs_write_permission(self):
		credit_note, charge_id = self.credit_note_of_paid_invoice(25.0)
		self.fake.refund_outcome = "pending"
		try:
			made = refund_actions.refund_credit_note(credit_note)
		finally:
			self.fake.refund_outcome = "succeeded"
		frappe.db.commit()
		[event] = self.deliver_and_process(self.fake.fail_refund(made["refund"]))
		self.assertEqual(event.status, "Processed", event.last_error)
		self.assertEqual(entries(made["refund"], "Pay"), [])
		self.assertEqual(refund_actions.refund_state(credit_note)["refunds"][0]["state"], "failed")
		notes = frappe.get_all("Comment", filters={"reference_name": credit_note}, pluck="content")
		self.assertTrue(any("failed (expired_or_canceled_card)" in text for text in notes), notes)

		user = "stripe-refund-reader@example.com"
		if not frappe.db.exists("User", user):
			frappe.get_doc(
				{"doctype": "User", "email": user, "first_name": "Reader", "send_welcome_email": 0}
			).insert(ignore_permissions=True)
		frappe.get_doc("User", user).add_roles("Stock User")
		frappe.set_user(user)
		try:
			with self.assertRaises(frappe.PermissionError):
				refund_actions.refund_credit_note(credit_note)
		finally:
			frappe.set_user("Administrator")
