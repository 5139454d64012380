"""The database refuses a payment mode, deposit mode or refund method that is not offered (after
0013 moved UPI's payments to bank transfers)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0013_upi_to_bank_refunds_numbered"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="advancedeposit",
            constraint=models.CheckConstraint(
                condition=models.Q(("mode__in", ["cash", "mpesa", "card", "bank"])),
                name="advance_mode_known",
            ),
        ),
        migrations.AddConstraint(
            model_name="payment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("mode__in", ["cash", "mpesa", "card", "bank", "insurance", "advance"])
                ),
                name="payment_mode_known",
            ),
        ),
        migrations.AddConstraint(
            model_name="refund",
            constraint=models.CheckConstraint(
                condition=models.Q(("method__in", ["cash", "mpesa", "card", "bank", ""])),
                name="refund_method_known",
            ),
        ),
    ]
