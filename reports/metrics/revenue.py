"""Revenue: the money received at the desk and the amounts billed, per day of the period."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, DecimalField, Min, QuerySet, Sum
from django.utils import timezone

from billing.models import AdvanceDeposit, CreditNote, Invoice, Payment, PaymentMode
from billing.selectors import desk_money
from hms import params
from hms.money import ZERO, money
from reports.charts import Chart, Series
from reports.metrics import Metric, Table, register
from reports.metrics.daily import day_label, local_day
from reports.period import ReportPeriod
from reports.summaries import DayFigure, Source, period_figures, register_source

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
            (day, *(self.received[mode][i] for mode, _ in MODES), received, billed)
            for i, (day, received, billed) in enumerate(
                zip(self.days, self.received_by_day, self.billed, strict=True)
            )
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


# The summary's figures (reports.summaries): money through the desk by mode, gross and given
# back, and what was billed, each per hospital day.
RECEIVED, GIVEN_BACK = "revenue.received", "revenue.given_back"
ISSUED, VOIDED, CREDITED = "revenue.issued", "revenue.voided", "revenue.credited"


def _billed_by_day(found: QuerySet, moment: str, amount: str, figure: str) -> list[DayFigure]:
    return [
        DayFigure(figure, row["day"], "", row["count"], money(row["total"]))
        for row in found.annotate(day=local_day(moment))
        .values("day")
        .annotate(total=Sum(amount, output_field=_MONEY), count=Count("pk"))
        .order_by()
    ]


def live(first: date, last: date) -> list[DayFigure]:
    """The revenue figures of hospital days `first` to `last` from the records, per day: money
    received and given back by mode (billing.selectors.desk_money: payments and advance
    deposits in; refunds, advance refunds and reversed payments back, each on its own day),
    and invoices issued, voided (issued ones only) and credit notes. Eight grouped queries."""
    span = ReportPeriod(first, last)
    start, end = span.starts_at, span.ends_before
    figures = [
        DayFigure(
            RECEIVED if movement.kind == "received" else GIVEN_BACK,
            movement.day,
            movement.mode,
            movement.count,
            movement.total,
        )
        for movement in desk_money(start=start, end=end, per_day=True)
    ]
    figures += _billed_by_day(
        Invoice.objects.filter(issued_at__gte=start, issued_at__lt=end),
        "issued_at",
        "total",
        ISSUED,
    )
    figures += _billed_by_day(
        Invoice.objects.filter(issued_at__isnull=False, voided_at__gte=start, voided_at__lt=end),
        "voided_at",
        "total",
        VOIDED,
    )
    figures += _billed_by_day(
        CreditNote.objects.filter(created_at__gte=start, created_at__lt=end),
        "created_at",
        "amount",
        CREDITED,
    )
    return figures


def _earliest() -> date | None:
    """The hospital day of the first money movement or invoice."""
    moments = [
        Payment.objects.aggregate(first=Min("received_at"))["first"],
        AdvanceDeposit.objects.aggregate(first=Min("received_at"))["first"],
        Invoice.objects.aggregate(first=Min("issued_at"))["first"],
        CreditNote.objects.aggregate(first=Min("created_at"))["first"],
    ]
    found = [moment for moment in moments if moment is not None]
    return timezone.localdate(min(found), params.hospital_zone()) if found else None


SOURCE = register_source(
    Source(figures=(RECEIVED, GIVEN_BACK, ISSUED, VOIDED, CREDITED), live=live, earliest=_earliest)
)


def compute(period: ReportPeriod) -> Revenue:
    """The period's revenue from its per-day figures (reports.summaries: the daily summary for
    closed days, `live` for the rest): at most 11 queries, whatever its length or the number of
    payments.

    Money received follows the desk's takings (billing.selectors.desk_money): payments and
    advance deposits by the mode they came in; refunds by the way the money went back (the
    payment's mode when none was recorded), advance refunds by their method, and bounced
    payments on the day they were reversed, all below zero. Billed is what the patient and the
    insurer were invoiced: an issued invoice's total (after discount, with tax, both shares) on
    its issue day, less a voided invoice's total on the day it was voided and a credit note's
    amount on its day. Raises nothing; a period with no money has every figure 0."""
    index = {day: i for i, day in enumerate(period.days)}
    received = {mode: [ZERO] * len(index) for mode, _ in MODES}
    billed = [ZERO] * len(index)
    totals = {"gross": ZERO, "refunded": ZERO, "issued": ZERO, "corrected": ZERO}
    for found in period_figures(SOURCE, period):
        at, amount = index[found.day], money(found.total)
        if found.figure in (RECEIVED, GIVEN_BACK):
            if found.key not in received:
                continue  # given back from a deposit's use: no desk money moved (desk_money)
            sign = 1 if found.figure == RECEIVED else -1
            received[found.key][at] += sign * amount
            totals["gross" if sign > 0 else "refunded"] += amount
        elif found.figure == ISSUED:
            billed[at] += amount
            totals["issued"] += amount
        else:
            billed[at] -= amount
            totals["corrected"] += amount
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
