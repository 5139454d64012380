"""Billing's read-only queries that screens share: insurance claims, the desk's day at a glance, what
patients owe (by age, over every open invoice), and a patient's balance and statement."""

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache

from django.conf import settings
from django.core.paginator import Page
from django.db import connection, connections, models, router
from django.db.models import (
    Case,
    CharField,
    Count,
    DecimalField,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast, Coalesce, NullIf, RowNumber, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from accounts.models import User
from billing import unposted
from billing.cover import cover_of, cover_of_invoice
from billing.models import (
    PAYMENT_MODES,
    AdvanceDeposit,
    AdvanceRefund,
    Charge,
    ClaimStatus,
    CreditNote,
    DischargeExemption,
    InsuranceClaim,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentMode,
    Refund,
    RefundMethod,
)
from billing.totals import Totals
from hms import files, paging, params, rbac
from hms.links import link_to
from hms.money import ZERO, money, money_text
from hms.prepared import Prepared

OPEN_STATUSES = [InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID]

# An invoice's page and every action on it read the invoice with its patient and stay: compiled
# once (hms.prepared).
_INVOICE = Prepared(
    lambda pk: Invoice.objects.select_related("patient", "admission").filter(pk=pk), pk=-1
)


def invoice_by_id(pk: int) -> Invoice | None:
    """The invoice `pk` with its patient and stay, or None."""
    return _INVOICE.one(pk=pk)


# The invoice's page reads its claim with it (one query fewer, and no ORM query built for the
# reverse one-to-one) and its credit notes by a prepared query: the page and its void rule
# both ask for them.
_INVOICE_PAGE = Prepared(
    lambda pk: Invoice.objects.select_related("patient", "admission", "claim").filter(pk=pk),
    pk=-1,
)
_CREDIT_NOTES = Prepared(
    lambda invoice_id: CreditNote.objects.filter(invoice_id=invoice_id), invoice_id=-1
)


_INVOICE_PAYMENTS = Prepared(
    lambda invoice_id: (
        Payment.objects.filter(invoice_id=invoice_id)
        .select_related("received_by")
        .prefetch_related("refunds__refunded_by")
    ),
    invoice_id=-1,
)
# The advance a patient has left, in one row (none for no deposit: as aggregate()'s None).
_ADVANCE_LEFT = Prepared(
    lambda patient_id: (
        AdvanceDeposit.objects.filter(patient_id=patient_id)
        .values("patient_id")
        .annotate(left=Sum("amount") - Sum("applied") - Sum("refunded"))
    ),
    patient_id=uuid.UUID(int=1),
)


def invoice_for_page(pk: int) -> Invoice | None:
    """The invoice `pk` with its patient, stay and insurance claim (`invoice.claim`, absent
    when it has none: getattr(invoice, "claim", None) asks nothing more), or None. For the
    invoice's page only: an action that may add a claim reads the invoice by invoice_by_id."""
    return _INVOICE_PAGE.one(pk=pk)


def credit_notes_of(invoice: Invoice) -> list[CreditNote]:
    """The invoice's credit notes, oldest first."""
    return _CREDIT_NOTES.all(invoice_id=invoice.pk)


OPEN_CLAIMS = [ClaimStatus.SUBMITTED, ClaimStatus.APPROVED]
_MONEY = DecimalField(max_digits=16, decimal_places=2)

# InsuranceClaim.outstanding as a database expression (Invoice.balance is the database's own
# column, Invoice.patient_balance).
CLAIM_OUTSTANDING = Case(
    When(status=ClaimStatus.SUBMITTED, then=F("amount_claimed")),
    When(status=ClaimStatus.APPROVED, then=F("approved_amount")),
    default=Value(ZERO),
    output_field=_MONEY,
)


def _sum(expression: str | Combinable, *, only: Q | None = None) -> Coalesce:
    """The sum of `expression` (over the rows matching `only`, when given), 0 when none."""
    return Coalesce(
        Sum(expression, output_field=_MONEY, filter=only), Value(ZERO), output_field=_MONEY
    )


def open_patient_invoices() -> QuerySet[Invoice]:
    """Issued invoices on which the patient still owes something."""
    return Invoice.objects.filter(status__in=OPEN_STATUSES).filter(patient_balance__gt=0)


def claims(*, status: str = "", insurer: str = "") -> QuerySet[InsuranceClaim]:
    """Claims, newest first, with their invoice and patient (one query for a page of them)."""
    found = InsuranceClaim.objects.select_related("invoice__patient").defer(
        "invoice__lines_snapshot"
    )
    if status:
        found = found.filter(status=status)
    if insurer:
        found = found.filter(insurer=insurer)
    return found.order_by("-submitted_at", "-id")


def claim_insurers() -> list[str]:
    return list(
        InsuranceClaim.objects.order_by("insurer").values_list("insurer", flat=True).distinct()
    )


# Every claim the insurers still owe on, summed in one row (no GROUP BY: a constant is not
# grouped on), compiled once (hms.prepared).
_CLAIMS_OUTSTANDING = Prepared(
    lambda: (
        InsuranceClaim.objects.filter(status__in=OPEN_CLAIMS)
        .order_by()
        .annotate(every=Value(1, output_field=models.IntegerField()))
        .values("every")
        .annotate(count=Count("id"), amount=_sum(CLAIM_OUTSTANDING))
    )
)


def claims_outstanding(found: QuerySet[InsuranceClaim] | None = None) -> dict:
    """How many claims the insurers still owe on, and how much (submitted: the amount claimed;
    approved: the amount approved); of every claim (by a prepared query) unless `found`."""
    if found is None:
        (figures,) = _CLAIMS_OUTSTANDING.values()
    else:
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
    reversed: Decimal = ZERO  # payments reversed today (bounced): money that never came

    @property
    def net(self) -> Decimal:
        return self.received - self.refunded - self.reversed


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


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    """The hospital's local day as aware datetimes [start, end)."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


@dataclass(frozen=True)
class DeskMoney:
    """Money through the desk by one payment mode, over a span or one hospital day of it:
    `kind` is "received" (payments, not from a deposit, and advance deposits), "refunded"
    (refunds and advance refunds, by the way the money went back) or "reversed" (payments that
    bounced, on the day they were reversed); `total` in the hospital's currency (>= 0)."""

    day: date | None
    mode: str
    kind: str
    total: Decimal
    count: int


def desk_money(*, start: datetime, end: datetime, per_day: bool = False) -> list[DeskMoney]:
    """The desk's money movements in [start, end) (aware datetimes) by payment mode, and by the
    hospital's calendar day of each movement when `per_day` (settings.TIME_ZONE; `day` None
    otherwise): the desk's takings (desk_summary) and the dashboard's revenue per day
    (reports.metrics.revenue) both read it. Paying an invoice from an advance deposit is not
    new money (the deposit was counted the day it came in); a refund recorded before its method
    was asked went back the way the money came in. Five grouped queries, whatever the volume."""
    movements = [
        (
            Payment.objects.filter(received_at__gte=start, received_at__lt=end).exclude(
                mode=PaymentMode.ADVANCE
            ),
            "received_at",
            F("mode"),
            "received",
        ),
        (
            AdvanceDeposit.objects.filter(received_at__gte=start, received_at__lt=end),
            "received_at",
            F("mode"),
            "received",
        ),
        (
            Refund.objects.filter(refunded_at__gte=start, refunded_at__lt=end),
            "refunded_at",
            Coalesce(NullIf("method", Value("")), "payment__mode"),
            "refunded",
        ),
        (
            AdvanceRefund.objects.filter(refunded_at__gte=start, refunded_at__lt=end),
            "refunded_at",
            F("method"),
            "refunded",
        ),
        (
            Payment.objects.filter(reversed_at__gte=start, reversed_at__lt=end),
            "reversed_at",
            F("mode"),
            "reversed",
        ),
    ]
    found = []
    for rows, moment, mode, kind in movements:
        rows = rows.annotate(desk_mode=mode)
        group = ["desk_mode"]
        if per_day:
            rows = rows.annotate(day=TruncDate(moment, tzinfo=params.hospital_zone()))
            group.append("day")
        for entry in (
            rows.values(*group)
            .annotate(total=Sum("amount", output_field=_MONEY), count=Count("pk"))
            .order_by()
        ):
            found.append(
                DeskMoney(
                    day=entry.get("day"),
                    mode=entry["desk_mode"],
                    kind=kind,
                    total=money(entry["total"]),
                    count=entry["count"],
                )
            )
    return found


def desk_summary(day: date | None = None) -> DeskSummary:
    """The billing desk's day: takings by mode (payments and deposits received, less refunds;
    paying from a deposit is not new money), invoices issued, what patients and insurers still
    owe, and the drafts waiting to be issued. A fixed number of queries, whatever the volume."""
    day = day or timezone.localdate()
    start, end = _day_bounds(day)
    labels = dict(PaymentMode.choices)
    rows: dict[str, Takings] = {}

    def row(mode: str) -> Takings:
        return rows.setdefault(mode, Takings(mode, labels.get(mode, mode)))

    for movement in desk_money(start=start, end=end):
        taking = row(movement.mode)
        setattr(taking, movement.kind, getattr(taking, movement.kind) + movement.total)
    order = list(labels)
    summary = DeskSummary(day=day, takings=sorted(rows.values(), key=lambda r: order.index(r.mode)))

    issued = (
        Invoice.objects.filter(issued_at__gte=start, issued_at__lt=end)
        .exclude(status=InvoiceStatus.VOID)
        .aggregate(count=Count("id"), total=_sum("total"))
    )
    summary.issued_count, summary.issued_total = issued["count"], money(issued["total"])
    owed = open_patient_invoices().aggregate(count=Count("id"), total=_sum("patient_balance"))
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


# --- what patients owe, by age (the Outstanding report) -------------------------------------------


@dataclass(frozen=True)
class AgeBucket:
    key: str
    label: str
    low: int  # days since issue, inclusive
    high: int | None  # inclusive; None: no upper end


AGE_BUCKETS = [
    AgeBucket("0-30", "0–30 days", 0, 30),
    AgeBucket("31-60", "31–60 days", 31, 60),
    AgeBucket("61-90", "61–90 days", 61, 90),
    AgeBucket("90+", "90+ days", 91, None),
]


def _day_start(day: date) -> datetime:
    """The start of the hospital's local day, aware (_day_bounds' start, its end not made)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def age_filter(bucket: AgeBucket, today: date) -> Q:
    """Invoices issued `bucket.low` to `bucket.high` days before `today` (hospital's days), as a
    condition on issued_at the database checks (no date arithmetic per row)."""
    condition = Q(issued_at__lt=_day_start(today - timedelta(days=bucket.low - 1)))
    if bucket.high is not None:
        condition &= Q(issued_at__gte=_day_start(today - timedelta(days=bucket.high)))
    return condition


def age_bucket_of(invoice: Invoice, today: date) -> AgeBucket:
    days = (today - timezone.localtime(invoice.issued_at).date()).days
    return next(
        (b for b in AGE_BUCKETS if days <= (b.high if b.high is not None else days)),
        AGE_BUCKETS[-1],
    )


@dataclass
class Outstanding:
    """What patients owe on every open invoice: the total and each age bucket's, counted by the
    database over all rows (never over the page on screen)."""

    count: int
    total: Decimal
    buckets: list[dict]

    def count_of(self, age: str) -> int:
        """How many open invoices are of the age bucket `age` ("" or unknown: all of them)."""
        return next((b["count"] for b in self.buckets if b["bucket"].key == age), self.count)


def _outstanding_sums(**edges: datetime) -> QuerySet:
    """The open invoices issued before `edges["upto"]`, summed over every row (one row of
    count, total and each age bucket's count and balance): bucket B's invoices were issued from
    `edges[f"from_{B.high}"]` (the start of the day `high` days back) to the start of the day
    after `low` days back, which is the next younger bucket's start (or `upto` for the youngest)."""
    sums = {"count": Count("id"), "total": _sum("patient_balance")}
    younger_start = edges["upto"]
    for bucket in AGE_BUCKETS:
        condition = Q(issued_at__lt=younger_start)
        if bucket.high is not None:
            younger_start = edges[f"from_{bucket.high}"]
            condition &= Q(issued_at__gte=younger_start)
        sums[f"n_{bucket.key}"] = Count(Case(When(condition, then=F("id"))))
        sums[f"s_{bucket.key}"] = _sum(
            Case(
                When(condition, then=F("patient_balance")), default=Value(ZERO), output_field=_MONEY
            )
        )
    # No GROUP BY (a constant is not grouped on): one row, zeros when no invoice is open.
    return (
        open_patient_invoices()
        .filter(issued_at__lt=edges["upto"])
        .order_by()
        .annotate(every=Value(1, output_field=models.IntegerField()))
        .values("every")
        .annotate(**sums)
    )


# The billing desk's figures on every outstanding list: compiled once (hms.prepared); the
# edges are the starts of the hospital's days (stand-ins: distinct instants).
_OUTSTANDING_EDGES = ["upto", *(f"from_{b.high}" for b in AGE_BUCKETS if b.high is not None)]
_OUTSTANDING_SUMS = Prepared(
    _outstanding_sums,
    **{
        name: datetime(2000, 1, 1, tzinfo=UTC) + timedelta(days=n * 40)
        for n, name in enumerate(_OUTSTANDING_EDGES)
    },
)


def first_outstanding() -> list[Invoice]:
    """The first OUTSTANDING_PER_PAGE open invoices of every age, oldest first, with their
    patients: the outstanding list's first page, the one nearly always shown (prepared)."""
    return _FIRST_OUTSTANDING.all()


def outstanding_figures(today: date | None = None) -> Outstanding:
    """One query, whatever the number of open invoices: the count and balance in all, and per age
    bucket (conditional sums on the issue date), of the invoices issued by the end of `today` (a
    past day leaves out those issued since; balances are today's: they keep no history)."""
    today = today or timezone.localdate()
    edges = {"upto": _day_start(today + timedelta(days=1))} | {
        f"from_{b.high}": _day_start(today - timedelta(days=b.high))
        for b in AGE_BUCKETS
        if b.high is not None
    }
    (figures,) = _OUTSTANDING_SUMS.values(**edges)
    return Outstanding(
        count=figures["count"],
        total=money(figures["total"]),
        buckets=[
            {
                "bucket": bucket,
                "count": figures[f"n_{bucket.key}"],
                "balance": money(figures[f"s_{bucket.key}"]),
            }
            for bucket in AGE_BUCKETS
        ],
    )


def outstanding_invoices(today: date | None = None, age: str = "") -> QuerySet[Invoice]:
    """The open invoices, oldest first, optionally of one age bucket (by its key, "31-60")."""
    # A list never shows an invoice's lines: their frozen copy (JSON, 200 rows on a long stay)
    # is not read for it.
    found = (
        open_patient_invoices()
        .select_related("patient")
        .defer("lines_snapshot")
        .order_by("issued_at", "id")
    )
    bucket = next((b for b in AGE_BUCKETS if b.key == age), None)
    if bucket is not None:
        found = found.filter(age_filter(bucket, today or timezone.localdate()))
    return found


OUTSTANDING_PER_PAGE = 50
_FIRST_OUTSTANDING = Prepared(lambda: outstanding_invoices()[:OUTSTANDING_PER_PAGE])


def outstanding_rows(invoices: Iterable[Invoice], today: date) -> list[tuple]:
    """The outstanding list's rows: (invoice, its age bucket, its link, its patient's account
    link), the links reversed once for the page (hms.links)."""
    invoice_link, account_link = link_to("invoice_detail"), link_to("patient_account")
    return [
        (
            invoice,
            age_bucket_of(invoice, today),
            invoice_link(invoice.pk),
            account_link(invoice.patient_id),
        )
        for invoice in invoices
    ]


# --- a patient's balance and statement ----------------------------------------------------------


@dataclass
class AccountBalance:
    """Where a patient's account stands, summed by the database over every row: what they owe on
    issued invoices, what is charged but not yet invoiced (before any discount or insurance), and
    advance deposits held for them. Balance = owed + not invoiced − held (negative: in credit)."""

    owed: Decimal
    not_invoiced: Decimal
    deposits_held: Decimal
    credited: Decimal
    refunded: Decimal
    # Every charge ever posted, before tax and its tax (invoiced or not): the account's totals.
    charged: Decimal = ZERO
    charged_tax: Decimal = ZERO

    @property
    def balance(self) -> Decimal:
        return self.owed + self.not_invoiced - self.deposits_held

    @property
    def balance_shown(self) -> Decimal:
        """The balance as a figure to read beside "Balance owed" or "In credit"."""
        return abs(self.balance)


SETTLING_STATUSES = [
    InvoiceStatus.ISSUED,
    InvoiceStatus.PARTIALLY_PAID,
    InvoiceStatus.PAID,
    InvoiceStatus.CREDITED,
    InvoiceStatus.REFUNDED,
]


# The account's figures in one statement: each table read once for its sums and counts. Written
# out because the ORM took ~4 ms to build the same query (eleven subqueries) and ~0.1 ms to run
# it; tests/billing/test_balances.py holds it to the ORM's sums and counts on both databases.
_ACCOUNT_FIGURES_SQL = """
SELECT owed, credited, refunded, n_invoices, not_invoiced, charged, charged_tax, n_charges,
       held, n_deposits, n_credit_notes, n_uninvoiced{page}
FROM (SELECT COALESCE(SUM(CASE WHEN status IN ({settling}) THEN patient_balance END), 0) AS owed,
             COALESCE(SUM(CASE WHEN status IN ({settling}) THEN amount_credited END), 0)
                 AS credited,
             COALESCE(SUM(CASE WHEN status IN ({settling}) THEN amount_refunded END), 0)
                 AS refunded,
             COUNT(*) AS n_invoices
      FROM billing_invoice WHERE patient_id = %(patient)s) AS invoices,
     (SELECT COALESCE(SUM(CASE WHEN c.invoice_id IS NULL OR i.status = %(draft)s
                          THEN c.amount + c.tax_amount END), 0) AS not_invoiced,
             COALESCE(SUM(c.amount), 0) AS charged,
             COALESCE(SUM(c.tax_amount), 0) AS charged_tax,
             COUNT(*) AS n_charges,
             COUNT(CASE WHEN c.invoice_id IS NULL THEN 1 END) AS n_uninvoiced
      FROM billing_charge c LEFT JOIN billing_invoice i ON i.id = c.invoice_id
      WHERE c.patient_id = %(patient)s) AS charges,
     (SELECT COALESCE(SUM(amount - applied - refunded), 0) AS held, COUNT(*) AS n_deposits
      FROM billing_advancedeposit WHERE patient_id = %(patient)s) AS deposits,
     (SELECT COUNT(*) AS n_credit_notes
      FROM billing_creditnote n JOIN billing_invoice i ON i.id = n.invoice_id
      WHERE i.patient_id = %(patient)s) AS credit_notes
"""
_SETTLING = ", ".join(f"'{status}'" for status in SETTLING_STATUSES)


@cache
def _account_figures_sql(*, page: bool) -> str:
    """The figures' statement; for the account page (`page`) with the patient's stays not yet
    ended counted too (their table named as the invoice's own field knows it: billing never
    imports wards), so a page with none reads none."""
    extra = ""
    if page:
        stay = Invoice._meta.get_field("admission").related_model._meta
        table, patient, ended = (
            stay.db_table,
            stay.get_field("patient").column,
            stay.get_field("discharged_at").column,
        )
        # The model's own table and columns; the patient goes in as a parameter.
        extra = f",\n       (SELECT COUNT(*) FROM {table} WHERE {patient} = %(patient)s AND {ended} IS NULL) AS n_open_stays"  # noqa: E501, S608
    return _ACCOUNT_FIGURES_SQL.format(settling=_SETTLING, page=extra)


def _amount(value: object) -> Decimal:
    """A sum as the database gives it (SQLite: an int or a float) as money."""
    return money(Decimal(str(value)) if isinstance(value, float) else value)


def account_figures(
    patient: models.Model, *, page: bool = False
) -> tuple[AccountBalance, dict[str, int]]:
    """The patient's balance and how many rows each of the account page's lists has, in one
    query whatever the number of charges, invoices and deposits: (balance, {"charges": n,
    "invoices": n, "credit-notes": n, "deposits": n}); for the account page (`page`), also
    {"uninvoiced": charges on no invoice, "open-stays": stays not yet ended}, so that lists
    with nothing in them are not read. Raises nothing for a patient with no account yet (every
    figure 0)."""
    patient_id = type(patient)._meta.pk.get_db_prep_value(patient.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            _account_figures_sql(page=page),
            {"patient": patient_id, "draft": InvoiceStatus.DRAFT.value},
        )
        (
            owed,
            credited,
            refunded,
            n_invoices,
            not_invoiced,
            charged,
            charged_tax,
            n_charges,
            held,
            n_deposits,
            n_credit_notes,
            n_uninvoiced,
            *n_open_stays,
        ) = cursor.fetchone()
    balance = AccountBalance(
        owed=_amount(owed),
        not_invoiced=_amount(not_invoiced),
        deposits_held=_amount(held),
        credited=_amount(credited),
        refunded=_amount(refunded),
        charged=_amount(charged),
        charged_tax=_amount(charged_tax),
    )
    counts = {
        "charges": n_charges,
        "invoices": n_invoices,
        "credit-notes": n_credit_notes,
        "deposits": n_deposits,
    }
    if page:
        counts |= {"uninvoiced": n_uninvoiced, "open-stays": n_open_stays[0]}
    return balance, counts


def account_balance(patient: models.Model) -> AccountBalance:
    """The patient's balance in one query, whatever the number of charges and invoices."""
    return account_figures(patient)[0]


@dataclass
class DischargeClearance:
    """Whether a stay may end as far as the bill goes: nothing owed, advance deposits covering
    what is owed, or an exemption covering it (docs/DECISIONS.md, "Discharge clearance")."""

    account: AccountBalance
    exemption: DischargeExemption | None
    # The stay's charges earned and not posted yet (ward days since the last accrual run), tax
    # included: the discharge posts them, so the balance shown beforehand counts them already.
    unposted: Decimal = ZERO

    @property
    def owing(self) -> Decimal:
        """What the patient owes after their deposits, unposted ward days included (0 when the
        deposits cover it)."""
        return max(self.account.balance + self.unposted, ZERO)

    @property
    def deposit_covers(self) -> bool:
        charged = self.account.owed + self.account.not_invoiced + self.unposted
        return self.owing == 0 and charged > 0

    @property
    def exempted(self) -> bool:
        return self.owing > 0 and self.exemption is not None and self.exemption.amount >= self.owing

    @property
    def cleared(self) -> bool:
        return self.owing == 0 or self.exempted


def discharge_clearance(
    patient: models.Model, admission: models.Model, *, account: AccountBalance | None = None
) -> DischargeClearance:
    """Where the patient's account stands for `admission`'s discharge: the account's balance
    (issued invoices owed + not invoiced − deposits held, one query; `account` when the caller
    has just read it), the stay's charges earned and not posted yet (billing.unposted) and its
    latest exemption. Raises nothing."""
    exemption = (
        DischargeExemption.objects.filter(admission_id=admission.pk)
        .select_related("granted_by")
        .first()
    )
    return DischargeClearance(
        account=account or account_balance(patient),
        exemption=exemption,
        unposted=unposted.unposted_for_stay(admission),
    )


@cache
def _open_stays() -> Prepared:
    """The patient's stays not yet ended, oldest first, compiled once (the stay's model as the
    invoice's own field knows it: billing never imports wards)."""
    stay = Invoice._meta.get_field("admission").related_model
    return Prepared(
        lambda patient_id: stay.objects.filter(
            patient_id=patient_id, discharged_at__isnull=True
        ).order_by("admitted_at"),
        patient_id=uuid.UUID(int=1),
    )


def stays_awaiting_discharge(
    patient: models.Model, *, account: AccountBalance | None = None, count: int | None = None
) -> list[dict]:
    """The patient's stays not yet ended, each with where its discharge stands on the bill:
    [{"admission", "clearance"}] (billing reads stays through the patient, never importing
    wards). `account`: the patient's balance when the caller has just read it (every stay's
    clearance starts from the same balance; read once otherwise); `count`: how many stays are
    open when the caller has just counted them (account_figures(page=True)): none, none read."""
    if count == 0:
        return []
    stays = _open_stays().all(patient_id=patient.pk)
    if stays and account is None:
        account = account_balance(patient)
    for stay in stays:  # as patient.admissions gave them: each knows its patient already
        stay.patient = patient
    return [
        {"admission": stay, "clearance": discharge_clearance(patient, stay, account=account)}
        for stay in stays
    ]


def account_stays_to_exempt(page: dict) -> list[dict]:
    """stays_awaiting_discharge() of the account page `page` (account_page()'s context): its
    patient's, from the balance and the count of open stays the page has read."""
    return stays_awaiting_discharge(
        page["patient"], account=page["account"], count=page["open_stays"]
    )


def account_counts(patient: models.Model) -> dict[str, int]:
    """How many rows each of the account page's lists has: one query, whatever the rows."""
    return account_figures(patient)[1]


@dataclass
class StatementRow:
    """One line of a statement. `debit` adds to what the patient owes, `credit` takes off it; a
    line with neither only records what happened (a deposit used on an invoice)."""

    at: datetime
    text: str
    reference: str = ""
    debit: Decimal | None = None
    credit: Decimal | None = None
    url: str = ""
    order: int = 0
    balance: Decimal = ZERO

    @property
    def effect(self) -> Decimal:
        return (self.debit or ZERO) - (self.credit or ZERO)


@dataclass
class Statement:
    patient: object
    date_from: object
    date_to: object
    opening: Decimal
    rows: list[StatementRow]
    closing: Decimal

    @property
    def debits(self) -> Decimal:
        return sum((row.debit or ZERO for row in self.rows), ZERO)

    @property
    def credits(self) -> Decimal:
        return sum((row.credit or ZERO for row in self.rows), ZERO)


def _signed(amount: Decimal) -> dict:
    """An effect as a debit (more owed) or a credit (less owed); nothing for zero."""
    amount = money(amount)
    if amount > 0:
        return {"debit": amount}
    if amount < 0:
        return {"credit": -amount}
    return {}


def _statement_rows(patient: models.Model) -> list[StatementRow]:
    """Every event of the patient's account, each with its effect on what they owe (seven
    queries, whatever the number of rows)."""
    rows: list[StatementRow] = []
    posted: dict[int, Decimal] = {}
    by_invoice: dict[int, Decimal] = {}
    for charge in (
        Charge.objects.filter(patient=patient)
        .select_related("item")
        .only("pk", "posted_at", "description", "amount", "tax_amount", "invoice_id", "item__code")
    ):
        total = charge.amount + charge.tax_amount
        posted[charge.pk] = total
        if charge.invoice_id:
            by_invoice[charge.invoice_id] = by_invoice.get(charge.invoice_id, ZERO) + total
        rows.append(
            StatementRow(
                at=charge.posted_at,
                text=charge.description,
                reference=charge.item.code,
                order=1,
                **_signed(total),
            )
        )
    invoices = (
        Invoice.objects.filter(patient=patient, issued_at__isnull=False)
        .select_related("claim")
        .order_by()
    )
    for invoice in invoices:
        snapshot = invoice.lines_snapshot or []
        if snapshot and all("charge" in line for line in snapshot):
            charged = sum((posted.get(line["charge"], ZERO) for line in snapshot), ZERO)
        else:
            charged = by_invoice.get(invoice.pk, ZERO)
        # What issuing changed: the discount, tax worked out after it, the insurer's share.
        adjustment = invoice.total - charged
        url = invoice.get_absolute_url()
        rows.append(
            StatementRow(
                at=invoice.issued_at,
                text=f"Invoice issued, total {money_text(invoice.total)}"
                + (": discount and tax after it" if adjustment else ""),
                reference=invoice.number,
                url=url,
                order=2,
                **_signed(adjustment),
            )
        )
        if invoice.insurer_share:
            rows.append(
                StatementRow(
                    at=invoice.issued_at,
                    text=f"{invoice.insurer or 'Insurer'} covers its share"
                    f" ({invoice.coverage_percent.normalize():f} %)",
                    reference=invoice.number,
                    url=url,
                    order=3,
                    credit=invoice.insurer_share,
                )
            )
        claim = getattr(invoice, "claim", None)
        if claim is not None and invoice.insurer_shortfall and claim.decided_at:
            rows.append(
                StatementRow(
                    at=claim.decided_at,
                    text=f"Not covered by {claim.insurer}"
                    f" (claim {claim.get_status_display().lower()})",
                    reference=claim.number,
                    url=url,
                    order=4,
                    debit=invoice.insurer_shortfall,
                )
            )
        if claim is not None and claim.status == ClaimStatus.PAID and claim.paid_at:
            rows.append(
                StatementRow(
                    at=claim.paid_at,
                    text=f"{claim.insurer} paid its share: {money_text(claim.paid_amount)}",
                    reference=claim.number,
                    url=url,
                    order=5,
                )
            )
        if invoice.status == InvoiceStatus.VOID and invoice.voided_at:
            # The void undoes what the invoice did; its charges are open to invoice again.
            undone = (
                adjustment
                - invoice.insurer_share
                + invoice.insurer_shortfall
                - invoice.amount_credited
                - invoice.amount_refunded
            )
            rows.append(
                StatementRow(
                    at=invoice.voided_at,
                    text=f"Invoice voided: {invoice.void_reason}",
                    reference=invoice.number,
                    url=url,
                    order=6,
                    **_signed(-undone),
                )
            )
    for note in CreditNote.objects.filter(invoice__patient=patient).select_related("invoice"):
        rows.append(
            StatementRow(
                at=note.created_at,
                text=f"Credit note on {note.invoice.number}: {note.reason}",
                reference=note.number,
                url=note.get_absolute_url(),
                order=7,
                credit=note.amount,
            )
        )
    for deposit in AdvanceDeposit.objects.filter(patient=patient):
        rows.append(
            StatementRow(
                at=deposit.received_at,
                text=f"Advance deposit ({deposit.get_mode_display()})",
                reference=deposit.receipt_number,
                order=8,
                credit=deposit.amount,
            )
        )
    for given_back in AdvanceRefund.objects.filter(advance__patient=patient).select_related(
        "advance"
    ):
        rows.append(
            StatementRow(
                at=given_back.refunded_at,
                text=f"Advance deposit {given_back.advance.receipt_number} refunded"
                f" ({given_back.get_method_display()}): {given_back.reason}",
                reference=given_back.number,
                order=8,
                debit=given_back.amount,
            )
        )
    for payment in Payment.objects.filter(patient=patient).select_related("invoice"):
        url = payment.get_absolute_url()
        if payment.mode == PaymentMode.ADVANCE:
            rows.append(
                StatementRow(
                    at=payment.received_at,
                    text=f"{money_text(payment.amount)} of advance deposit {payment.reference} used on"
                    f" {payment.invoice.number}",
                    reference=payment.receipt_number,
                    url=url,
                    order=9,
                )
            )
        else:
            rows.append(
                StatementRow(
                    at=payment.received_at,
                    text=f"Payment on {payment.invoice.number} ({payment.get_mode_display()})",
                    reference=payment.receipt_number,
                    url=url,
                    order=9,
                    credit=payment.amount,
                )
            )
        if payment.reversed_at:
            rows.append(
                StatementRow(
                    at=payment.reversed_at,
                    text=f"Payment reversed, owed again: {payment.reversal_reason}",
                    reference=payment.receipt_number,
                    url=url,
                    order=10,
                    debit=payment.amount,
                )
            )
    for refund in Refund.objects.filter(payment__patient=patient).select_related("payment"):
        # Money given back, and no longer owed: the two halves cancel out.
        traced = f", ref {refund.reference}" if refund.reference else ""
        rows.append(
            StatementRow(
                at=refund.refunded_at,
                text=f"Refund {refund.number or ''} by {refund.method_text}{traced}"
                f" (on receipt {refund.payment.receipt_number}), given back and no longer owed:"
                f" {refund.reason}",
                reference=refund.number or refund.payment.receipt_number,
                url=refund.payment.get_absolute_url(),
                order=11,
                debit=refund.amount,
                credit=refund.amount,
            )
        )
    rows.sort(key=lambda row: (row.at, row.order))
    return rows


def account_statement(
    patient: models.Model, *, date_from: date | None = None, date_to: date | None = None
) -> Statement:
    """The patient's statement for a period (all time by default): the balance brought forward,
    every event of the period in date order with the running balance, and the closing balance.
    The running balance is summed over every row of the account, not over a page."""
    start = _day_start(date_from) if date_from else None
    end = _day_start(date_to + timedelta(days=1)) if date_to else None
    opening = ZERO
    shown: list[StatementRow] = []
    running = ZERO
    for row in _statement_rows(patient):
        if end is not None and row.at >= end:
            break
        running += row.effect
        row.balance = running
        if start is not None and row.at < start:
            opening = running
        else:
            shown.append(row)
    return Statement(patient, date_from, date_to, opening, shown, running)


# --- what the account and invoice pages show ---------------------------------------------------

# The account page's lists, each a tab: (the ?show= value, its label).
ACCOUNT_LISTS = [
    ("charges", "Charges"),
    ("invoices", "Invoices"),
    ("credit-notes", "Credit notes"),
    ("deposits", "Advance deposits"),
]
# How many of the newest invoices and deposits the account page's sidebar shows.
SIDEBAR = 5
INVOICE_LINK, RECEIPT_LINK, CREDIT_LINK, REFUND_LINK = "invoice", "receipt", "credit", "refund"
DEPOSIT_LINK, DEPOSIT_REFUND_LINK = "deposit", "deposit-refund"


def invoice_pdf_url(invoice: Invoice) -> str:
    return reverse("billing_document", args=[files.sign(INVOICE_LINK, invoice.pk)])


def receipt_pdf_url(payment: Payment) -> str:
    return reverse("billing_document", args=[files.sign(RECEIPT_LINK, payment.pk)])


def refund_pdf_url(refund: Refund) -> str:
    return reverse("billing_document", args=[files.sign(REFUND_LINK, refund.pk)])


def deposit_pdf_url(advance: AdvanceDeposit) -> str:
    return reverse("billing_document", args=[files.sign(DEPOSIT_LINK, advance.pk)])


def deposit_refund_pdf_url(given_back: AdvanceRefund) -> str:
    return reverse("billing_document", args=[files.sign(DEPOSIT_REFUND_LINK, given_back.pk)])


def credit_note_pdf_url(note: CreditNote) -> str:
    return reverse("billing_document", args=[files.sign(CREDIT_LINK, note.pk)])


# The account page's lists, each a page at a time (the view pages them)...
ACCOUNT_LISTS_OF = {
    "charges": lambda patient_id: (
        Charge.objects.filter(patient_id=patient_id)
        .select_related("item", "reversal")
        .order_by("-posted_at", "-id")
    ),
    "invoices": lambda patient_id: (
        Invoice.objects.filter(patient_id=patient_id)
        .defer("lines_snapshot")
        .order_by("-created_at", "-id")
    ),
    "credit-notes": lambda patient_id: (
        CreditNote.objects.filter(invoice__patient_id=patient_id)
        .select_related("invoice", "created_by")
        .order_by("-created_at", "-id")
    ),
    "deposits": lambda patient_id: (
        AdvanceDeposit.objects.filter(patient_id=patient_id)
        .prefetch_related("refunds")
        .order_by("-received_at", "-id")
    ),
}
ACCOUNT_PAGE = 50


def _prepared_first(build: Callable[..., models.QuerySet], rows: int) -> Prepared:
    return Prepared(lambda patient_id: build(patient_id)[:rows], patient_id=uuid.UUID(int=1))


# ... whose first page (and one row more) is read by a query compiled once (hms.prepared), as
# are the sidebar's newest invoices and deposits.
_FIRST_PAGES = {
    name: _prepared_first(build, ACCOUNT_PAGE + 1) for name, build in ACCOUNT_LISTS_OF.items()
}


# The account page's side column in one statement: the sidebar's newest invoices and advance
# deposits (SIDEBAR of each, as their lists order them) and the services the "Add a charge" form
# lists (billing.forms.manual_charge_items, in the select's order), each list compiled by the ORM
# once and the three joined by UNION ALL (three queries were ~450 calls and three round trips a
# load). Every row is (list, position, id, text, word, amount, applied, refunded): _SIDE_COLUMNS.
_SIDE_COLUMNS = (
    "side_list",
    "side_position",
    "side_id",
    "side_text",
    "side_word",
    "side_amount",
    "side_applied",
    "side_refunded",
)
_NO_AMOUNT = Cast(Value(None), DecimalField(max_digits=14, decimal_places=2))


def _side_list(queryset: QuerySet, name: str, order: list[str], **columns: object) -> QuerySet:
    """One list of the side column: its rows in `order` (field names, "-" descending),
    numbered from 1, as _SIDE_COLUMNS."""
    by = [F(key[1:]).desc() if key.startswith("-") else F(key).asc() for key in order]
    return (
        queryset.order_by(*order)
        .annotate(
            side_list=Value(name, output_field=CharField()),
            side_position=Window(RowNumber(), order_by=by),
            side_id=F("id"),
            side_text=Cast(columns["text"], CharField()),
            side_word=Cast(columns["word"], CharField()),
            side_amount=columns.get("amount", _NO_AMOUNT),
            side_applied=columns.get("applied", _NO_AMOUNT),
            side_refunded=columns.get("refunded", _NO_AMOUNT),
        )
        .values_list(*_SIDE_COLUMNS)
    )


_STAND_IN = uuid.UUID(int=1)


@cache
def _side_column_sql(alias: str) -> tuple[str, tuple]:
    """The side column's statement on database `alias` and its parameters, the patient's id
    a stand-in (_STAND_IN) wherever it goes."""
    from billing.forms import MANUAL_CHARGE_ORDER, manual_charge_items

    lists = [
        _side_list(
            Invoice.objects.filter(patient_id=_STAND_IN),
            "invoices",
            ["-created_at", "-id"],
            text=F("number"),
            word=F("status"),
            amount=F("total"),
        )[:SIDEBAR],
        _side_list(
            AdvanceDeposit.objects.filter(patient_id=_STAND_IN),
            "deposits",
            ["-received_at", "-id"],
            text=F("receipt_number"),
            word=F("mode"),
            amount=F("amount"),
            applied=F("applied"),
            refunded=F("refunded"),
        )[:SIDEBAR],
        _side_list(
            manual_charge_items(), "services", MANUAL_CHARGE_ORDER, text=F("code"), word=F("name")
        ),
    ]
    columns = ", ".join(connections[alias].ops.quote_name(name) for name in _SIDE_COLUMNS)
    parts, params = [], []
    for index, rows in enumerate(lists):
        sql, list_params = rows.query.get_compiler(alias).as_sql()
        parts.append(f"SELECT {columns} FROM ({sql}) side_{index}")  # noqa: S608 (compiled)
        params += list_params
    return " UNION ALL ".join(parts), tuple(params)


@dataclass
class SideColumn:
    """The account page's side column: the newest `invoices` and `deposits` (SIDEBAR each, the
    newest first, each with only what the sidebar shows: invoice id, number, status and total;
    deposit id, receipt number, mode, amount, applied and refunded) and the `services` the
    charge form lists, ((id, code, name), ...) in the select's order."""

    invoices: list[Invoice]
    deposits: list[AdvanceDeposit]
    services: tuple[tuple[int, str, str], ...]


def _partial(model: type[models.Model], alias: str, fields: dict) -> models.Model:
    """An instance of `model` read with only `fields` ({attname: value}), the rest deferred."""
    present = [f.attname for f in model._meta.concrete_fields if f.attname in fields]
    return model.from_db(alias, present, [fields[name] for name in present])


def side_column(patient: models.Model) -> SideColumn:
    """The patient's account side column (SideColumn), in one query."""
    alias = router.db_for_read(Invoice)
    sql, params = _side_column_sql(alias)
    db = connections[alias]
    key = type(patient)._meta.pk
    stand_in = key.get_db_prep_value(_STAND_IN, db)
    patient_id = key.get_db_prep_value(patient.pk, db)
    params = [patient_id if value == stand_in else value for value in params]
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        rows = sorted(cursor.fetchall(), key=lambda row: (row[0], row[1]))
    column = SideColumn(invoices=[], deposits=[], services=())
    services = []
    for name, _position, pk, text, word, amount, applied, refunded in rows:
        if name == "invoices":
            invoice = {"id": pk, "number": text, "status": word, "total": _amount(amount)}
            column.invoices.append(_partial(Invoice, alias, invoice))
        elif name == "deposits":
            deposit = {
                "id": pk,
                "receipt_number": text,
                "mode": word,
                "amount": _amount(amount),
                "applied": _amount(applied),
                "refunded": _amount(refunded),
            }
            column.deposits.append(_partial(AdvanceDeposit, alias, deposit))
        else:
            services.append((pk, text, word))
    column.services = tuple(services)
    return column


# What is charged and not invoiced yet, per stay (None: outpatient), tax included (as the
# account's "Charged, not yet invoiced" sums it), as the account's "Invoice ... charges" buttons
# offer it.
_UNINVOICED = Prepared(
    lambda patient_id: (
        Charge.objects.filter(patient_id=patient_id, invoice__isnull=True)
        .values("admission_id")
        .annotate(lines=Count("id"), amount=Sum(F("amount") + F("tax_amount")))
        .order_by("admission_id")
    ),
    patient_id=uuid.UUID(int=1),
)


def account_page(patient: models.Model, *, showing: str) -> dict:
    """A patient's account: the balance, the list `showing` (unpaged, built by `rows()`: the view
    pages it, ACCOUNT_PAGE rows a page, its first page read by `first_rows()`) under tabs with
    each list's count, what is not invoiced yet (per stay), the sum of every charge, and the
    sidebar's newest invoices and deposits with how many there are, and how many of the
    patient's stays are open (`open_stays`: stays_awaiting_discharge's `count`)."""
    account, counts = account_figures(patient, page=True)
    amount, tax = account.charged, account.charged_tax
    # The side column, read when first shown (the account's htmx fragment has none).
    side = SimpleLazyObject(lambda: side_column(patient))
    uninvoiced = [
        row | {"amount": money(row["amount"])}
        for row in (_UNINVOICED.values(patient_id=patient.pk) if counts["uninvoiced"] else ())
    ]
    return {
        "patient": patient,
        "account": account,
        # The patient's insurance cover today: new invoices claim from it unless it has expired.
        "cover": cover_of(patient, timezone.localdate()),
        "showing": showing,
        "tabs": [(key, label, counts[key]) for key, label in ACCOUNT_LISTS],
        "counts": counts,
        # The whole list, built only for a page past the first (`first_rows` reads the first).
        "rows": lambda: ACCOUNT_LISTS_OF[showing](patient.pk),
        "first_rows": lambda: _FIRST_PAGES[showing].all(patient_id=patient.pk),
        "uninvoiced": uninvoiced,
        "open_stays": counts["open-stays"],
        "amount": amount,
        "tax": tax,
        "total": amount + tax,
        # The sidebar's short lists: the newest few, with how many there are in all.
        # (none to read when the count says there are none)
        # (read when shown: the account's htmx fragment has no sidebar)
        "invoices": SimpleLazyObject(lambda: side.invoices),
        "invoices_count": counts["invoices"],
        # (the sidebar shows no refunds: not read for it)
        "advances": SimpleLazyObject(lambda: side.deposits),
        "advances_count": counts["deposits"],
        "charge_services": SimpleLazyObject(lambda: side.services),
        "currency": settings.HMS_CURRENCY,
    }


def invoice_page(
    user: User,
    invoice: Invoice,
    *,
    lines: list[dict],
    figures: Totals,
    can_void: bool,
    credit_notes: list[CreditNote],
) -> dict:
    """An invoice's page: its `lines` and `figures` and whether `user` may void it (`can_void`;
    billing's services compute all three), its `credit_notes` (credit_notes_of), its payments
    and documents, its claim, the insurance cover it claims from (or that had expired),
    the advance the patient has left, and what else `user` may do."""
    claim = getattr(invoice, "claim", None)  # read once, kept on the invoice (one-to-one)
    can_adjust = rbac.allows(user, "billing.adjust")
    payments = _INVOICE_PAYMENTS.all(invoice_id=invoice.pk)
    for payment in payments:  # each refund's receipt, for its Print button
        for refund in payment.refunds.all():
            refund.pdf_url = refund_pdf_url(refund)
    advance = next(iter(_ADVANCE_LEFT.values(patient_id=invoice.patient_id)), {}).get("left")
    return {
        "invoice": invoice,
        "lines": lines,
        "figures": figures,
        # The scheme it claims from, or whose cover had expired (nothing claimed, and why).
        "cover": cover_of_invoice(invoice, timezone.localdate()),
        "can_adjust": can_adjust,
        "claim": claim,
        "can_void": can_void,
        "currency": settings.HMS_CURRENCY,
        "payments": [(payment, receipt_pdf_url(payment)) for payment in payments],
        "pdf_url": invoice_pdf_url(invoice) if invoice.number else "",
        "credit_notes": [(note, credit_note_pdf_url(note)) for note in credit_notes],
        "modes": PAYMENT_MODES,
        "refund_methods": RefundMethod.choices,
        # Offered before money is taken: what the deposit would pay of this balance.
        "advance_available": money(advance or ZERO),
        "advance_to_apply": min(money(advance or ZERO), invoice.balance),
        "advance_leaves": max(invoice.balance - money(advance or ZERO), ZERO),
    }


def visible_invoices(user: User) -> QuerySet[Invoice]:
    """The issued invoices `user` may see: every one for the desk, a patient's own."""
    invoices = Invoice.objects.select_related("patient").exclude(number__isnull=True)
    if rbac.scope(user, "billing.invoices") == rbac.OWN:
        invoices = invoices.filter(patient__user=user)
    return invoices


def outstanding_page(today: date, age: str | None, number: int, figures: Outstanding) -> Page:
    """The outstanding list's page `number` of the age bucket `age` (None: every age). The
    figures have counted the open invoices (in all and per age): the page needs no count. The
    first page of every age is read by a prepared query; the list is built for the others."""
    first = not age and number == 1
    return paging.page_at(
        () if first else outstanding_invoices(today, age),
        OUTSTANDING_PER_PAGE,
        number,
        count=figures.count_of(age),
        first_rows=first_outstanding if first else None,
    )
