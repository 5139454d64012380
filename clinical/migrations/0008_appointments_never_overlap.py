"""On PostgreSQL, two live appointments of one doctor, or of one patient with any doctors, never
overlap in time: exclusion constraints over [starts_at, ends_at) ranges (btree_gist lets the
doctor and patient columns share the GiST index with the range). Live is the model's
LIVE_APPOINTMENT: every status but cancelled.

SQLite has no exclusion constraints: there the booking service checks the overlap, and SQLite's
IMMEDIATE transactions (one writer at a time) keep the check and the insert together. The
constraints live here, not in the model's Meta, so that the same models migrate on both."""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations, models


class TimeRange(models.Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


LIVE = ~models.Q(status="cancelled")


def constraints() -> list[ExclusionConstraint]:
    span = TimeRange("starts_at", "ends_at", RangeBoundary(inclusive_lower=True))
    return [
        ExclusionConstraint(
            name="appointment_doctor_never_overlaps",
            expressions=[("doctor", RangeOperators.EQUAL), (span, RangeOperators.OVERLAPS)],
            condition=LIVE,
        ),
        ExclusionConstraint(
            name="appointment_patient_never_overlaps",
            expressions=[("patient", RangeOperators.EQUAL), (span, RangeOperators.OVERLAPS)],
            condition=LIVE,
        ),
    ]


OVERLAPS = """
SELECT a.id, b.id FROM clinical_appointment a JOIN clinical_appointment b
  ON a.id < b.id AND (a.doctor_id = b.doctor_id OR a.patient_id = b.patient_id)
 AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at
WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'
LIMIT 20
"""


def add(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(OVERLAPS)
        clashes = cursor.fetchall()
    if clashes:
        pairs = ", ".join(f"{a} and {b}" for a, b in clashes)
        raise RuntimeError(
            "These live appointments overlap (by id): "
            f"{pairs}. Move or cancel one of each pair, then migrate again."
        )
    appointment = apps.get_model("clinical", "Appointment")
    for constraint in constraints():
        schema_editor.add_constraint(appointment, constraint)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    appointment = apps.get_model("clinical", "Appointment")
    for constraint in constraints():
        schema_editor.remove_constraint(appointment, constraint)


class Migration(migrations.Migration):
    dependencies = [("clinical", "0007_alter_patient_emergency_name")]

    operations = [
        BtreeGistExtension(),  # a no-op on SQLite
        migrations.RunPython(add, remove),
    ]
