"""Shopify money fields as exact Decimals, in the shop's currency. Pure."""

from decimal import Decimal

# Currencies without minor units (ISO 4217 exponent 0) that Shopify shops use.
ZERO_DECIMAL = {
	"BIF",
	"CLP",
	"DJF",
	"GNF",
	"ISK",
	"JPY",
	"KMF",
	"KRW",
	"PYG",
	"RWF",
	"UGX",
	"VND",
	"VUV",
	"XAF",
	"XOF",
	"XPF",
}


def unit(currency: str) -> Decimal:
	"""The smallest amount the currency can express."""
	return Decimal(1) if (currency or "").upper() in ZERO_DECIMAL else Decimal("0.01")


def shop_amount(obj: dict, field: str) -> Decimal:
	"""`field` in the shop's currency: from `<field>_set.shop_money` when Shopify sends it,
	because the plain field may be in the customer's (presentment) currency."""
	money_set = obj.get(f"{field}_set") or {}
	shop_money = money_set.get("shop_money") if isinstance(money_set, dict) else None
	if shop_money and shop_money.get("amount") is not None:
		return Decimal(str(shop_money["amount"]))
	value = obj.get(field)
	return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def allocated_discount(line: dict) -> Decimal:
	return sum((shop_amount(a, "amount") for a in line.get("discount_allocations") or []), Decimal(0))


def split_evenly(total: Decimal, qty: int, step: Decimal) -> list[tuple[int, Decimal]]:
	"""Rows of (qty, rate) whose amounts add up to `total` exactly.

	$10.00 over 3 units has no exact unit rate, so it becomes 2 x 3.33 + 1 x 3.34.
	Each rate is a whole number of `step`, so ERPNext's rounding changes nothing.
	"""
	if qty <= 0:
		raise ValueError("quantity must be positive")
	units = int((total / step).to_integral_value())
	if Decimal(units) * step != total:
		raise ValueError(f"{total} is not a whole number of {step}")
	base, remainder = divmod(units, qty)
	rows = [(qty - remainder, Decimal(base) * step)]
	if remainder:
		rows.append((remainder, Decimal(base + 1) * step))
	return [(q, rate) for q, rate in rows if q]
