"""Topic -> handler(ctx, event) for Stripe events. The webhook intake, retries and backfills all use this map.

`event` is the whole Stripe event. Handlers use `data.object` only to learn which
object changed, then fetch its current state: events may come late, twice, or
out of order. Each returns the ERP document it posted or found, or None.
"""

from erp_connectors.connectors.errors import NeedsAttention
from erp_connectors.connectors.sources import SyncContext
from erp_connectors.stripe_connector.livemode import LivemodeMismatch, check_livemode
from erp_connectors.stripe_connector.posting import object_id
from erp_connectors.stripe_connector.sync_disputes import sync_dispute
from erp_connectors.stripe_connector.sync_payments import (
	post_payment_for_intent,
	record_payment_failure,
)
from erp_connectors.stripe_connector.sync_payouts import sync_payout
from erp_connectors.stripe_connector.sync_refunds import sync_refund, sync_refunds


def _object(event: dict) -> dict:
	return event["data"]["object"]


def checkout_session_completed(ctx: SyncContext, event: dict):
	session = _object(event)
	if session.get("mode") != "payment" or session.get("payment_status") != "paid":
		# unpaid: an async method (e.g. a bank debit) is still pending; async_payment_succeeded follows.
		return None
	intent_id = object_id(session.get("payment_intent"))
	if not intent_id:
		raise NeedsAttention(
			f"Checkout Session {session['id']} is paid but names no PaymentIntent; check it in Stripe."
		)
	return post_payment_for_intent(ctx, intent_id, session=session)


def payment_intent_succeeded(ctx: SyncContext, event: dict):
	return post_payment_for_intent(ctx, _object(event)["id"])


def payment_intent_failed(ctx: SyncContext, event: dict):
	return record_payment_failure(ctx, event)


def charge_refunded(ctx: SyncContext, event: dict):
	return sync_refunds(ctx, _object(event)["id"])


def refund_changed(ctx: SyncContext, event: dict):
	return sync_refund(ctx, _object(event)["id"])


def dispute_changed(ctx: SyncContext, event: dict):
	return sync_dispute(ctx, _object(event)["id"], as_of=event.get("created"))


def payout_paid(ctx: SyncContext, event: dict):
	return sync_payout(ctx, _object(event)["id"])


def same_mode_only(handler):
	"""Refuse an event whose livemode differs from the account's mode, before touching anything."""

	def run(ctx: SyncContext, event: dict):
		try:
			check_livemode(event, ctx.settings.get("mode"))
		except LivemodeMismatch as error:
			raise NeedsAttention(
				f"Nothing was posted: {error}. If the Stripe Account's mode is wrong, correct it and retry; "
				"otherwise this event does not belong here and can be left held."
			) from None
		return handler(ctx, event)

	run.__name__ = handler.__name__
	run.__doc__ = handler.__doc__
	return run


HANDLERS = {
	topic: same_mode_only(handler)
	for topic, handler in {
		"checkout.session.completed": checkout_session_completed,
		"checkout.session.async_payment_succeeded": checkout_session_completed,
		"payment_intent.succeeded": payment_intent_succeeded,
		"payment_intent.payment_failed": payment_intent_failed,
		"charge.refunded": charge_refunded,
		"charge.refund.updated": refund_changed,
		"refund.updated": refund_changed,
		"charge.dispute.created": dispute_changed,
		"charge.dispute.funds_withdrawn": dispute_changed,
		"charge.dispute.funds_reinstated": dispute_changed,
		"charge.dispute.closed": dispute_changed,
		"payout.paid": payout_paid,
	}.items()
}

# What "Register webhook endpoint" subscribes to.
WEBHOOK_EVENTS = sorted(HANDLERS)
