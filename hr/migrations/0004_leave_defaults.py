"""The leave types a fresh install starts with: Kenya's Employment Act 2007 defaults (s.28 annual,
s.29 maternity, s.29(8) paternity, s.30 sick), each editable by the administrator afterwards.
Every staff role but patient gets each entitlement."""

from decimal import Decimal

from django.db import migrations

STAFF_ROLES = [
    "admin",
    "doctor",
    "nurse",
    "receptionist",
    "lab_technician",
    "engineer",
    "pharmacist",
    "accountant",
]

# code, name, counts, days a year, carry-over limit, document beyond (days), full-pay days, unpaid
DEFAULTS = [
    ("annual", "Annual leave", "working", "21", "10", None, None, False),
    ("sick", "Sick leave", "working", "14", "0", "2", "7", False),
    ("maternity", "Maternity leave", "calendar", "90", "0", "0", None, False),
    ("paternity", "Paternity leave", "calendar", "14", "0", None, None, False),
    ("compassionate", "Compassionate leave", "working", "5", "0", None, None, False),
    ("study", "Study leave", "working", "10", "0", "0", None, False),
    ("unpaid", "Unpaid leave", "working", "0", "0", None, None, True),
]


def seed(apps, schema_editor):
    LeaveType = apps.get_model("hr", "LeaveType")
    LeaveEntitlement = apps.get_model("hr", "LeaveEntitlement")
    for position, (code, name, counts, days, carry, document, full_pay, unpaid) in enumerate(
        DEFAULTS
    ):
        leave_type, created = LeaveType.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "counts": counts,
                "carry_over_limit": Decimal(carry),
                "document_after_days": Decimal(document) if document is not None else None,
                "full_pay_days": Decimal(full_pay) if full_pay is not None else None,
                "unpaid": unpaid,
                "position": position,
            },
        )
        if created:
            LeaveEntitlement.objects.bulk_create(
                LeaveEntitlement(leave_type=leave_type, role=role, days=Decimal(days))
                for role in STAFF_ROLES
            )


class Migration(migrations.Migration):
    dependencies = [("hr", "0003_leave")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
