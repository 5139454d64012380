"""Charges a stay has earned and nobody has posted yet, priced as posting them would price them.

Ward days are posted by a periodic task and, at the latest, by the discharge itself
(wards.accrual). Between two runs a stay has earned days the account does not hold yet, and the
discharge card, the exemption and the account page must not show a balance short of them. Each
module that accrues charges registers a source here in its AppConfig.ready (billing never imports
wards, DESIGN.md); billing asks the registry.
"""

from collections.abc import Callable
from decimal import Decimal

from django.db import models

from billing.models import ChargeItem
from hms.money import ZERO, money, percent_of

# A source: the admission (passed in: billing does not import wards) -> the charge item codes of
# the units it has earned and not posted, one code per unit (a code twice for two days).
_SOURCES: list[Callable[[models.Model], list[str]]] = []


def register(source: Callable[[models.Model], list[str]]) -> None:
    """Add a source of unposted units (once per process, from an AppConfig.ready)."""
    if source not in _SOURCES:
        _SOURCES.append(source)


def price_of_units(codes: list[str]) -> Decimal:
    """What posting one unit of each code would add to the bill now, tax included (KES, two
    places): each unit priced as billing.services.charge_post prices it (the item's current
    price, tax on the line's amount). One query; an inactive or unknown code counts nothing
    (posting it would be refused and logged, not charged)."""
    if not codes:
        return ZERO
    items = {
        code: (price, rate)
        for code, price, rate in ChargeItem.objects.filter(
            code__in=set(codes), active=True
        ).values_list("code", "price", "tax_rate")
    }
    total = ZERO
    for code in codes:
        if code in items:
            price, rate = items[code]
            amount = money(price)
            total += amount + percent_of(amount, rate)
    return total


def unposted_for_stay(admission: models.Model) -> Decimal:
    """The stay's earned, unposted charges in KES, tax included (0 once it has ended: the
    discharge posts everything)."""
    if getattr(admission, "discharged_at", None) is not None:
        return ZERO
    return price_of_units([code for source in _SOURCES for code in source(admission)])
