"""clinical's lists never stop silently: each is paged and says how many there are ("51–100 of
180"), a chart says which window it plots, a short panel says "10 of 12 · see all"; and each page
asks the database a constant number of queries however many rows there are."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from clinical.models import (
    Appointment,
    AppointmentStatus,
    Encounter,
    PatientDocument,
    PatientStateChange,
    Vitals,
)
from hms import rbac
from tests.factories import PatientFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


@pytest.fixture
def nurse(make_user):
    return make_user(rbac.NURSE)


@pytest.fixture
def doctor(make_user):
    return make_user(rbac.DOCTOR)


def add_vitals(patient, nurse, count: int, start: int = 0) -> None:
    now = timezone.now()
    Vitals.objects.bulk_create(
        Vitals(
            patient=patient,
            recorded_by=nurse,
            recorded_at=now - timedelta(hours=start + i),
            pulse=60 + (start + i) % 40,
        )
        for i in range(count)
    )


def add_appointments(patient, doctor, count: int, *, start: int = 0, days_ago: int = 10) -> None:
    first = timezone.now() - timedelta(days=days_ago)
    Appointment.objects.bulk_create(
        Appointment(
            patient=patient,
            doctor=doctor,
            starts_at=first - timedelta(hours=start + i),
            ends_at=first - timedelta(hours=start + i) + timedelta(minutes=30),
            status=AppointmentStatus.COMPLETED,
            fee=Decimal("500.00"),
        )
        for i in range(count)
    )


def test_vitals_are_paged_and_the_chart_says_which_readings_it_plots(nurse, client_for):
    patient = PatientFactory()
    add_vitals(patient, nurse, 180)
    client = client_for(nurse)
    url = reverse("patient_vitals", args=[patient.pk])

    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()

    assert "1–50 of 180 readings" in first
    assert "The chart shows the last 50 readings of 180" in first
    assert "51–100 of 180 readings" in second
    assert second.count('class="small">') >= 50  # the recorder column of 50 rows
    assert "The chart shows the last 50 readings of 180" in second


def test_the_vitals_page_asks_the_same_number_of_queries_however_many_readings(
    nurse, client_for, django_assert_max_num_queries
):
    patient = PatientFactory()
    add_vitals(patient, nurse, 60)
    client = client_for(nurse)
    url = reverse("patient_vitals", args=[patient.pk])
    with django_assert_max_num_queries(60) as few:
        client.get(url, {"page": 2})

    add_vitals(patient, nurse, 400, start=60)

    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url, {"page": 2}).content.decode()
    assert "51–100 of 460 readings" in page


def test_search_results_are_paged_with_their_count(make_user, client_for):
    for n in range(45):
        PatientFactory(first_name="Wanjiru", last_name=f"Kamau{n:02d}")
    client = client_for(make_user(rbac.RECEPTIONIST))

    full = client.get(reverse("patient_list"), {"q": "wanjiru"}).content.decode()
    typed = client.get(
        reverse("patient_list"),
        {"q": "wanjiru", "page": 3},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="patient-results",
    ).content.decode()

    assert "1–20 of 45 matches" in full
    assert "41–45 of 45 matches" in typed and typed.count('data-testid="patient-result"') == 5
    assert 'hx-target="#patient-results"' in full


def test_the_search_asks_the_same_number_of_queries_however_many_match(
    make_user, client_for, django_assert_max_num_queries
):
    client = client_for(make_user(rbac.RECEPTIONIST))
    for n in range(25):
        PatientFactory(first_name="Achieng", last_name=f"Otieno{n:03d}")
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("patient_list"), {"q": "achieng", "page": 2})

    for n in range(25, 300):
        PatientFactory(first_name="Achieng", last_name=f"Otieno{n:03d}")

    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("patient_list"), {"q": "achieng", "page": 2}).content.decode()
    assert "21–40 of 300 matches" in page


def test_documents_are_paged_and_counted(doctor, client_for, django_assert_max_num_queries):
    patient = PatientFactory()
    client = client_for(doctor)
    for n in range(3):
        client.post(
            reverse("document_upload", args=[patient.pk]),
            {"title": f"Letter {n}", "kind": "referral", "file": SimpleUploadedFile("a.pdf", PDF)},
        )
    document = PatientDocument.objects.first()
    url = reverse("patient_documents", args=[patient.pk])
    with django_assert_max_num_queries(60) as few:
        client.get(url, {"page": 2})
    PatientDocument.objects.bulk_create(
        PatientDocument(
            patient=patient,
            kind=document.kind,
            title=f"Scan {n}",
            file=document.file.name,
            content_type=document.content_type,
            size=document.size,
            uploaded_by=doctor,
        )
        for n in range(57)
    )

    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url, {"page": 2}).content.decode()

    assert "26–50 of 60 documents" in page


def test_a_refused_upload_shows_its_message_beside_the_title_and_keeps_what_was_typed(
    doctor, client_for
):
    patient = PatientFactory()

    response = client_for(doctor).post(
        reverse("document_upload", args=[patient.pk]),
        {"title": "T" * 121, "kind": "consent", "file": SimpleUploadedFile("a.pdf", PDF)},
    )
    page = response.content.decode()

    assert response.status_code == 200
    assert 'data-testid="error-title">Title: at most 120 characters (this has 121).' in page
    assert 'value="' + "T" * 121 + '"' in page
    assert '<option value="consent" selected>' in page
    assert not PatientDocument.objects.exists()


def test_a_portal_patients_earlier_appointments_are_paged(make_user, client_for, doctor):
    me = make_user(rbac.PATIENT)
    patient = PatientFactory(user=me)
    add_appointments(patient, doctor, 45)
    client = client_for(me)

    page = client.get(reverse("appointment_list"), {"page": 3}).content.decode()

    assert "41–45 of 45 earlier appointments" in page


def test_the_days_appointments_are_counted_and_paged(make_user, client_for, doctor):
    day = timezone.localdate() - timedelta(days=3)
    patients = [PatientFactory() for _ in range(3)]
    start = timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time()))
    Appointment.objects.bulk_create(
        Appointment(
            patient=patients[i % 3],
            doctor=doctor,
            starts_at=start + timedelta(minutes=15 * i),
            ends_at=start + timedelta(minutes=15 * i + 15),
            fee=Decimal("500.00"),
        )
        for i in range(60)
    )

    page = (
        client_for(make_user(rbac.RECEPTIONIST))
        .get(reverse("appointment_list"), {"date": day.isoformat(), "page": 2})
        .content.decode()
    )

    assert "51–60 of 60 appointments on this day" in page


def test_the_portals_prescriptions_are_paged(make_user, client_for, doctor):
    me = make_user(rbac.PATIENT)
    patient = PatientFactory(user=me)
    now = timezone.now()
    Encounter.objects.bulk_create(
        Encounter(patient=patient, doctor=doctor, started_at=now - timedelta(days=i))
        for i in range(23)
    )

    page = client_for(me).get(reverse("portal_prescriptions"), {"page": 2}).content.decode()

    assert "21–23 of 23 visits" in page


def test_the_charts_short_panels_say_how_many_there_are_and_link_to_all(
    doctor, make_user, client_for
):
    patient = PatientFactory()
    add_appointments(patient, doctor, 12)
    PatientStateChange.objects.bulk_create(
        PatientStateChange(patient=patient, to_state="registered", reason=f"r{n}")
        for n in range(14)
    )

    page = client_for(doctor).get(reverse("patient_chart", args=[patient.pk])).content.decode()
    history_url = reverse("patient_history", args=[patient.pk])

    assert f'10 of 12 · <a href="{history_url}">see all</a>' in page
    assert f'10 of 14 · <a href="{history_url}">see all</a>' in page


def test_the_history_says_how_many_entries_there_are_and_how_many_are_still_to_load(
    nurse, doctor, client_for
):
    patient = PatientFactory()
    add_vitals(patient, nurse, 40)

    page = client_for(doctor).get(reverse("patient_history", args=[patient.pk])).content.decode()

    assert "40 entries in all, newest first" in page
    assert "Older entries (15 more)" in page
