"""The queue's people and places: the usual five service points, a doctor's own room."""

import pytest

from queues.models import PointKind, ServicePoint


@pytest.fixture
def points(db):
    """Triage (T), consultation (D), laboratory (L), pharmacy (P), cashier (B), by prefix."""
    made = {}
    for position, (name, kind, prefix) in enumerate(
        [
            ("Triage", PointKind.TRIAGE, "T"),
            ("Consultation", PointKind.CONSULTATION, "D"),
            ("Laboratory", PointKind.LAB, "L"),
            ("Pharmacy", PointKind.PHARMACY, "P"),
            ("Cashier", PointKind.BILLING, "B"),
        ]
    ):
        made[prefix] = ServicePoint.objects.create(
            name=name, kind=kind, prefix=prefix, position=position
        )
    return made
