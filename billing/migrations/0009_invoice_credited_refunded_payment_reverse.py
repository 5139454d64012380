"""Refunds drop what is owed (Invoice.amount_refunded), an invoice settled with nothing paid is
Cancelled by credit note or Refunded, and a payment can be reversed (bounced) with a reason."""

import django.db.models.deletion
import django.db.models.expressions
from django.conf import settings
from django.db import migrations, models


def refunds_drop_what_is_owed(apps, schema_editor):
    """Invoices refunded before this rule had the refund put back into their balance. Apply the
    rule to them as far as it fits: what was refunded is no longer owed, unless the patient has
    paid it again since (then the room is taken and nothing changes)."""
    Invoice = apps.get_model("billing", "Invoice")
    Refund = apps.get_model("billing", "Refund")
    refunded = {}
    for invoice_id, amount in Refund.objects.values_list("payment__invoice_id", "amount"):
        refunded[invoice_id] = refunded.get(invoice_id, 0) + amount
    for invoice in Invoice.objects.filter(pk__in=list(refunded)).exclude(
        status__in=["draft", "void"]
    ):
        room = (
            invoice.patient_share
            + invoice.insurer_shortfall
            - invoice.amount_credited
            - invoice.amount_paid
        )
        invoice.amount_refunded = max(0, min(refunded[invoice.pk], room))
        invoice.save(update_fields=["amount_refunded"])
    for invoice in Invoice.objects.exclude(status__in=["draft", "void"]):
        balance = (
            invoice.patient_share
            + invoice.insurer_shortfall
            - invoice.amount_credited
            - invoice.amount_refunded
            - invoice.amount_paid
        )
        insurer_balance = invoice.insurer_share - invoice.insurer_shortfall - invoice.insurer_paid
        if balance > 0 or insurer_balance > 0:
            status = "partially_paid" if invoice.amount_paid or invoice.insurer_paid else "issued"
        elif invoice.amount_paid or invoice.insurer_paid:
            status = "paid"
        elif invoice.amount_refunded:
            status = "refunded"
        elif invoice.amount_credited:
            status = "credited"
        else:
            status = invoice.status
        if status != invoice.status:
            Invoice.objects.filter(pk=invoice.pk).update(status=status)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0008_invoice_discount_within_subtotal"),
        ("clinical", "0008_appointments_never_overlap"),
        ("wards", "0002_hourly_accrual_keys_per_admission"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="invoice",
            name="invoice_paid_within_patient_share",
        ),
        migrations.AddField(
            model_name="invoice",
            name="amount_refunded",
            field=models.DecimalField(decimal_places=2, default=0, max_digits=14),
        ),
        migrations.AddField(
            model_name="payment",
            name="reversal_reason",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="payment",
            name="reversed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="payment",
            name="reversed_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Draft"),
                    ("issued", "Issued"),
                    ("partially_paid", "Partially paid"),
                    ("paid", "Paid"),
                    ("credited", "Cancelled by credit note"),
                    ("refunded", "Refunded"),
                    ("void", "Void"),
                ],
                default="draft",
                max_length=16,
            ),
        ),
        migrations.RunPython(refunds_drop_what_is_owed, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="invoice",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("amount_credited__gte", 0),
                    ("amount_paid__gte", 0),
                    (
                        "amount_paid__lte",
                        django.db.models.expressions.CombinedExpression(
                            django.db.models.expressions.CombinedExpression(
                                django.db.models.expressions.CombinedExpression(
                                    models.F("patient_share"), "+", models.F("insurer_shortfall")
                                ),
                                "-",
                                models.F("amount_credited"),
                            ),
                            "-",
                            models.F("amount_refunded"),
                        ),
                    ),
                    ("amount_refunded__gte", 0),
                ),
                name="invoice_paid_within_patient_share",
            ),
        ),
        migrations.AddConstraint(
            model_name="payment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("reversal_reason", ""), ("reversed_at__isnull", True)),
                    models.Q(
                        ("reversed_at__isnull", False),
                        models.Q(("reversal_reason", ""), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="payment_reversal_has_reason",
            ),
        ),
    ]
