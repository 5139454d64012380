"""UPI (India's payment system) is no mode a Kenyan desk takes: payments and deposits stored with
it become bank transfers (UPI is a bank-to-bank transfer), their reference starting "UPI" so the
history still says what it was. Refunds made before they were numbered get their numbers
(RF-<year>-000001, in the order they were made, the year's series continued by new refunds) and
the method of the payment they went back on where that is one a refund can take (cash, M-Pesa,
card, bank); otherwise the method stays "not recorded"."""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

REFUND_METHODS = {"cash", "mpesa", "card", "bank"}


def upi_to_bank(apps, schema_editor):
    for name in ("Payment", "AdvanceDeposit"):
        model = apps.get_model("billing", name)
        for row in model.objects.filter(mode="upi"):
            row.mode = "bank"
            row.reference = f"UPI {row.reference}".strip()[:60]
            row.save(update_fields=["mode", "reference"])


def number_refunds(apps, schema_editor):
    Refund = apps.get_model("billing", "Refund")
    NumberSeries = apps.get_model("hms", "NumberSeries")
    zone = timezone.get_default_timezone() if settings.USE_TZ else None
    for refund in (
        Refund.objects.filter(number__isnull=True)
        .select_related("payment")
        .order_by("refunded_at", "id")
    ):
        at = timezone.localtime(refund.refunded_at, zone) if zone else refund.refunded_at
        series, _ = NumberSeries.objects.get_or_create(
            name=f"refund-{at.year}", defaults={"last": 0}
        )
        series.last += 1
        series.save(update_fields=["last"])
        refund.number = f"RF-{at.year}-{series.last:06d}"
        if not refund.method and refund.payment.mode in REFUND_METHODS:
            refund.method = refund.payment.mode
        refund.save(update_fields=["number", "method"])


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0012_kenyan_modes_refund_receipts"),
        ("hms", "0003_numberseries"),
    ]

    operations = [
        migrations.RunPython(upi_to_bank, migrations.RunPython.noop),
        migrations.RunPython(number_refunds, migrations.RunPython.noop),
    ]
