"""The lab's services refuse a role that may not do a step with PermissionDenied, nothing changed.

The screens and the API already answer 403 before the service runs (each lab view's capability is
the service's own); the services check it again themselves, whoever calls them (a task, another
module), and say no as a permission, not as a rule about the order: the 403 page, never a page
with a message.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from hms.models import AuditEntry
from lab import services
from lab.models import OrderStatus, ReferenceRange, TestOrder
from tests.lab.conftest import CBC_NORMAL, field_values, make_patient, order, walk


def _state() -> list[dict]:
    return list(TestOrder.objects.order_by("pk").values())


@pytest.mark.parametrize("who", ["nurse", "reception", "accountant", "doctor"])
def test_the_technicians_steps_are_refused_to_other_roles(staff, catalog, who):
    patient = make_patient()
    (cbc,) = order(staff, catalog, patient, "CBC")
    cbc = walk(cbc, OrderStatus.IN_PROGRESS, staff)
    (verified,) = order(staff, catalog, make_patient(), "CBC")
    verified = walk(verified, OrderStatus.VERIFIED, staff)
    actor = staff[who]
    orders, audit_rows = _state(), AuditEntry.objects.count()

    with pytest.raises(PermissionDenied, match="Only the lab can change a test's status"):
        services.order_advance(actor=actor, order=cbc, to_status=OrderStatus.COMPLETED)
    with pytest.raises(PermissionDenied, match="Only the lab can enter results"):
        services.results_enter(actor=actor, order=cbc, values=field_values(cbc, **CBC_NORMAL))
    with pytest.raises(PermissionDenied, match="Only the lab can amend results"):
        services.results_amend(
            actor=actor, order=verified, values=field_values(verified), reason="Typo"
        )
    with pytest.raises(PermissionDenied, match="Only the lab records the critical-value call"):
        services.critical_call_record(
            actor=actor,
            order=verified,
            called_person="Dr Otieno",
            called_at=timezone.now() - timedelta(minutes=5),
            read_back=True,
        )
    with pytest.raises(PermissionDenied, match="Only the lab can attach reports"):
        services.report_attach(
            actor=actor,
            order=cbc,
            upload=SimpleUploadedFile("r.pdf", b"%PDF-1.4 r", content_type="application/pdf"),
        )

    assert _state() == orders
    assert AuditEntry.objects.count() == audit_rows


@pytest.mark.parametrize("who", ["nurse", "reception", "accountant", "tech"])
def test_ordering_cancelling_and_carrying_over_are_refused_to_other_roles(
    staff, catalog, admit, who
):
    patient = make_patient()
    (cbc,) = order(staff, catalog, patient, "CBC", admission=admit(patient))
    actor = staff[who]
    orders, audit_rows = _state(), AuditEntry.objects.count()

    with pytest.raises(PermissionDenied, match="Only a doctor can order tests"):
        services.order_tests(actor=actor, patient=patient, tests=[catalog["RBS"]])
    with pytest.raises(PermissionDenied, match="Only a doctor can cancel a test order"):
        services.order_cancel(actor=actor, order=cbc, reason="Not needed")
    with pytest.raises(PermissionDenied, match="Only a doctor can carry a test over"):
        services.order_carry_over(actor=actor, order=cbc, reason="Going home")

    assert _state() == orders
    assert AuditEntry.objects.count() == audit_rows


@pytest.mark.parametrize("who", ["doctor", "tech", "nurse"])
def test_the_catalogue_is_the_administrators(staff, catalog, who):
    cbc = catalog["CBC"]
    band = ReferenceRange.objects.filter(field__test=cbc).first()
    ranges = ReferenceRange.objects.count()

    with pytest.raises(PermissionDenied, match="Only an administrator can change the test"):
        services.catalogue_save(actor=staff[who], test=cbc, name="Renamed")
    with pytest.raises(PermissionDenied, match="Only an administrator can change the test"):
        services.catalogue_part_remove(actor=staff[who], part=band)

    cbc.refresh_from_db()
    assert cbc.name != "Renamed"
    assert ReferenceRange.objects.count() == ranges
