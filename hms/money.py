"""Money: Decimal with 2 places, rounded half-up, in one place. Never float."""

import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

from django.conf import settings

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


def spread(amount: Decimal, over: list[Decimal]) -> list[Decimal]:
    """`amount` shared over the amounts `over` in proportion to them, in cents that add up to
    exactly `amount` (largest remainder: every share is its exact part rounded down to the cent,
    and the cents left go one each to the largest remainders, the first line winning a tie).
    Nothing is shared over a total of zero or less."""
    amount = money(amount)
    weights = [int(money(value) * 100) for value in over]
    whole = sum(weights)
    if not weights or whole <= 0 or amount == 0:
        return [ZERO] * len(weights)
    cents = int(amount * 100)
    exact = [Fraction(weight * cents, whole) for weight in weights]
    shares = [math.floor(part) for part in exact]
    left = cents - sum(shares)
    by_remainder = sorted(range(len(shares)), key=lambda i: (shares[i] - exact[i], i))
    for i in by_remainder[:left]:
        shares[i] += 1
    return [money(Decimal(share).scaleb(-2)) for share in shares]


def money_exact(value) -> Decimal:
    """`value` as money when it already is a whole number of cents (1500, "1500.50"); ValueError
    (with the sentence for the desk) otherwise: more places than money holds are refused, never
    rounded away."""
    if isinstance(value, float):
        raise TypeError("Money is never a float: pass a Decimal or a string.")
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError("Enter the amount as a number, e.g. 1500 or 1500.50.") from None
    if not number.is_finite():
        raise ValueError("Enter the amount as a number, e.g. 1500 or 1500.50.")
    if number != number.quantize(CENT, rounding=ROUND_HALF_UP):
        raise ValueError("Enter the amount in cents at most, e.g. 1500.50.")
    return money(number)


def money_text(value, *, currency: bool = True) -> str:
    """An amount as the hospital writes it: the currency, thousands separated, 2 places
    ("KES 40,250.00"; "KES -1,000.00" for a credit). `currency=False` for a column whose heading
    names the currency ("40,250.00"). Empty ("") for no amount at all (None, "")."""
    if value is None or value == "":
        return ""
    if isinstance(value, float):
        raise TypeError("Money is never a float: pass a Decimal or a string.")
    try:
        amount = money(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)  # not an amount: shown as it is rather than hidden
    text = f"{amount:,.2f}"
    return f"{settings.HMS_CURRENCY} {text}" if currency else text
