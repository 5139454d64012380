"""Every list of the API asks the same number of queries for a few rows as for many: nothing
is read per row (the screens' rule, docs/BENCHMARKS.md)."""

from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinical.models import Prescription
from messaging import services as messaging
from tests.factories import (
    AppointmentFactory,
    EncounterFactory,
    LabOrderFactory,
    invoice_issued,
    payment_taken,
)


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        answer = client.get(url)
    assert answer.status_code == 200, answer.content
    return len(captured)


def add_rows(staff, thread, start: int, count: int) -> None:
    """`count` more of each kind of row the patient's lists show."""
    from datetime import timedelta

    from django.utils import timezone

    for n in range(start, start + count):
        AppointmentFactory(
            patient=staff.patient,
            starts_at=timezone.now().replace(microsecond=0) + timedelta(days=3, hours=n + 1),
        )
        encounter = EncounterFactory(patient=staff.patient, doctor=staff.doctor)
        Prescription.objects.create(
            encounter=encounter,
            patient=staff.patient,
            doctor=staff.doctor,
            drug=f"Drug {n}",
            dose="1 tablet",
            frequency="daily",
            duration="5 days",
        )
        order = LabOrderFactory(patient=staff.patient, verified=True)
        order.report.save(f"r{n}.pdf", ContentFile(b"%PDF"), save=True)
        invoice = invoice_issued(staff.receptionist, staff.patient, "NURS-DRESS")
        payment_taken(staff.receptionist, invoice, f"{10 + n}")
        payment_taken(staff.receptionist, invoice, f"{30 + n}")
        messaging.notify(staff.patient_user, f"Notice {n}")
        messaging.message_send(sender=staff.doctor, thread=thread, body=f"Message {n}")


def test_the_patients_lists_cost_the_same_for_2_rows_as_for_12(staff, charge_master, api_for):
    AppointmentFactory(patient=staff.patient, doctor=staff.doctor)
    thread = messaging.thread_start(initiator=staff.doctor, others=[staff.patient_user])
    app = api_for(staff.patient_user)
    lists = [
        "/api/v1/me/appointments/",
        "/api/v1/me/prescriptions/",
        "/api/v1/me/results/",
        "/api/v1/me/invoices/",
        "/api/v1/me/notifications/",
        "/api/v1/chat/threads/",
        f"/api/v1/chat/threads/{thread.pk}/messages/",
    ]

    add_rows(staff, thread, 0, 2)
    few = {url: queries(app, url) for url in lists}
    add_rows(staff, thread, 2, 10)
    many = {url: queries(app, url) for url in lists}

    assert many == few


def test_the_staff_lists_cost_the_same_for_2_rows_as_for_40(staff, api_for):
    lab = api_for(staff.lab_technician)
    for _ in range(2):
        LabOrderFactory()
    few = queries(lab, "/api/v1/lab/worklist/")
    for _ in range(38):
        LabOrderFactory()
    assert queries(lab, "/api/v1/lab/worklist/") == few
