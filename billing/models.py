"""The charge master and the charges posted to patients' accounts (a ledger other modules post
into: it refers to patients and admissions by model label and imports neither app)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse


class ChargeCategory(models.TextChoices):
    WARD = "ward", "Ward"
    LAB = "lab", "Lab"
    PHARMACY = "pharmacy", "Pharmacy"
    MACHINE = "machine", "Machine"
    CONSULTATION = "consultation", "Consultation"
    NURSING = "nursing", "Nursing"
    EMERGENCY = "emergency", "Emergency"
    MISCELLANEOUS = "misc", "Miscellaneous"


class ChargeType(models.TextChoices):
    PER_DAY = "per_day", "Per day"
    PER_HOUR = "per_hour", "Per hour"
    FIXED = "fixed", "Fixed"
    PER_TEST = "per_test", "Per test"


class ChargeItem(models.Model):
    code = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=120)
    category = models.CharField(max_length=12, choices=ChargeCategory.choices)
    charge_type = models.CharField(max_length=10, choices=ChargeType.choices)
    # The validators say in words what the check constraints below enforce (beside the field).
    price = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(0, "A price cannot be below zero.")],
    )
    tax_rate = models.DecimalField(
        "tax rate (%)",
        max_digits=5,
        decimal_places=2,
        default=0,
        validators=[
            MinValueValidator(0, "A tax rate is from 0 to 100 per cent."),
            MaxValueValidator(100, "A tax rate is from 0 to 100 per cent."),
        ],
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["category", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="charge_item_price_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(tax_rate__gte=0, tax_rate__lte=100),
                name="charge_item_tax_rate_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PriceChange(models.Model):
    """The history of an item's price and tax: who changed what, when (charges already posted
    keep the price they were posted at)."""

    item = models.ForeignKey(ChargeItem, on_delete=models.PROTECT, related_name="price_changes")
    old_price = models.DecimalField(max_digits=12, decimal_places=2, null=True)
    new_price = models.DecimalField(max_digits=12, decimal_places=2)
    old_tax_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    new_tax_rate = models.DecimalField(max_digits=5, decimal_places=2)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.old_price} → {self.new_price}"


class Charge(models.Model):
    """One line on a patient's account. Its price and tax rate are snapshots taken when posted;
    a correction is a reversal line (negative), never an edit."""

    patient = models.ForeignKey(
        "clinical.Patient", on_delete=models.PROTECT, related_name="charges"
    )
    admission = models.ForeignKey(
        "wards.Admission", null=True, blank=True, on_delete=models.PROTECT, related_name="charges"
    )
    item = models.ForeignKey(ChargeItem, on_delete=models.PROTECT, related_name="charges")
    category = models.CharField(max_length=12, choices=ChargeCategory.choices)
    description = models.CharField(max_length=200)
    quantity = models.DecimalField(max_digits=10, decimal_places=2)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2)
    amount = models.DecimalField(max_digits=14, decimal_places=2, help_text="quantity × unit price")
    tax_amount = models.DecimalField(max_digits=14, decimal_places=2)
    service_from = models.DateTimeField(null=True, blank=True)
    service_to = models.DateTimeField(null=True, blank=True)
    # What caused it ("clinical.Appointment:12"), so a cancelled order can find and reverse it.
    source = models.CharField(max_length=80, blank=True, db_index=True)
    # Accrued ward charges: one per admission and service day (or stay and hour), whatever runs.
    accrual_key = models.CharField(max_length=80, null=True, blank=True, unique=True)
    reversal_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversal"
    )
    posted_at = models.DateTimeField()
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    invoice = models.ForeignKey(
        "Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="lines"
    )

    class Meta:
        ordering = ["posted_at", "id"]
        indexes = [models.Index(fields=["patient", "posted_at"], name="charge_patient_idx")]

    def __str__(self) -> str:
        return f"{self.description} {self.amount}"

    @property
    def total(self):
        return self.amount + self.tax_amount


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ISSUED = "issued", "Issued"
    PARTIALLY_PAID = "partially_paid", "Partially paid"
    PAID = "paid", "Paid"
    # Settled with nothing paid: every amount owed was cancelled by credit notes.
    CREDITED = "credited", "Cancelled by credit note"
    # Settled with nothing kept: everything paid was given back (refunds drop what is owed).
    REFUNDED = "refunded", "Refunded"
    VOID = "void", "Void"


class Invoice(models.Model):
    """A bill: the charges it gathers, and (once issued) its number and totals, never edited
    again; corrections after issue are credit notes."""

    number = models.CharField(max_length=20, unique=True, null=True, blank=True)
    patient = models.ForeignKey(
        "clinical.Patient", on_delete=models.PROTECT, related_name="invoices"
    )
    admission = models.ForeignKey(
        "wards.Admission", null=True, blank=True, on_delete=models.PROTECT, related_name="invoices"
    )
    status = models.CharField(
        max_length=16, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Discount: an amount or a percentage of the subtotal, with its reason (admin/accountant); it
    # is spread over the lines and tax is charged on what is left (billing/totals.py).
    discount_kind = models.CharField(
        max_length=8, choices=[("amount", "Amount"), ("percent", "Percent")], blank=True
    )
    discount_value = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    discount_reason = models.CharField(max_length=200, blank=True)
    # Fixed at issue.
    issued_at = models.DateTimeField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subtotal = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    discount_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    tax_total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    insurer = models.CharField(max_length=100, blank=True)
    coverage_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    # Nothing claimed because the patient's cover had expired when the invoice was issued: the
    # scheme and the last day it was valid, so the invoice says why the insurer pays nothing.
    expired_cover = models.CharField(max_length=100, blank=True)
    expired_cover_on = models.DateField(null=True, blank=True)
    insurer_share = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    patient_share = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    # Payments less refunds and reversed payments: the money the hospital keeps, kept in step by
    # the payment services.
    amount_paid = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    # Refunds: money given back because the patient was overcharged or the service was not given,
    # so the hospital no longer claims it either (a refund never makes an invoice owed again; a
    # bounced payment is reversed instead, which does).
    amount_refunded = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    # Credit notes against it (corrections after issue), kept in step by the credit service.
    amount_credited = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    # The insurer's side, kept in step by the claim services: what the insurer paid of its share,
    # and what it declined (rejected, or approved short), which the patient owes instead.
    insurer_paid = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    insurer_shortfall = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    # The printable A4 PDF (rendered by a background task after issue and after each payment).
    # What the patient still owes (the `balance` property's sum), kept by the database itself:
    # the outstanding list's age buckets sum ~8,000 open invoices of a large hospital from one
    # indexed column (tests/bench/pages.py --large: 17 ms of numeric sums a page → 3 ms). The
    # application never writes it; an instance reads it afresh from the database.
    patient_balance = models.GeneratedField(
        expression=models.F("patient_share")
        + models.F("insurer_shortfall")
        - models.F("amount_credited")
        - models.F("amount_refunded")
        - models.F("amount_paid"),
        output_field=models.DecimalField(max_digits=14, decimal_places=2),
        db_persist=True,
    )
    pdf = models.FileField(upload_to="invoices/", blank=True, max_length=200)
    # The lines as issued (what the printed invoice shows, whatever happens to charges later).
    lines_snapshot = models.JSONField(default=list, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    void_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The outstanding list and its age buckets: the few open invoices among years of paid
            # ones, oldest first (tests/bench/pages.py --large: 85 ms a query → index scans).
            models.Index(
                fields=["issued_at", "id"],
                name="invoice_owed_idx",
                condition=models.Q(status__in=["issued", "partially_paid"], patient_balance__gt=0),
                # The balance itself, so the age buckets are summed from the index alone
                # (PostgreSQL; other databases build the index without it).
                include=["patient_balance"],
            ),
            # The dashboard's amounts billed per day (reports.metrics.revenue): issued invoices
            # by issue time with their totals, and the few voided ones apart.
            models.Index(
                fields=["issued_at"],
                name="invoice_issued_idx",
                condition=models.Q(issued_at__isnull=False),
                include=["total"],
            ),
            models.Index(
                fields=["voided_at"],
                name="invoice_voided_idx",
                condition=models.Q(voided_at__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="draft")
                | models.Q(status="void", issued_at__isnull=True)
                | models.Q(number__isnull=False),
                name="invoice_issued_has_number",
            ),
            models.CheckConstraint(
                condition=models.Q(total=models.F("insurer_share") + models.F("patient_share")),
                name="invoice_insurer_plus_patient_is_total",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    total=models.F("subtotal") - models.F("discount_amount") + models.F("tax_total")
                ),
                name="invoice_total_reconciles",
            ),
            # The discount is spread over the lines (each line's tax is on its discounted
            # amount), so it is never negative nor more than the subtotal it comes off.
            models.CheckConstraint(
                condition=models.Q(discount_amount__gte=0)
                & (
                    models.Q(discount_amount=0)
                    | models.Q(discount_amount__lte=models.F("subtotal"))
                ),
                name="invoice_discount_within_subtotal",
            ),
            # No overpayment: what was paid (kept, or refunded) never exceeds what the patient
            # owes (their share, plus what the insurer declined, less credit notes).
            models.CheckConstraint(
                condition=models.Q(
                    amount_paid__gte=0,
                    amount_credited__gte=0,
                    amount_refunded__gte=0,
                    amount_paid__lte=models.F("patient_share")
                    + models.F("insurer_shortfall")
                    - models.F("amount_credited")
                    - models.F("amount_refunded"),
                ),
                name="invoice_paid_within_patient_share",
            ),
            # The insurer's share is paid by it or moved to the patient, never more than once.
            models.CheckConstraint(
                condition=models.Q(
                    insurer_paid__gte=0,
                    insurer_shortfall__gte=0,
                    insurer_share__gte=models.F("insurer_paid") + models.F("insurer_shortfall"),
                ),
                name="invoice_insurer_settled_within_share",
            ),
        ]

    def __str__(self) -> str:
        # A draft has no number yet: never a name that reads like one ("Draft invoice 4" was
        # taken for invoice 4).
        if self.number:
            return self.number
        if self.status == InvoiceStatus.VOID:
            return "Voided draft (never issued)"
        return "Draft — not yet issued"

    def get_absolute_url(self) -> str:
        return reverse("invoice_detail", args=[self.pk])

    @property
    def balance(self):
        """What the patient still owes: their share, plus what the insurer declined, less credit
        notes, refunds (no longer claimed) and payments kept."""
        return (
            self.patient_share
            + self.insurer_shortfall
            - self.amount_credited
            - self.amount_refunded
            - self.amount_paid
        )

    @property
    def insurer_balance(self):
        """What the insurer still owes: its share, less what it declined and what it paid."""
        return self.insurer_share - self.insurer_shortfall - self.insurer_paid


class PaymentMode(models.TextChoices):
    """How money reaches the desk in Kenya. (UPI, India's, was offered once: the payments stored
    with it became bank transfers, their reference saying "UPI"; migration 0013.)"""

    CASH = "cash", "Cash"
    MPESA = "mpesa", "M-Pesa"
    CARD = "card", "Card"
    BANK = "bank", "Bank transfer"
    # A scheme paying the patient's part at the desk (a top-up cover's guarantee, an employer's
    # scheme), with its authorisation number; the insurer's share of an insured invoice is its
    # claim instead.
    INSURANCE = "insurance", "Insurance"
    ADVANCE = "advance", "From advance deposit"


# What the desk offers: a payment on an invoice (the advance deposit has its own button), and a
# deposit taken ahead (cash, M-Pesa, card or bank: no scheme pays a deposit).
PAYMENT_MODES = [(v, label) for v, label in PaymentMode.choices if v != PaymentMode.ADVANCE]
DEPOSIT_MODES = [
    (v, label)
    for v, label in PaymentMode.choices
    if v not in (PaymentMode.ADVANCE, PaymentMode.INSURANCE)
]
# Modes whose money is traced by a reference the desk must type.
MODES_WITH_REFERENCE = {
    PaymentMode.MPESA,
    PaymentMode.CARD,
    PaymentMode.BANK,
    PaymentMode.INSURANCE,
}


class RefundMethod(models.TextChoices):
    """How money goes back to the patient (the values are the payment modes it leaves by, so the
    desk's takings net them off the same rows)."""

    CASH = "cash", "Cash"
    MPESA = "mpesa", "M-Pesa reversal"
    CARD = "card", "Card reversal"
    BANK = "bank", "Bank transfer"


class Payment(models.Model):
    """Money the patient paid against an invoice's patient share, with its receipt number."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    patient = models.ForeignKey(
        "clinical.Patient", on_delete=models.PROTECT, related_name="payments"
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    mode = models.CharField(max_length=12, choices=PaymentMode.choices)
    reference = models.CharField(max_length=60, blank=True, help_text="M-Pesa code, card slip, ...")
    # What the patient still owed on the invoice once this was paid (printed on the receipt);
    # empty for payments taken before it was kept.
    balance_after = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    receipt_number = models.CharField(max_length=20, unique=True)
    received_at = models.DateTimeField()
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    pdf = models.FileField(upload_to="receipts/", blank=True, max_length=200)
    # A payment that never arrived (a bounced cheque, an M-Pesa reversal, a card chargeback): the
    # amount is owed again. Its own action, with a reason; the receipt stays, marked reversed.
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reversal_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [
            # The dashboard's money received per day (reports.metrics.revenue): the period's
            # payments read from the index alone (PostgreSQL), and the few reversals found
            # without reading the rest (docs/BENCHMARKS.md, the analytics dashboard).
            models.Index(
                fields=["received_at"], name="payment_received_idx", include=["mode", "amount"]
            ),
            models.Index(
                fields=["reversed_at"],
                name="payment_reversed_idx",
                condition=models.Q(reversed_at__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_positive"),
            models.CheckConstraint(
                condition=models.Q(mode__in=PaymentMode.values), name="payment_mode_known"
            ),
            models.CheckConstraint(
                condition=models.Q(reversed_at__isnull=True, reversal_reason="")
                | models.Q(reversed_at__isnull=False) & ~models.Q(reversal_reason=""),
                name="payment_reversal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.receipt_number

    def get_absolute_url(self) -> str:
        return reverse("invoice_detail", args=[self.invoice_id])


class Refund(models.Model):
    """Money given back on a payment, with its own receipt (RF-2026-000001): how it went back
    (cash, an M-Pesa or card reversal, a bank transfer) and that transaction's reference."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    # Numbered per year like receipts; refunds made before numbering were numbered by migration.
    number = models.CharField(max_length=20, unique=True, null=True, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    method = models.CharField(max_length=8, choices=RefundMethod.choices, blank=True)
    reference = models.CharField(max_length=60, blank=True)
    reason = models.CharField(max_length=200)
    refunded_at = models.DateTimeField()
    refunded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["refunded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_positive"),
            models.CheckConstraint(
                condition=models.Q(method__in=[*RefundMethod.values, ""]),
                name="refund_method_known",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"Refund on {self.payment_id}"

    def get_absolute_url(self) -> str:
        return reverse("invoice_detail", args=[self.payment.invoice_id])

    @property
    def method_text(self) -> str:
        """How it went back, for a sentence ("by M-Pesa reversal"); refunds recorded before the
        method was asked say so."""
        return self.get_method_display() if self.method else "a method not recorded"


class AdvanceDeposit(models.Model):
    """Money paid ahead (at admission, usually), held on the patient's account until applied to
    their invoices."""

    patient = models.ForeignKey(
        "clinical.Patient", on_delete=models.PROTECT, related_name="advances"
    )
    admission = models.ForeignKey(
        "wards.Admission", null=True, blank=True, on_delete=models.PROTECT, related_name="advances"
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    applied = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    # Given back to the patient (AdvanceRefund rows): what is left is amount − applied − refunded.
    refunded = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    mode = models.CharField(max_length=12, choices=PaymentMode.choices)
    reference = models.CharField(max_length=60, blank=True)
    receipt_number = models.CharField(max_length=20, unique=True)
    received_at = models.DateTimeField()
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["received_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="advance_positive"),
            models.CheckConstraint(
                condition=models.Q(mode__in=[v for v, _ in DEPOSIT_MODES]),
                name="advance_mode_known",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    applied__gte=0,
                    refunded__gte=0,
                    applied__lte=models.F("amount") - models.F("refunded"),
                ),
                name="advance_used_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return self.receipt_number

    def get_absolute_url(self) -> str:
        return reverse("patient_account", args=[self.patient_id])

    @property
    def available(self):
        return self.amount - self.applied - self.refunded


class AdvanceRefund(models.Model):
    """Money of an advance deposit given back to the patient (a visit cancelled after its fee was
    collected, a stay that cost less than its deposit): the deposit holds that much less. Its
    number is of the refunds' RF series (its printed receipt)."""

    advance = models.ForeignKey(AdvanceDeposit, on_delete=models.PROTECT, related_name="refunds")
    number = models.CharField(max_length=20, unique=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    method = models.CharField(max_length=8, choices=RefundMethod.choices)
    reference = models.CharField(max_length=60, blank=True)
    reason = models.CharField(max_length=200)
    refunded_at = models.DateTimeField()
    refunded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["refunded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="advance_refund_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(method__in=RefundMethod.values),
                name="advance_refund_method_known",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class CreditNote(models.Model):
    """A correction to an issued invoice: an amount (or some of its lines) credited back, with
    its own number; the invoice itself is never edited."""

    number = models.CharField(max_length=20, unique=True)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    reason = models.CharField(max_length=200)
    # The lines credited, as they were on the invoice (empty: an amount was credited).
    lines = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="credit_note_positive"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("invoice_detail", args=[self.invoice_id])


class ClaimStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    PAID = "paid", "Paid"
    REJECTED = "rejected", "Rejected"


class InsuranceClaim(models.Model):
    """The insurer's share of an issued invoice, claimed from the insurer: submitted at issue, then
    approved (in full or in part) and paid, or rejected. What the insurer declines the patient
    owes (Invoice.insurer_shortfall); the invoice itself is never edited."""

    number = models.CharField(max_length=20, unique=True)
    invoice = models.OneToOneField(Invoice, on_delete=models.PROTECT, related_name="claim")
    insurer = models.CharField(max_length=100, db_index=True)
    amount_claimed = models.DecimalField(max_digits=14, decimal_places=2)
    status = models.CharField(
        max_length=10, choices=ClaimStatus.choices, default=ClaimStatus.SUBMITTED, db_index=True
    )
    approved_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    paid_amount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    # The insurer's own claim number (given at approval).
    insurer_reference = models.CharField(max_length=60, blank=True)
    rejection_reason = models.CharField(max_length=200, blank=True)
    # The insurer's remittance (bank transfer, cheque) reference for its payment.
    payment_reference = models.CharField(max_length=60, blank=True)
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    amount_claimed__gt=0,
                    approved_amount__gte=0,
                    paid_amount__gte=0,
                    approved_amount__lte=models.F("amount_claimed"),
                    paid_amount__lte=models.F("approved_amount"),
                ),
                name="claim_amounts_within_claimed",
            ),
            # The amounts say the same as the status: nothing approved or paid until approval; a
            # paid claim was paid its approved amount in full.
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["submitted", "rejected"], approved_amount=0, paid_amount=0
                )
                | models.Q(status="approved", approved_amount__gt=0, paid_amount=0)
                | models.Q(
                    status="paid", approved_amount__gt=0, paid_amount=models.F("approved_amount")
                ),
                name="claim_amounts_match_status",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("invoice_detail", args=[self.invoice_id])

    @property
    def outstanding(self):
        """What the insurer still owes on this claim."""
        if self.status == ClaimStatus.SUBMITTED:
            return self.amount_claimed
        if self.status == ClaimStatus.APPROVED:
            return self.approved_amount
        return Decimal("0.00")  # paid, or rejected


class DischargeExemption(models.Model):
    """An accountant's (or administrator's) authority for a stay to end while the patient still
    owes: up to `amount`, the balance when it was given, for the reason written. Wards asks for it
    at discharge (docs/DECISIONS.md, "Discharge clearance")."""

    patient = models.ForeignKey(
        "clinical.Patient", on_delete=models.PROTECT, related_name="discharge_exemptions"
    )
    admission = models.ForeignKey(
        "wards.Admission", on_delete=models.PROTECT, related_name="discharge_exemptions"
    )
    amount = models.DecimalField(
        max_digits=14, decimal_places=2, help_text="the most the patient may leave owing"
    )
    reason = models.CharField(max_length=200)
    granted_at = models.DateTimeField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-granted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="discharge_exemption_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"Discharge exemption of {self.amount} for admission {self.admission_id}"
