"""Receivables: what patients and insurers still owe, by how long ago the invoice was issued."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from billing.models import InsuranceClaim, Invoice
from billing.selectors import AGE_BUCKETS, age_filter, claims_outstanding, outstanding_figures
from hms.money import ZERO
from reports.charts import Chart, Series
from reports.metrics import Metric, Table, register
from reports.period import ReportPeriod


@dataclass(frozen=True)
class AgedAmount:
    """One age bucket (billing.selectors.AGE_BUCKETS): how many and how much (KES)."""

    label: str
    count: int
    amount: Decimal


@dataclass(frozen=True)
class Receivables:
    """As at `as_at`: patients' open balances (`patients`) and insurers' open claims (`insurers`),
    each a list of AgedAmount in AGE_BUCKETS' order."""

    as_at: date
    patients: list[AgedAmount]
    insurers: list[AgedAmount]

    @property
    def patients_total(self) -> AgedAmount:
        return _total(self.patients)

    @property
    def insurers_total(self) -> AgedAmount:
        return _total(self.insurers)

    @property
    def total(self) -> Decimal:
        return self.patients_total.amount + self.insurers_total.amount

    @property
    def rows(self) -> list[tuple[AgedAmount, AgedAmount]]:
        """(patients', insurers') per bucket, for the panel's table."""
        return list(zip(self.patients, self.insurers, strict=True))

    def tables(self) -> list[Table]:
        headers = (
            "Age",
            "Patients: invoices",
            "Patients: KES",
            "Insurers: claims",
            "Insurers: KES",
        )
        rows = [
            (own.label, own.count, own.amount, insured.count, insured.amount)
            for own, insured in [*self.rows, (self.patients_total, self.insurers_total)]
        ]
        return [Table("receivables", f"Receivables as at {self.as_at:%d/%m/%Y}", headers, rows)]

    def charts(self) -> list[Chart]:
        return [
            Chart(
                "Outstanding by age",
                "bar",
                [bucket.label for bucket in self.patients],
                [
                    Series("Patients", [bucket.amount for bucket in self.patients]),
                    Series("Insurers", [bucket.amount for bucket in self.insurers]),
                ],
                unit="KES",
            )
        ]


def _total(buckets: list[AgedAmount]) -> AgedAmount:
    return AgedAmount(
        "Total", sum(b.count for b in buckets), sum((b.amount for b in buckets), ZERO)
    )


def compute(period: ReportPeriod) -> Receivables:
    """What is owed as at the period's last day (today when that is later), in 5 queries however
    many invoices are open. Patients: billing.selectors.outstanding_figures (each open invoice's
    patient balance, aged by days since issue); insurers: billing.selectors.claims_outstanding
    (a submitted claim's amount claimed, an approved one's amount approved), aged by the same
    rule (age_filter) on the claim's invoice's issue day. Invoices issued after that day are not
    counted; the amounts are today's (balances keep no history: a payment made since counts as
    made). Raises nothing."""
    as_at = min(period.last, timezone.localdate())
    owed = outstanding_figures(as_at)
    patients = [
        AgedAmount(row["bucket"].label, row["count"], row["balance"]) for row in owed.buckets
    ]
    insurers = []
    for bucket in AGE_BUCKETS:
        figures = claims_outstanding(
            InsuranceClaim.objects.filter(
                invoice__in=Invoice.objects.filter(age_filter(bucket, as_at))
            )
        )
        insurers.append(AgedAmount(bucket.label, figures["count"], figures["amount"]))
    return Receivables(as_at=as_at, patients=patients, insurers=insurers)


register(
    Metric(
        key="receivables",
        title="Receivables",
        definition=(
            "What patients (open invoice balances) and insurers (open claims) still owe, by days"
            " since the invoice was issued, as at the period's last day or today if sooner."
        ),
        finance=True,
        compute=compute,
    )
)
