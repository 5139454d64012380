"""The leave types a hospital starts with: Kenya's Employment Act 2007 (s.28 annual, s.29
maternity, s.29(8) paternity, s.30 sick; compassionate, study and unpaid where the Act is
silent, docs/DECISIONS.md "Leave"). A fresh install gets them from migration hr/0004; the demo
and any emptied database (a test's flush) from `ensure_leave_types`. Each is the administrator's
to change afterwards, and is never overwritten here."""

from decimal import Decimal

from django.db import transaction

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


def create_missing(leave_type_model, entitlement_model) -> int:
    """Create the default types that do not exist yet (by code), each with its days for every
    staff role; types that exist are left as the administrator set them. Returns how many were
    created. Takes the models so the migration can pass its historical ones."""
    created_count = 0
    for position, (code, name, counts, days, carry, document, full_pay, unpaid) in enumerate(
        DEFAULTS
    ):
        leave_type, created = leave_type_model.objects.get_or_create(
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
            created_count += 1
            entitlement_model.objects.bulk_create(
                entitlement_model(leave_type=leave_type, role=role, days=Decimal(days))
                for role in STAFF_ROLES
            )
    return created_count


@transaction.atomic
def ensure_leave_types() -> int:
    """The default leave types, created where missing (see create_missing)."""
    from hr.models import LeaveEntitlement, LeaveType

    return create_missing(LeaveType, LeaveEntitlement)
