"""Attendance: the "no clock-out" flag, and one open attendance per person.

Arrivals the old rule left open for ever (a night shift's morning click recorded as a new
arrival) are flagged "no clock-out", all but each person's latest, before the constraint."""

from django.conf import settings
from django.db import migrations, models


def flag_the_forgotten(apps, schema_editor):
    Attendance = apps.get_model("hr", "Attendance")
    latest_open = {}
    for row in Attendance.objects.filter(time_out__isnull=True).order_by("user_id", "-time_in"):
        if row.user_id in latest_open:
            row.no_clock_out = True
            row.save(update_fields=["no_clock_out"])
        else:
            latest_open[row.user_id] = row.pk


class Migration(migrations.Migration):
    dependencies = [
        ("hr", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="attendance",
            name="no_clock_out",
            field=models.BooleanField(
                default=False,
                help_text="Never clocked out: the next click came after the longest shift.",
                verbose_name="no clock-out",
            ),
        ),
        migrations.RunPython(flag_the_forgotten, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="attendance",
            constraint=models.UniqueConstraint(
                condition=models.Q(("no_clock_out", False), ("time_out__isnull", True)),
                fields=("user",),
                name="attendance_one_open_per_person",
            ),
        ),
        migrations.AddConstraint(
            model_name="attendance",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("no_clock_out", False), ("time_out__isnull", True), _connector="OR"
                ),
                name="attendance_no_clock_out_has_no_time_out",
            ),
        ),
    ]
