"""Payment modes for Kenya (M-Pesa, card, bank transfer, insurance; "insurance" needs a longer
column), and refunds with a number, a method and a reference; a payment keeps the balance it
left (printed on its receipt)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0011_field_limits_in_words"),
        ("clinical", "0011_list_indexes"),
        ("wards", "0002_hourly_accrual_keys_per_admission"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="payment",
            name="balance_after",
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True),
        ),
        migrations.AddField(
            model_name="refund",
            name="method",
            field=models.CharField(
                blank=True,
                choices=[
                    ("cash", "Cash"),
                    ("mpesa", "M-Pesa reversal"),
                    ("card", "Card reversal"),
                    ("bank", "Bank transfer"),
                ],
                max_length=8,
            ),
        ),
        migrations.AddField(
            model_name="refund",
            name="number",
            field=models.CharField(blank=True, max_length=20, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="refund",
            name="reference",
            field=models.CharField(blank=True, max_length=60),
        ),
        migrations.AlterField(
            model_name="advancedeposit",
            name="mode",
            field=models.CharField(
                choices=[
                    ("cash", "Cash"),
                    ("mpesa", "M-Pesa"),
                    ("card", "Card"),
                    ("bank", "Bank transfer"),
                    ("insurance", "Insurance"),
                    ("advance", "From advance deposit"),
                ],
                max_length=12,
            ),
        ),
        migrations.AlterField(
            model_name="payment",
            name="mode",
            field=models.CharField(
                choices=[
                    ("cash", "Cash"),
                    ("mpesa", "M-Pesa"),
                    ("card", "Card"),
                    ("bank", "Bank transfer"),
                    ("insurance", "Insurance"),
                    ("advance", "From advance deposit"),
                ],
                max_length=12,
            ),
        ),
    ]
