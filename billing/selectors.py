"""Billing's read-only queries that screens share: insurance claims and the desk's day at a glance."""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import Case, Count, DecimalField, F, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from billing.models import (
    AdvanceDeposit,
    ClaimStatus,
    InsuranceClaim,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentMode,
    Refund,
)
from hms.money import ZERO, money

OPEN_STATUSES = [InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID]
OPEN_CLAIMS = [ClaimStatus.SUBMITTED, ClaimStatus.APPROVED]
_MONEY = DecimalField(max_digits=16, decimal_places=2)

# Invoice.balance and InsuranceClaim.outstanding, as database expressions.
PATIENT_BALANCE = (
    F("patient_share") + F("insurer_shortfall") - F("amount_credited") - F("amount_paid")
)
CLAIM_OUTSTANDING = Case(
    When(status=ClaimStatus.SUBMITTED, then=F("amount_claimed")),
    When(status=ClaimStatus.APPROVED, then=F("approved_amount")),
    default=Value(ZERO),
    output_field=_MONEY,
)


def _sum(expression) -> Coalesce:
    return Coalesce(Sum(expression, output_field=_MONEY), Value(ZERO), output_field=_MONEY)


def open_patient_invoices() -> QuerySet[Invoice]:
    """Issued invoices on which the patient still owes something."""
    return (
        Invoice.objects.filter(status__in=OPEN_STATUSES)
        .alias(open_balance=PATIENT_BALANCE)
        .filter(open_balance__gt=0)
    )


def claims(*, status: str = "", insurer: str = "") -> QuerySet[InsuranceClaim]:
    """Claims, newest first, with their invoice and patient (one query for a page of them)."""
    found = InsuranceClaim.objects.select_related("invoice__patient")
    if status:
        found = found.filter(status=status)
    if insurer:
        found = found.filter(insurer=insurer)
    return found.order_by("-submitted_at", "-id")


def claim_insurers() -> list[str]:
    return list(
        InsuranceClaim.objects.order_by("insurer").values_list("insurer", flat=True).distinct()
    )


def claims_outstanding(found: QuerySet[InsuranceClaim] | None = None) -> dict:
    """How many claims the insurers still owe on, and how much (submitted: the amount claimed;
    approved: the amount approved)."""
    found = InsuranceClaim.objects.all() if found is None else found
    figures = found.filter(status__in=OPEN_CLAIMS).aggregate(
        count=Count("id"), amount=_sum(CLAIM_OUTSTANDING)
    )
    return {"count": figures["count"], "amount": money(figures["amount"])}


@dataclass
class Takings:
    """Money in and out at the desk today, for one payment mode."""

    mode: str
    label: str
    received: Decimal = ZERO
    refunded: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.received - self.refunded


@dataclass
class DeskSummary:
    day: object
    takings: list[Takings] = field(default_factory=list)
    issued_count: int = 0
    issued_total: Decimal = ZERO
    open_count: int = 0
    open_total: Decimal = ZERO
    claims_count: int = 0
    claims_amount: Decimal = ZERO
    drafts_count: int = 0
    drafts: list[Invoice] = field(default_factory=list)

    @property
    def takings_total(self) -> Decimal:
        return sum((row.net for row in self.takings), ZERO)


def _day_bounds(day) -> tuple[datetime, datetime]:
    """The hospital's local day as aware datetimes [start, end)."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def desk_summary(day=None) -> DeskSummary:
    """The billing desk's day: takings by mode (payments and deposits received, less refunds;
    paying from a deposit is not new money), invoices issued, what patients and insurers still
    owe, and the drafts waiting to be issued. A fixed number of queries, whatever the volume."""
    day = day or timezone.localdate()
    start, end = _day_bounds(day)
    labels = dict(PaymentMode.choices)
    rows: dict[str, Takings] = {}

    def row(mode: str) -> Takings:
        return rows.setdefault(mode, Takings(mode, labels.get(mode, mode)))

    received = (
        Payment.objects.filter(received_at__gte=start, received_at__lt=end)
        .exclude(mode=PaymentMode.ADVANCE)
        .values("mode")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for entry in received:
        row(entry["mode"]).received += money(entry["total"])
    deposits = (
        AdvanceDeposit.objects.filter(received_at__gte=start, received_at__lt=end)
        .values("mode")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for entry in deposits:
        row(entry["mode"]).received += money(entry["total"])
    refunds = (
        Refund.objects.filter(refunded_at__gte=start, refunded_at__lt=end)
        .values("payment__mode")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for entry in refunds:
        row(entry["payment__mode"]).refunded += money(entry["total"])
    order = list(labels)
    summary = DeskSummary(day=day, takings=sorted(rows.values(), key=lambda r: order.index(r.mode)))

    issued = (
        Invoice.objects.filter(issued_at__gte=start, issued_at__lt=end)
        .exclude(status=InvoiceStatus.VOID)
        .aggregate(count=Count("id"), total=_sum("total"))
    )
    summary.issued_count, summary.issued_total = issued["count"], money(issued["total"])
    owed = open_patient_invoices().aggregate(count=Count("id"), total=_sum(PATIENT_BALANCE))
    summary.open_count, summary.open_total = owed["count"], money(owed["total"])
    claims_open = claims_outstanding()
    summary.claims_count, summary.claims_amount = claims_open["count"], claims_open["amount"]
    drafts = Invoice.objects.filter(status=InvoiceStatus.DRAFT)
    summary.drafts_count = drafts.count()
    summary.drafts = list(
        drafts.select_related("patient")
        .annotate(line_count=Count("lines"))
        .order_by("created_at", "id")[:5]
    )
    return summary
