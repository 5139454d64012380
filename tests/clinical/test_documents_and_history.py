"""Documents (checked uploads, signed expiring links) and the patient's history timeline."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from clinical import selectors, services
from clinical.document_views import download_url
from clinical.models import PatientDocument
from hms import files, rbac
from hms.models import AuditEntry
from tests.factories import PatientFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def doctor(make_user):
    return make_user(rbac.DOCTOR)


def upload(client, patient, content: bytes, name: str = "note.pdf", title: str = "Referral"):
    return client.post(
        reverse("document_upload", args=[patient.pk]),
        {"title": title, "kind": "referral", "file": SimpleUploadedFile(name, content)},
        follow=True,
    )


@pytest.mark.parametrize(("content", "name"), [(PDF, "letter.pdf"), (PNG, "wound.png")])
def test_a_doctor_uploads_a_pdf_or_picture_and_downloads_it_through_a_signed_link(
    doctor, client_for, content, name
):
    patient = PatientFactory()
    client = client_for(doctor)

    upload(client, patient, content, name)
    document = PatientDocument.objects.get()
    response = client.get(download_url(document))

    assert document.size == len(content) and not document.file.name.endswith(name)
    assert response.status_code == 200 and b"".join(response.streaming_content) == content
    assert AuditEntry.objects.filter(
        action="document.download", patient_id=str(patient.pk)
    ).exists()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"MZ\x90\x00 not a pdf", "virus.pdf", "Only PDF documents and JPEG or PNG pictures"),
        (b"<script>alert(1)</script>", "page.html", "Only PDF documents and JPEG or PNG pictures"),
        (b"", "empty.pdf", "The file is empty"),
    ],
)
def test_files_of_the_wrong_type_are_refused(doctor, client_for, content, name, message):
    response = upload(client_for(doctor), PatientFactory(), content, name)

    assert message in response.content.decode()
    assert not PatientDocument.objects.exists()


def test_a_file_over_the_size_limit_is_refused(doctor, client_for, settings):
    big = PDF + b"0" * (files.MAX_UPLOAD_BYTES + 1)

    response = upload(client_for(doctor), PatientFactory(), big)

    assert "the limit is 10 MB" in response.content.decode()
    assert not PatientDocument.objects.exists()


def test_an_expired_a_forged_or_a_wrong_kind_of_link_is_refused(doctor, client_for):
    patient = PatientFactory()
    client = client_for(doctor)
    upload(client, patient, PDF)
    document = PatientDocument.objects.get()
    fresh = download_url(document)

    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        expired = client.get(fresh)
    forged = client.get(fresh[:-3] + "abc/")
    other_kind = client.get(reverse("document_download", args=[files.sign("invoice", document.pk)]))

    assert expired.status_code == forged.status_code == other_kind.status_code == 404


def test_roles_without_the_clinical_chart_cannot_download(doctor, client_for, make_user):
    patient = PatientFactory()
    upload(client_for(doctor), patient, PDF)
    link = download_url(PatientDocument.objects.get())

    for role in (rbac.RECEPTIONIST, rbac.ACCOUNTANT, rbac.PATIENT):
        assert client_for(make_user(role)).get(link).status_code == 403, role


def test_the_history_is_one_timeline_newest_first_paged(doctor, make_user, client_for):
    patient = PatientFactory()
    nurse = make_user(rbac.NURSE)
    start = timezone.now() - timedelta(days=10)
    for n in range(30):
        with time_machine.travel(start + timedelta(hours=n), tick=False):
            services.vitals_record(actor=nurse, patient=patient, values={"pulse": 60 + n})
    with time_machine.travel(start + timedelta(hours=40), tick=False):
        services.document_upload(
            actor=doctor,
            patient=patient,
            upload=SimpleUploadedFile("a.pdf", PDF),
            title="Discharge letter",
        )

    first = selectors.patient_timeline(patient, size=10)
    second = selectors.patient_timeline(patient, before=first[-1].at, size=10)

    assert first[0].kind == "document" and first[0].title == "Document: Discharge letter"
    assert [e.at for e in first] == sorted((e.at for e in first), reverse=True)
    assert second[0].at < first[-1].at
    assert "P 89" in first[1].detail


def test_the_history_page_keeps_a_constant_number_of_queries(
    doctor, make_user, client_for, django_assert_max_num_queries
):
    patient = PatientFactory()
    nurse = make_user(rbac.NURSE)
    client = client_for(doctor)
    services.vitals_record(actor=nurse, patient=patient, values={"pulse": 70})
    # The timeline is one query (clinical.timeline); the 16 count the page's first visit: the
    # session saved, and SQLite's one look at its JSON support per connection (3 statements each).
    with django_assert_max_num_queries(16) as few:
        client.get(reverse("patient_history", args=[patient.pk]))
    for n in range(80):
        services.vitals_record(actor=nurse, patient=patient, values={"pulse": 60 + n % 30})

    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("patient_history", args=[patient.pk])).content.decode()

    assert "Older entries" in page


def test_with_the_file_store_down_the_upload_is_refused_beside_the_file_and_nothing_is_saved(
    doctor, client_for, store_down
):
    patient = PatientFactory()

    page = upload(client_for(doctor), patient, PDF, title="Discharge summary from Nakuru")

    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="error-file"' in text
    assert "The document store is not answering, so nothing was saved" in text
    assert 'value="Discharge summary from Nakuru"' in text  # what was typed is kept
    assert not PatientDocument.objects.exists()
    assert not AuditEntry.objects.filter(action="document.upload").exists()
