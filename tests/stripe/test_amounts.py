from decimal import ROUND_DOWN, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from erp_connectors.stripe_connector.amounts import (
	AmountError,
	chargeable_minor,
	exponent,
	from_minor,
	round_to_chargeable,
	to_minor,
)


@pytest.mark.parametrize(
	"amount, currency, minor",
	[
		("10.99", "USD", 1099),
		("10.99", "usd", 1099),
		("0.50", "EUR", 50),
		("1099", "JPY", 1099),
		("1099.00", "jpy", 1099),
		("50000", "KRW", 50000),
		("5.124", "KWD", 5124),
		("12.5", "BHD", 12500),
		("100", "VND", 100),
		("1234", "CLP", 1234),
	],
)
def test_to_minor(amount, currency, minor):
	assert to_minor(Decimal(amount), currency) == minor


def test_from_minor_keeps_the_currency_precision():
	assert from_minor(1099, "usd") == Decimal("10.99")
	assert str(from_minor(1000, "usd")) == "10.00"
	assert str(from_minor(500, "jpy")) == "500"
	assert str(from_minor(5120, "kwd")) == "5.120"
	assert from_minor(-250, "usd") == Decimal("-2.50")


def test_zero_decimal_is_not_multiplied_by_100():
	"""frappe/payments multiplied every amount by 100: ¥1,099 became ¥109,900."""
	assert to_minor(Decimal("1099"), "JPY") == 1099
	assert exponent("JPY") == 0 and exponent("USD") == 2 and exponent("KWD") == 3


def test_finer_precision_than_the_currency_raises_instead_of_rounding():
	with pytest.raises(AmountError, match="more than 2 decimal places"):
		to_minor(Decimal("10.999"), "USD")
	with pytest.raises(AmountError, match="more than 0 decimal places"):
		to_minor(Decimal("1099.5"), "JPY")


def test_floats_convert_by_their_shortest_text_not_binary_value():
	assert to_minor(10.99, "USD") == 1099
	assert to_minor(0.1 + 0.2 - 0.3 + 19.99, "USD") == 1999


def test_three_decimal_charges_must_be_a_multiple_of_ten():
	assert chargeable_minor(Decimal("5.120"), "KWD") == 5120
	with pytest.raises(AmountError) as info:
		chargeable_minor(Decimal("5.124"), "KWD")
	assert "5.120 or 5.130" in str(info.value)
	assert round_to_chargeable(Decimal("5.124"), "KWD") == Decimal("5.120")
	assert round_to_chargeable(Decimal("5.125"), "KWD") == Decimal("5.130")
	assert round_to_chargeable(Decimal("5.129"), "KWD", rounding=ROUND_DOWN) == Decimal("5.120")


def test_isk_is_two_decimal_but_charged_in_whole_kronur():
	assert chargeable_minor(Decimal("500"), "ISK") == 50000
	with pytest.raises(AmountError, match="multiple of 1.00"):
		chargeable_minor(Decimal("40.10"), "ISK")


def test_bad_inputs():
	with pytest.raises(AmountError):
		to_minor(Decimal("1"), "dollars")
	with pytest.raises(AmountError):
		from_minor(10.5, "USD")
	with pytest.raises(AmountError):
		to_minor(Decimal("NaN"), "USD")


@given(
	minor=st.integers(min_value=-(10**12), max_value=10**12),
	currency=st.sampled_from(["USD", "JPY", "KWD", "ISK"]),
)
def test_round_trip(minor, currency):
	assert to_minor(from_minor(minor, currency), currency) == minor
