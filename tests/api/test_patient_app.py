"""What a patient's app reads through the API: prescriptions, verified results and their
reports, invoices with payments and their PDFs, notifications, chat. Only ever their own: another
patient's ids answer 404, as missing ones."""

from django.core.files.base import ContentFile

from hms.models import AuditEntry
from messaging import services as messaging
from tests.api.conftest import every_page
from tests.factories import (
    AppointmentFactory,
    EncounterFactory,
    LabOrderFactory,
    invoice_issued,
    payment_taken,
)


def test_my_prescriptions_are_mine_newest_first(staff, api_for):
    from clinical.models import Prescription

    def prescribe(patient, drug):
        encounter = EncounterFactory(patient=patient, doctor=staff.doctor)
        return Prescription.objects.create(
            encounter=encounter,
            patient=patient,
            doctor=staff.doctor,
            drug=drug,
            dose="1 tablet",
            frequency="three times a day",
            duration="5 days",
        )

    prescribe(staff.patient, "Amoxicillin")
    prescribe(staff.patient, "Paracetamol")
    prescribe(staff.other_patient, "Metformin")

    rows = every_page(api_for(staff.patient_user), "/api/v1/me/prescriptions/")

    assert [row["drug"] for row in rows] == ["Paracetamol", "Amoxicillin"]
    assert rows[0]["doctor"] == "Amina Odhiambo" and rows[0]["route_label"] == "By mouth"


def test_only_my_verified_results_and_their_report_each_download_audited(staff, api_for):
    verified = LabOrderFactory(patient=staff.patient, verified=True)
    verified.report.save("cbc.pdf", ContentFile(b"%PDF-1.4 result"), save=True)
    verified.versions.update(report=verified.report.name)
    LabOrderFactory(patient=staff.patient)  # ordered, not verified: not shown
    theirs = LabOrderFactory(patient=staff.other_patient, verified=True)
    app = api_for(staff.patient_user)

    rows = every_page(app, "/api/v1/me/results/")
    report = app.get(rows[0]["report"])
    not_mine = app.get(f"/api/v1/results/{theirs.pk}/report/")

    assert [row["number"] for row in rows] == [verified.number]
    assert report.status_code == 200
    assert b"".join(report.streaming_content) == b"%PDF-1.4 result"
    assert AuditEntry.objects.filter(action="lab.report_download").count() == 1
    assert not_mine.status_code == 404


def test_my_invoices_with_their_payments_and_pdfs(staff, charge_master, api_for):
    invoice = invoice_issued(staff.receptionist, staff.patient, "NURS-DRESS")
    payment = payment_taken(staff.receptionist, invoice, "100")
    theirs = invoice_issued(staff.receptionist, staff.other_patient, "NURS-DRESS")
    app = api_for(staff.patient_user)

    rows = every_page(app, "/api/v1/me/invoices/")

    assert [row["number"] for row in rows] == [invoice.number]
    assert rows[0]["payments"][0]["receipt_number"] == payment.receipt_number
    assert rows[0]["balance"] == str(invoice.total - 100)
    pdf = app.get(rows[0]["pdf"])
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert app.get(f"/api/v1/invoices/{theirs.pk}/pdf/").status_code == 404
    their_payment = payment_taken(staff.receptionist, theirs, "50")
    receipt = app.get(rows[0]["payments"][0]["receipt"])
    assert receipt.status_code == 200
    assert app.get(f"/api/v1/payments/{their_payment.pk}/receipt/").status_code == 404


def test_my_notifications_and_marking_one_read(staff, api_for):
    messaging.notify(staff.patient_user, "Your result is ready")
    messaging.notify(staff.other_patient_user, "Someone else's")
    app = api_for(staff.patient_user)

    rows = every_page(app, "/api/v1/me/notifications/")
    read = app.post(f"/api/v1/me/notifications/{rows[0]['id']}/read/")
    other = staff.other_patient_user.notifications.get()
    theirs = app.post(f"/api/v1/me/notifications/{other.pk}/read/")

    assert [row["text"] for row in rows] == ["Your result is ready"]
    assert read.status_code == 200 and read.json()["read_at"]
    assert theirs.status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_a_patient_chats_with_their_doctor_and_no_one_else_reads_it(staff, api_for):
    AppointmentFactory(patient=staff.patient, doctor=staff.doctor)
    thread = messaging.thread_start(initiator=staff.doctor, others=[staff.patient_user])
    messaging.message_send(sender=staff.doctor, thread=thread, body="How is the cough?")
    app = api_for(staff.patient_user)

    threads = every_page(app, "/api/v1/chat/threads/")
    sent = app.post(
        f"/api/v1/chat/threads/{thread.pk}/messages/", {"body": "Better, thank you"}, format="json"
    )
    messages = every_page(app, f"/api/v1/chat/threads/{thread.pk}/messages/")
    stranger = api_for(staff.other_patient_user)

    assert threads[0]["with_people"] == [{"id": staff.doctor.pk, "name": "Amina Odhiambo"}]
    assert sent.status_code == 201
    assert [m["body"] for m in messages] == ["Better, thank you", "How is the cough?"]
    assert stranger.get(f"/api/v1/chat/threads/{thread.pk}/messages/").status_code == 404
    assert (
        stranger.post(
            f"/api/v1/chat/threads/{thread.pk}/messages/", {"body": "hi"}, format="json"
        ).status_code
        == 404
    )
    empty = app.post(f"/api/v1/chat/threads/{thread.pk}/messages/", {"body": "  "}, format="json")
    assert empty.status_code == 400 and empty.json()["errors"][0]["field"] == "body"
