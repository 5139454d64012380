"""An invoice's figures from its lines, in one place, so they always reconcile:

    sum of lines = subtotal;  subtotal − discount + tax = total;
    insurer share + patient share = total;  paid + balance = patient share.

Tax is each line's own (at its item's rate, on the undiscounted line); the discount comes off
the subtotal before tax is added; the insurer pays its coverage percentage of the total.
"""

from dataclasses import dataclass
from decimal import Decimal

from hms.money import ZERO, money, percent_of


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal
    insurer_share: Decimal
    patient_share: Decimal


def compute(
    lines: list[tuple[Decimal, Decimal]],
    *,
    discount_kind: str = "",
    discount_value: Decimal = ZERO,
    coverage_percent: Decimal = ZERO,
) -> Totals:
    """`lines` are (amount, tax) pairs, already in cents."""
    subtotal = money(sum((amount for amount, _ in lines), ZERO))
    tax = money(sum((line_tax for _, line_tax in lines), ZERO))
    if discount_kind == "percent":
        # Nothing to discount on a subtotal that reversals brought to zero or below.
        discount = percent_of(
            max(subtotal, ZERO), min(max(Decimal(discount_value), ZERO), Decimal(100))
        )
    elif discount_kind == "amount":
        discount = money(min(max(Decimal(discount_value), ZERO), max(subtotal, ZERO)))
    else:
        discount = ZERO
    total = subtotal - discount + tax
    coverage = min(max(Decimal(coverage_percent), ZERO), Decimal(100))
    insurer = min(percent_of(total, coverage), total) if total > 0 else ZERO
    return Totals(subtotal, discount, tax, total, insurer, total - insurer)
