"""An invoice's figures from its lines, in one place, so they always reconcile:

    sum of lines' amounts = subtotal;  sum of lines' discounts = discount;
    sum of lines' taxes = tax;  subtotal − discount + tax = total;
    insurer share + patient share = total;  paid + balance = patient share.

Tax after discount (VAT is due on what is actually charged): the invoice's discount (an amount,
or a percentage of the subtotal) is spread over the lines in proportion to their amounts, to the
cent, so the lines' discounts add up to it exactly (`hms.money.spread`); each line's tax is its
item's rate of its discounted amount, rounded half-up; the invoice's tax is the sum of the lines'.
The insurer pays its coverage percentage of the total.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from hms.money import ZERO, money, percent_of, spread


@dataclass(frozen=True)
class Line:
    """One line of an invoice: its amount, its share of the discount and its tax on the rest."""

    amount: Decimal
    tax_rate: Decimal
    discount: Decimal
    tax: Decimal

    @property
    def net(self) -> Decimal:
        """What is charged for it: the amount less its share of the discount."""
        return self.amount - self.discount

    @property
    def total(self) -> Decimal:
        return self.net + self.tax


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal
    insurer_share: Decimal
    patient_share: Decimal
    lines: tuple[Line, ...] = field(default=(), compare=False)


def discount_of(subtotal: Decimal, *, kind: str, value: Decimal) -> Decimal:
    """The invoice's discount: `value` percent of the subtotal, or the amount `value`, never
    below zero nor above the subtotal (nothing to discount on a subtotal that reversals brought
    to zero or below)."""
    base = max(subtotal, ZERO)
    if kind == "percent":
        return percent_of(base, min(max(Decimal(value), ZERO), Decimal(100)))
    if kind == "amount":
        return money(min(max(Decimal(value), ZERO), base))
    return ZERO


def compute(
    *,
    lines: Sequence[tuple[Decimal, Decimal]],
    discount_kind: str = "",
    discount_value: Decimal = ZERO,
    coverage_percent: Decimal = ZERO,
) -> Totals:
    """`lines` are (amount, tax rate %) pairs, amounts in cents, in the invoice's order (the
    order decides who gets a left-over cent of the discount, so always pass the same one)."""
    amounts = [money(amount) for amount, _ in lines]
    subtotal = money(sum(amounts, ZERO))
    discount = discount_of(subtotal, kind=discount_kind, value=discount_value)
    shares = spread(discount, amounts)
    priced = tuple(
        Line(amount, Decimal(rate), share, percent_of(amount - share, rate))
        for amount, (_, rate), share in zip(amounts, lines, shares, strict=True)
    )
    tax = money(sum((line.tax for line in priced), ZERO))
    total = subtotal - discount + tax
    coverage = min(max(Decimal(coverage_percent), ZERO), Decimal(100))
    insurer = min(percent_of(total, coverage), total) if total > 0 else ZERO
    return Totals(subtotal, discount, tax, total, insurer, total - insurer, priced)
