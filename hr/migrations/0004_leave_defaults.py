"""The leave types a fresh install starts with (hr.leave_defaults: Kenya's Employment Act 2007
defaults), each editable by the administrator afterwards."""

from django.db import migrations

from hr.leave_defaults import create_missing


def seed(apps, schema_editor):
    create_missing(apps.get_model("hr", "LeaveType"), apps.get_model("hr", "LeaveEntitlement"))


class Migration(migrations.Migration):
    dependencies = [("hr", "0003_leave")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
