"""Reference-range age bands move from whole years to days (neonate 0–28 days, infant …).

An existing band of N years becomes N × 365 days, which means exactly the same patients: bands
count 365 days to each completed year (lab.models.DAYS_PER_YEAR, clinical.ages.age_in_range_days),
so N × 365 days is reached on the Nth birthday.
"""

from django.db import migrations, models
from django.db.models import F

DAYS_PER_YEAR = 365  # lab.models.DAYS_PER_YEAR when this was written


def years_to_days(apps, schema_editor):
    ReferenceRange = apps.get_model("lab", "ReferenceRange")
    # One statement for both ends (an empty end stays empty), so no row is ever half converted.
    ReferenceRange.objects.update(
        age_from_days=F("age_from_days") * DAYS_PER_YEAR,
        age_to_days=F("age_to_days") * DAYS_PER_YEAR,
    )


def days_to_years(apps, schema_editor):
    # Back to whole years: the start rounded down, the end up, so no band becomes empty.
    ReferenceRange = apps.get_model("lab", "ReferenceRange")
    for band in ReferenceRange.objects.order_by("pk"):
        band.age_from_days //= DAYS_PER_YEAR
        if band.age_to_days is not None:
            band.age_to_days = -(-band.age_to_days // DAYS_PER_YEAR)
        band.save(update_fields=["age_from_days", "age_to_days"])


class Migration(migrations.Migration):
    dependencies = [
        ("lab", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="referencerange", name="range_age_band_ordered"),
        migrations.RenameField(
            model_name="referencerange", old_name="age_from", new_name="age_from_days"
        ),
        migrations.RenameField(
            model_name="referencerange", old_name="age_to", new_name="age_to_days"
        ),
        migrations.AlterField(
            model_name="referencerange",
            name="age_from_days",
            field=models.PositiveIntegerField(default=0, verbose_name="age from (days)"),
        ),
        migrations.AlterField(
            model_name="referencerange",
            name="age_to_days",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="Empty: no upper age.",
                null=True,
                verbose_name="age below (days)",
            ),
        ),
        migrations.RunPython(years_to_days, days_to_years),
        migrations.AlterModelOptions(
            name="referencerange", options={"ordering": ["field", "sex", "age_from_days"]}
        ),
        migrations.AddConstraint(
            model_name="referencerange",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("age_to_days__isnull", True),
                    ("age_to_days__gt", F("age_from_days")),
                    _connector="OR",
                ),
                name="range_age_band_ordered",
            ),
        ),
        migrations.AlterField(
            model_name="resultvalue",
            name="reference",
            field=models.CharField(blank=True, max_length=80),
        ),
    ]
