"""Revenue: the money received at the desk and the amounts billed, per day of the period."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, Expression, F, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, NullIf

from billing.models import (
    AdvanceDeposit,
    AdvanceRefund,
    CreditNote,
    Invoice,
    Payment,
    PaymentMode,
    Refund,
)
from hms.money import ZERO, money
from reports.charts import Chart, Series
from reports.metrics import Metric, Table, register
from reports.metrics.daily import day_label, local_day
from reports.period import ReportPeriod

_MONEY = DecimalField(max_digits=16, decimal_places=2)
# The modes money comes in by (paying from an advance deposit is not new money: the deposit was
# counted the day it was received), in the desk's order.
MODES = [(mode, label) for mode, label in PaymentMode.choices if mode != PaymentMode.ADVANCE]


@dataclass(frozen=True)
class Revenue:
    """Per day of `days` (oldest first), in the hospital's currency: `received[mode]` the net
    money received by that payment mode (payments and advance deposits, less refunds, advance
    refunds and reversed payments, each on its own day); `billed` the net amount billed
    (invoices issued, less invoices voided and credit notes, each on its own day)."""

    days: list[date]
    received: dict[str, list[Decimal]]
    billed: list[Decimal]
    # The period's totals, beside the chart.
    received_gross: Decimal
    refunded: Decimal
    issued: Decimal
    corrected: Decimal  # voided invoices and credit notes

    @property
    def received_by_day(self) -> list[Decimal]:
        """The net money received each day, every mode together."""
        return [sum(column, ZERO) for column in zip(*self.received.values(), strict=True)]

    @property
    def received_total(self) -> Decimal:
        return sum(self.received_by_day, ZERO)

    @property
    def billed_total(self) -> Decimal:
        return sum(self.billed, ZERO)

    @property
    def by_mode(self) -> list[tuple[str, Decimal]]:
        """(mode's label, net received over the period), for every mode."""
        return [(label, sum(self.received[mode], ZERO)) for mode, label in MODES]

    def tables(self) -> list[Table]:
        headers = ("Day", *(label for _, label in MODES), "Received (net)", "Billed (net)")
        rows = [
            (day, *(self.received[mode][i] for mode, _ in MODES), self.received_by_day[i], billed)
            for i, (day, billed) in enumerate(zip(self.days, self.billed, strict=True))
        ]
        return [Table("revenue-by-day", "Revenue per day", headers, rows)]

    def charts(self) -> list[Chart]:
        labels = [day_label(day) for day in self.days]
        return [
            Chart(
                "Received and billed per day",
                "bar",
                labels,
                [
                    Series("Received (net)", self.received_by_day),
                    Series("Billed (net)", self.billed),
                ],
                unit="KES",
                notes=["Refunds, reversals and credit notes count below zero on their day."],
            ),
            Chart(
                "Received per day by payment mode",
                "line",
                labels,
                [Series(label, self.received[mode]) for mode, label in MODES],
                unit="KES",
            ),
        ]


def _by_day_and_mode(found: QuerySet, moment: str, mode: str | Expression) -> list[dict]:
    """Sums of `amount` of the rows `found`, by local day of `moment` and by `mode` (a field or
    an expression)."""
    return list(
        found.annotate(day=local_day(moment), desk_mode=F(mode) if isinstance(mode, str) else mode)
        .values("day", "desk_mode")
        .annotate(total=Sum("amount", output_field=_MONEY))
        .order_by()
    )


def _by_day(found: QuerySet, moment: str, amount: str) -> list[dict]:
    """Sums of `amount` of the rows `found`, by local day of `moment`."""
    return list(
        found.annotate(day=local_day(moment))
        .values("day")
        .annotate(total=Sum(amount, output_field=_MONEY))
        .order_by()
    )


def compute(period: ReportPeriod) -> Revenue:
    """The period's revenue in 8 queries, whatever its length or the number of payments: one
    sum per kind of movement, grouped by local day (and mode) in the database.

    Money received follows the desk's takings (billing.selectors.desk_summary): payments and
    advance deposits by the mode they came in; refunds by the way the money went back (the
    payment's mode when none was recorded), advance refunds by their method, and bounced
    payments on the day they were reversed, all below zero. Billed is what the patient and the
    insurer were invoiced: an issued invoice's total (after discount, with tax, both shares) on
    its issue day, less a voided invoice's total on the day it was voided and a credit note's
    amount on its day. Raises nothing; a period with no money has every figure 0."""
    start, end = period.starts_at, period.ends_before
    index = {day: i for i, day in enumerate(period.days)}
    received = {mode: [ZERO] * len(index) for mode, _ in MODES}
    billed = [ZERO] * len(index)
    totals = {"gross": ZERO, "refunded": ZERO, "issued": ZERO, "corrected": ZERO}

    money_in = [
        (
            Payment.objects.filter(received_at__gte=start, received_at__lt=end).exclude(
                mode=PaymentMode.ADVANCE
            ),
            "received_at",
            "mode",
            1,
        ),
        (
            AdvanceDeposit.objects.filter(received_at__gte=start, received_at__lt=end),
            "received_at",
            "mode",
            1,
        ),
        (
            Refund.objects.filter(refunded_at__gte=start, refunded_at__lt=end),
            "refunded_at",
            Coalesce(NullIf("method", Value("")), "payment__mode"),
            -1,
        ),
        (
            AdvanceRefund.objects.filter(refunded_at__gte=start, refunded_at__lt=end),
            "refunded_at",
            "method",
            -1,
        ),
        (
            Payment.objects.filter(reversed_at__gte=start, reversed_at__lt=end),
            "reversed_at",
            "mode",
            -1,
        ),
    ]
    for found, moment, mode, sign in money_in:
        for row in _by_day_and_mode(found, moment, mode):
            if row["desk_mode"] not in received:
                continue  # given back from a deposit's use: no desk money moved (desk_summary)
            amount = money(row["total"])
            received[row["desk_mode"]][index[row["day"]]] += sign * amount
            totals["gross" if sign > 0 else "refunded"] += amount

    billing = [
        (Invoice.objects.filter(issued_at__gte=start, issued_at__lt=end), "issued_at", 1),
        (
            Invoice.objects.filter(
                issued_at__isnull=False, voided_at__gte=start, voided_at__lt=end
            ),
            "voided_at",
            -1,
        ),
    ]
    for found, moment, sign in billing:
        for row in _by_day(found, moment, "total"):
            billed[index[row["day"]]] += sign * money(row["total"])
            totals["issued" if sign > 0 else "corrected"] += money(row["total"])
    for row in _by_day(
        CreditNote.objects.filter(created_at__gte=start, created_at__lt=end), "created_at", "amount"
    ):
        billed[index[row["day"]]] -= money(row["total"])
        totals["corrected"] += money(row["total"])
    return Revenue(
        days=period.days,
        received=received,
        billed=billed,
        received_gross=totals["gross"],
        refunded=totals["refunded"],
        issued=totals["issued"],
        corrected=totals["corrected"],
    )


register(
    Metric(
        key="revenue",
        title="Revenue",
        definition=(
            "Money received per day by payment mode (payments and advance deposits, less refunds"
            " and reversed payments on the day they were given back) and the amount billed per"
            " day (issued invoices' totals on their issue day, less voids and credit notes on"
            " theirs)."
        ),
        finance=True,
        compute=compute,
    )
)
