"""Money: Decimal with 2 places, rounded half-up, in one place. Never float."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value) -> Decimal:
    """`value` (Decimal, int or a decimal string; never a float) as an amount of money."""
    if isinstance(value, float):
        raise TypeError("Money is never a float: pass a Decimal or a string.")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def percent_of(amount: Decimal, rate: Decimal) -> Decimal:
    """`rate` percent of `amount`, rounded half-up to the cent (tax, insurance share, discount)."""
    return money(Decimal(amount) * Decimal(rate) / Decimal(100))
