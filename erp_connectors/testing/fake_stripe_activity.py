"""What the fake Stripe does on its own: a customer pays, a refund, a dispute, a payout.

Each step changes the fake's objects as Stripe would and returns the event Stripe would send.
Mixed into `FakeStripe`, whose state (`objects`, `new`, `update`, ...) it uses.
"""

import copy
import time
import uuid

PREFIX = {
	"checkout.session": "cs_test_",
	"payment_intent": "pi_",
	"charge": "ch_",
	"balance_transaction": "txn_",
	"refund": "re_",
	"dispute": "dp_",
	"payout": "po_",
	"price": "price_",
	"payment_link": "plink_",
	"webhook_endpoint": "we_",
	"event": "evt_",
}


class StripeActivity:
	def event(self, kind: str, obj: dict) -> dict:
		template = copy.deepcopy(self.templates.get("event", {}))
		template.update(
			id=PREFIX["event"] + uuid.uuid4().hex[:24],
			type=kind,
			created=int(time.time()),
			livemode=self.livemode,
			api_version=self.contract.api_version,  # the endpoint's version, which shapes data.object
			data={"object": copy.deepcopy(obj)},
			pending_webhooks=1,
		)
		for problem in self.contract.check_event(template):
			self._violate(f"{kind} event: {problem}")
		return template

	def transaction(
		self, *, amount, fee=0, currency, source, type, category, fee_details=None, description=None
	) -> dict:
		if fee_details is None:
			fee_details = (
				[
					{
						"amount": fee,
						"application": None,
						"currency": currency,
						"description": "Stripe processing fees",
						"type": "stripe_fee",
					}
				]
				if fee
				else []
			)
		return self.new(
			"balance_transaction",
			amount=amount,
			fee=fee,
			net=amount - fee,
			currency=currency,
			source=source,
			type=type,
			reporting_category=category,
			fee_details=fee_details,
			description=description,
			status="pending",
		)

	def pay_checkout_session(self, session_id: str, *, fee: int | None = None, fee_details=None) -> dict:
		"""The customer pays: PaymentIntent, charge and balance transaction appear; returns the completed event."""
		session = self.objects[session_id]
		amount, currency = session["amount_total"], session["currency"]
		metadata = self.intent_metadata.get(session_id, {})
		fee = round(amount * 0.029) + 30 if fee is None else fee
		intent = self.new(
			"payment_intent",
			amount=amount,
			amount_received=amount,
			currency=currency,
			status="succeeded",
			metadata=metadata,
		)
		charge = self.new(
			"charge",
			amount=amount,
			amount_captured=amount,
			captured=True,
			paid=True,
			status="succeeded",
			currency=currency,
			payment_intent=intent["id"],
			metadata=metadata,
			refunded=False,
			amount_refunded=0,
		)
		txn = self.transaction(
			amount=amount,
			fee=fee,
			currency=currency,
			source=charge["id"],
			type="charge",
			category="charge",
			fee_details=fee_details,
		)
		charge["balance_transaction"] = txn["id"]
		intent["latest_charge"] = charge["id"]
		self.update(session_id, status="complete", payment_status="paid", payment_intent=intent["id"])
		return self.event("checkout.session.completed", self.objects[session_id])

	def refund_charge(
		self, charge_id: str, amount: int | None = None, status: str = "succeeded", metadata=None, reason=None
	) -> dict:
		charge = self.objects[charge_id]
		amount = charge["amount"] - charge.get("amount_refunded", 0) if amount is None else amount
		refund = self.new(
			"refund",
			amount=amount,
			charge=charge_id,
			currency=charge["currency"],
			payment_intent=charge.get("payment_intent"),
			status=status,
			balance_transaction=None,
			metadata=metadata or {},
			reason=reason,
		)
		if status == "failed":
			refund["failure_reason"] = "expired_or_canceled_card"
		if status == "succeeded":
			txn = self.transaction(
				amount=-amount,
				currency=charge["currency"],
				source=refund["id"],
				type="refund",
				category="refund",
			)
			refund["balance_transaction"] = txn["id"]
			charge["amount_refunded"] = charge.get("amount_refunded", 0) + amount
			charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
		self.last_refund = refund
		return self.event("charge.refunded", charge)

	def fail_refund(self, refund_id: str) -> dict:
		"""A refund Stripe accepted that the card network later refused: its money comes back."""
		refund = self.update(refund_id, status="failed", failure_reason="expired_or_canceled_card")
		charge = self.objects[refund["charge"]]
		charge["amount_refunded"] -= refund["amount"]
		charge["refunded"] = False
		return self.event("refund.updated", refund)

	def open_dispute(self, charge_id: str, *, fee: int = 1500, amount: int | None = None) -> dict:
		charge = self.objects[charge_id]
		amount = charge["amount"] if amount is None else amount
		dispute = self.new(
			"dispute",
			amount=amount,
			charge=charge_id,
			currency=charge["currency"],
			payment_intent=charge.get("payment_intent"),
			status="needs_response",
			balance_transactions=[],
		)
		details = [
			{
				"amount": fee,
				"application": None,
				"currency": charge["currency"],
				"description": "Dispute fee",
				"type": "stripe_fee",
			}
		]
		txn = self.transaction(
			amount=-amount,
			fee=fee,
			currency=charge["currency"],
			source=dispute["id"],
			type="adjustment",
			category="dispute",
			fee_details=details,
		)
		dispute["balance_transactions"].append(copy.deepcopy(txn))
		charge["disputed"] = True
		return self.event("charge.dispute.created", dispute)

	def close_dispute(self, dispute_id: str, status: str) -> dict:
		dispute = self.objects[dispute_id]
		if status == "won":
			txn = self.transaction(
				amount=dispute["amount"],
				currency=dispute["currency"],
				source=dispute_id,
				type="adjustment",
				category="dispute_reversal",
			)
			dispute["balance_transactions"].append(copy.deepcopy(txn))
		dispute["status"] = status
		return self.event("charge.dispute.closed", dispute)

	def pay_out(self, currency: str = "usd") -> dict:
		"""An automatic payout of every balance transaction in `currency` not paid out yet."""
		with self._state_lock:
			pending = [
				t
				for t in self.of_kind("balance_transaction")
				if t["currency"] == currency and t["type"] != "payout" and t["id"] not in self.payout_of
			]
			amount = sum(t["net"] for t in pending)
			payout = self.new(
				"payout",
				amount=amount,
				currency=currency,
				status="paid",
				automatic=True,
				arrival_date=int(time.time()),
			)
			own = self.transaction(
				amount=-amount, currency=currency, source=payout["id"], type="payout", category="payout"
			)
			payout["balance_transaction"] = own["id"]
			for txn in pending + [own]:
				self.payout_of[txn["id"]] = payout["id"]
				txn["status"] = "available"
		return self.event("payout.paid", payout)
