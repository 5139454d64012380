"""Hourly ward charges are counted over the whole admission, not per bed: their accrual keys
become `admission:<id>:hour:<n>` (they were `stay:<id>:hour:<n>`), so an admission in Emergency
when this runs is not charged its hours a second time under the new keys."""

from django.db import migrations


def rekey_hours(apps, schema_editor):
    Charge = apps.get_model("billing", "Charge")
    hours = Charge.objects.filter(accrual_key__startswith="stay:").order_by(
        "admission_id", "service_from", "id"
    )
    numbered: dict[int, int] = {}
    for charge in hours:
        n = numbered.get(charge.admission_id, 0)
        numbered[charge.admission_id] = n + 1
        charge.accrual_key = f"admission:{charge.admission_id}:hour:{n}"
        charge.save(update_fields=["accrual_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("wards", "0001_initial"),
        ("billing", "0008_invoice_discount_within_subtotal"),
    ]

    operations = [migrations.RunPython(rekey_hours, migrations.RunPython.noop)]
