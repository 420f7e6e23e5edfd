"""Stripe amounts are integers in the currency's minor unit; ours are Decimals.

Stripe's rules (docs.stripe.com/currencies):
- zero-decimal currencies (JPY, KRW, ...) are sent as whole units: ¥500 is 500;
- three-decimal currencies (BHD, JOD, KWD, OMR, TND) are sent in thousandths, but a
  charged amount must end in 0: 5.124 KWD cannot be charged, 5.120 or 5.130 can;
- ISK stays two-decimal in the API, yet charges must be whole krónur (a multiple of 100);
- everything else is two-decimal.

Conversions are exact or they raise: an amount is never silently rounded.
"""

from decimal import ROUND_HALF_UP, Decimal

ZERO_DECIMAL = frozenset(
	{
		"BIF",
		"CLP",
		"DJF",
		"GNF",
		"JPY",
		"KMF",
		"KRW",
		"MGA",
		"PYG",
		"RWF",
		"UGX",
		"VND",
		"VUV",
		"XAF",
		"XOF",
		"XPF",
	}
)
THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})
# Minor units a charged amount must be a multiple of, where that is not 1.
CHARGE_STEP = {**{code: 10 for code in THREE_DECIMAL}, "ISK": 100}


class AmountError(ValueError):
	"""An amount that cannot be expressed in Stripe's minor units without changing it."""


def normalise_currency(currency: str) -> str:
	code = (currency or "").strip().upper()
	if len(code) != 3 or not code.isalpha():
		raise AmountError(f"{currency!r} is not a three-letter ISO currency code")
	return code


def exponent(currency: str) -> int:
	"""Digits after the decimal point in Stripe's API for this currency."""
	code = normalise_currency(currency)
	if code in ZERO_DECIMAL:
		return 0
	if code in THREE_DECIMAL:
		return 3
	return 2


def _as_decimal(amount) -> Decimal:
	if isinstance(amount, float):
		# repr of a float is its shortest round-trip text, e.g. 10.99 and not 10.9900000000000002131...
		return Decimal(repr(amount))
	return amount if isinstance(amount, Decimal) else Decimal(str(amount))


def to_minor(amount, currency: str) -> int:
	"""Decimal("10.99"), "usd" -> 1099; Decimal("500"), "JPY" -> 500; finer precision raises."""
	value = _as_decimal(amount)
	if not value.is_finite():
		raise AmountError(f"{amount!r} is not an amount")
	scaled = value.scaleb(exponent(currency))
	if scaled != scaled.to_integral_value():
		raise AmountError(
			f"{normalise_currency(currency)} {value} has more than {exponent(currency)} decimal places"
		)
	return int(scaled)


def from_minor(minor: int, currency: str) -> Decimal:
	"""1099, "usd" -> Decimal("10.99"); 500, "jpy" -> Decimal("500"); 5120, "kwd" -> Decimal("5.120")."""
	if isinstance(minor, bool) or not isinstance(minor, int):
		raise AmountError(f"Stripe amounts are integers, got {minor!r}")
	places = exponent(currency)
	return Decimal(minor).scaleb(-places).quantize(Decimal(1).scaleb(-places))


def charge_step(currency: str) -> int:
	return CHARGE_STEP.get(normalise_currency(currency), 1)


def chargeable_minor(amount, currency: str) -> int:
	"""Minor units to charge for exactly `amount`, or AmountError if Stripe cannot charge it.

	The message tells the user what to change, because the amount comes from the
	ERP document and only they may decide how to round it.
	"""
	minor = to_minor(amount, currency)
	step = charge_step(currency)
	if minor % step:
		code = normalise_currency(currency)
		lower = round_to_chargeable(amount, currency, rounding="ROUND_DOWN")
		upper = lower + from_minor(step, currency)
		raise AmountError(
			f"Stripe cannot charge {code} {_as_decimal(amount)}: {code} amounts must be a multiple of "
			f"{from_minor(step, currency)}. Round the document's amount to {lower} or {upper}, then try again."
		)
	return minor


def round_to_chargeable(amount, currency: str, rounding: str = ROUND_HALF_UP) -> Decimal:
	"""The nearest amount Stripe can charge (KWD 5.124 -> 5.120), for callers that choose to round."""
	step = from_minor(charge_step(currency), currency)
	value = _as_decimal(amount)
	return ((value / step).quantize(Decimal(1), rounding=rounding) * step).quantize(step)
