"""Refused access leaves a trace in the audit log (issue 12): a patient trying another patient's
records, a role trying a screen it may not use; rate-limited so a crawler cannot flood the log."""

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from billing.models import Invoice
from clinical.models import Appointment
from hms import rbac
from hms.middleware import DENIED_AUDIT_LIMIT
from hms.models import AuditEntry
from tests.factories import PatientFactory


def test_a_patient_refused_another_patients_records_is_audited(make_user, client_for):
    me = make_user(rbac.PATIENT, username="wanjiru")
    PatientFactory(user=me)
    other = PatientFactory()
    doctor = make_user(rbac.DOCTOR)
    starts = timezone.now() + timedelta(days=2)
    theirs = Appointment.objects.create(
        patient=other,
        doctor=doctor,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=15),
        fee=Decimal("1000.00"),
    )
    invoice = Invoice.objects.create(patient=other, created_by=doctor)
    client = client_for(me)

    answers = [
        client.get(reverse("appointment_detail", kwargs={"pk": theirs.pk})).status_code,
        client.get(reverse("invoice_detail", kwargs={"pk": invoice.pk})).status_code,
        client.get(reverse("user_list")).status_code,
    ]

    assert answers == [404, 403, 403]
    rows = list(AuditEntry.objects.filter(action="access.denied").order_by("id"))
    assert [(row.actor_username, row.after["status"]) for row in rows] == [
        ("wanjiru", 404),
        ("wanjiru", 403),
        ("wanjiru", 403),
    ]
    assert rows[0].after["path"] == reverse("appointment_detail", kwargs={"pk": theirs.pk})
    assert rows[0].ip == "127.0.0.1"


def test_a_crawler_cannot_flood_the_log_with_refusals(make_user, client_for):
    client = client_for(make_user(rbac.NURSE, username="crawler"))

    for _ in range(DENIED_AUDIT_LIMIT + 20):
        assert client.get(reverse("user_list")).status_code == 403

    assert AuditEntry.objects.filter(action="access.denied").count() == DENIED_AUDIT_LIMIT
    assert AuditEntry.objects.filter(action="access.denied_throttled").count() == 1


def test_refusals_are_found_in_the_audit_viewer(make_user, client_for):
    client_for(make_user(rbac.NURSE, username="curious")).get(reverse("user_list"))
    admin = client_for(make_user(rbac.ADMIN))

    page = admin.get(reverse("audit_list"), {"action": "access.denied"}).content.decode()

    assert "access.denied" in page and "curious" in page
