"""Every Stripe enum value our code compares against is one Stripe has (the SDK models' Literals).

A value Stripe never sends (the payout sync once waited for a balance transaction of type "tax";
Stripe's is "tax_fee") makes a branch dead without any test noticing.
"""

import typing

import pytest
import stripe
from stripe.checkout import Session

from erp_connectors.stripe_connector import sync_payouts
from erp_connectors.stripe_connector.handlers import HANDLERS, WEBHOOK_EVENTS


def stripe_values(model, name: str) -> set:
	"""The values of the Literal(s) annotated on `model.name`."""
	found, todo = set(), [model.__annotations__[name]]
	while todo:
		tp = todo.pop()
		if typing.get_origin(tp) is typing.Literal:
			found.update(typing.get_args(tp))
		else:
			todo.extend(typing.get_args(tp))
	return found


@pytest.mark.parametrize(
	"model, name, ours",
	[
		(stripe.BalanceTransaction, "type", sync_payouts.FEE_TYPES),
		(stripe.BalanceTransaction, "type", sync_payouts.CHARGE_TYPES),
		(stripe.BalanceTransaction, "type", sync_payouts.REFUND_TYPES),
		(stripe.BalanceTransaction, "type", ("payout",)),  # a payout's own transaction
		(stripe.Dispute, "status", ("won", "lost", "warning_closed")),  # sync_disputes
		(stripe.PaymentIntent, "status", ("succeeded",)),  # sync_payments
		(stripe.Charge, "status", ("succeeded",)),
		(Session, "mode", ("payment",)),  # handlers: checkout.session.completed
		(Session, "payment_status", ("paid",)),
		(stripe.Event, "type", tuple(HANDLERS)),
		(stripe.Event, "type", tuple(WEBHOOK_EVENTS)),
	],
	ids=lambda value: value.__name__ if isinstance(value, type) else None,
)
def test_values_we_compare_are_stripes(model, name, ours):
	assert set(ours) - stripe_values(model, name) == set()
