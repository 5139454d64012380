"""The doctor's consultation: start from the appointment, notes, prescriptions, complete, print."""

import io
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader

from clinical import services
from clinical.models import AppointmentStatus, Encounter, PatientState
from hms import rbac
from hms.models import AuditEntry
from tests.factories import DoctorScheduleFactory, PatientFactory

NAIROBI = ZoneInfo("Africa/Nairobi")
MONDAY = date(2026, 11, 23)


def at(hour, minute=0, day=MONDAY):
    return datetime.combine(day, time(hour, minute), tzinfo=NAIROBI)


@pytest.fixture(autouse=True)
def monday_morning():
    with time_machine.travel(at(8), tick=False):
        yield


@pytest.fixture
def doctor(make_user, charge_master):
    doctor = make_user(rbac.DOCTOR, first_name="Amina", last_name="Otieno")
    DoctorScheduleFactory(doctor=doctor)
    DoctorScheduleFactory(doctor=doctor, weekday=1)
    return doctor


@pytest.fixture
def visit(doctor, make_user):
    """A patient booked at 09:00 today and checked in."""
    clerk = make_user(rbac.RECEPTIONIST)
    patient = PatientFactory(first_name="Achieng", allergies="Sulfa drugs")
    appointment = services.appointment_book(
        actor=clerk, patient=patient, doctor=doctor, starts_at=at(9)
    )
    services.appointment_check_in(actor=clerk, appointment=appointment)
    return appointment


def test_starting_the_consultation_puts_the_patient_under_treatment(doctor, visit):
    encounter = services.encounter_start(actor=doctor, appointment=visit)

    visit.patient.refresh_from_db()
    assert encounter.patient == visit.patient and encounter.status == Encounter.Status.OPEN
    assert visit.patient.state == PatientState.UNDER_TREATMENT
    assert services.encounter_start(actor=doctor, appointment=visit).pk == encounter.pk


def test_another_doctor_cannot_start_or_write_in_it(doctor, visit, make_user):
    colleague = make_user(rbac.DOCTOR)
    with pytest.raises(services.ConsultationError, match="another doctor"):
        services.encounter_start(actor=colleague, appointment=visit)
    encounter = services.encounter_start(actor=doctor, appointment=visit)

    with pytest.raises(services.ConsultationError, match="Only the doctor"):
        services.encounter_save(actor=colleague, encounter=encounter, fields={"plan": "Mine now"})

    assert Encounter.objects.get(pk=encounter.pk).plan == ""


def test_a_consultation_is_held_on_the_day(doctor, make_user):
    clerk = make_user(rbac.RECEPTIONIST)
    tomorrow = services.appointment_book(
        actor=clerk,
        patient=PatientFactory(),
        doctor=doctor,
        starts_at=at(9, day=date(2026, 11, 24)),
    )

    with pytest.raises(services.ConsultationError, match="on the day"):
        services.encounter_start(actor=doctor, appointment=tomorrow)


def test_notes_are_saved_audited_and_a_bad_icd10_code_is_explained(doctor, visit):
    encounter = services.encounter_start(actor=doctor, appointment=visit)

    with pytest.raises(services.ConsultationError, match="ICD-10 code looks like"):
        services.encounter_save(actor=doctor, encounter=encounter, fields={"icd10_code": "asthma"})
    services.encounter_save(
        actor=doctor,
        encounter=encounter,
        fields={"complaints": "Wheeze", "diagnosis": "Asthma", "icd10_code": "j45.9"},
    )

    saved = Encounter.objects.get(pk=encounter.pk)
    assert (saved.complaints, saved.icd10_code) == ("Wheeze", "J45.9")
    entry = AuditEntry.objects.get(action="encounter.update")
    assert entry.before["diagnosis"] == "" and entry.after["diagnosis"] == "Asthma"


def test_completing_needs_a_diagnosis_then_locks_the_notes(doctor, visit):
    encounter = services.encounter_start(actor=doctor, appointment=visit)
    with pytest.raises(services.ConsultationError, match="Enter a diagnosis"):
        services.encounter_complete(actor=doctor, encounter=encounter)
    services.encounter_save(actor=doctor, encounter=encounter, fields={"diagnosis": "Acute asthma"})

    services.encounter_complete(actor=doctor, encounter=encounter)

    visit.refresh_from_db()
    visit.patient.refresh_from_db()
    assert visit.status == AppointmentStatus.COMPLETED and visit.fee == Decimal("1500.00")
    assert visit.patient.state == PatientState.DISCHARGED
    with pytest.raises(services.ConsultationError, match="completed"):
        services.encounter_save(actor=doctor, encounter=encounter, fields={"plan": "Late edit"})
    with pytest.raises(services.ConsultationError, match="completed"):
        services.prescription_add(
            actor=doctor,
            encounter=encounter,
            drug="X",
            dose="1",
            frequency="od",
            duration="1 day",
        )


def test_prescriptions_print_as_a_pdf_with_the_patient_and_the_medicines(doctor, visit, client_for):
    encounter = services.encounter_start(actor=doctor, appointment=visit)
    services.prescription_add(
        actor=doctor,
        encounter=encounter,
        drug="Salbutamol inhaler",
        strength="100 mcg",
        dose="2 puffs",
        route="inhaled",
        frequency="when needed",
        duration="1 month",
    )

    response = client_for(doctor).get(reverse("prescription_pdf", args=[encounter.pk]))

    assert response["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.content)).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())
    assert "Salbutamol inhaler" in text and "2 puffs" in text
    assert f"MRN {visit.patient.mrn}" in text and "Achieng" in text and "Sulfa drugs" in text


def test_a_prescription_missing_its_dose_is_refused_with_the_reason(doctor, visit, client_for):
    encounter = services.encounter_start(actor=doctor, appointment=visit)

    response = client_for(doctor).post(
        reverse("prescription_add", args=[encounter.pk]),
        {"drug": "Paracetamol", "frequency": "tds", "duration": "3 days"},
        follow=True,
    )

    assert (
        "Prescription not added" in response.content.decode()
        and "Dose" in response.content.decode()
    )
    assert not encounter.prescriptions.exists()


def test_a_patient_prints_their_own_prescription_but_not_anothers(
    doctor, visit, make_user, client_for
):
    me = make_user(rbac.PATIENT)
    visit.patient.user = me
    visit.patient.save()
    encounter = services.encounter_start(actor=doctor, appointment=visit)
    stranger = client_for(make_user(rbac.PATIENT))

    assert client_for(me).get(reverse("prescription_pdf", args=[encounter.pk])).status_code == 200
    assert stranger.get(reverse("prescription_pdf", args=[encounter.pk])).status_code == 404
    assert (
        client_for(make_user(rbac.RECEPTIONIST))
        .get(reverse("prescription_pdf", args=[encounter.pk]))
        .status_code
        == 403
    )


def test_the_consultation_page_escapes_notes(doctor, visit, client_for):
    encounter = services.encounter_start(actor=doctor, appointment=visit)
    services.encounter_save(
        actor=doctor, encounter=encounter, fields={"diagnosis": "<script>x()</script>"}
    )
    services.encounter_complete(actor=doctor, encounter=encounter)

    page = client_for(doctor).get(reverse("encounter", args=[encounter.pk])).content.decode()

    assert "<script>x()</script>" not in page and "&lt;script&gt;x()&lt;/script&gt;" in page


def test_completing_posts_the_consultation_fee_to_the_patients_account(doctor, visit):
    from billing.models import Charge

    encounter = services.encounter_start(actor=doctor, appointment=visit)
    services.encounter_save(actor=doctor, encounter=encounter, fields={"diagnosis": "Asthma"})

    services.encounter_complete(actor=doctor, encounter=encounter)

    charge = Charge.objects.get(patient=visit.patient)
    assert (charge.item.code, charge.unit_price, charge.source) == (
        "CONSULT",
        Decimal("1500.00"),
        f"clinical.Appointment:{visit.pk}",
    )


def test_without_a_consultation_item_the_completion_is_refused_and_nothing_changes(doctor, visit):
    from billing.models import ChargeItem

    encounter = services.encounter_start(actor=doctor, appointment=visit)
    services.encounter_save(actor=doctor, encounter=encounter, fields={"diagnosis": "Asthma"})
    ChargeItem.objects.filter(code="CONSULT").update(active=False)

    with pytest.raises(services.ConsultationError, match="fee cannot be charged"):
        services.encounter_complete(actor=doctor, encounter=encounter)

    assert Encounter.objects.get(pk=encounter.pk).status == Encounter.Status.OPEN
    visit.refresh_from_db()
    assert visit.status == AppointmentStatus.IN_CONSULTATION


def test_the_consultation_says_when_no_vitals_are_recorded(doctor, visit, client_for):
    encounter = services.encounter_start(actor=doctor, appointment=visit)

    page = client_for(doctor).get(reverse("encounter", args=[encounter.pk])).content.decode()

    assert "No vitals recorded yet" in page
    assert reverse("patient_vitals", args=[visit.patient_id]) in page


def test_vitals_open_and_save_in_place_on_the_consultation(doctor, visit, client_for):
    encounter = services.encounter_start(actor=doctor, appointment=visit)
    client = client_for(doctor)
    url = reverse("patient_vitals", args=[visit.patient_id])
    htmx = {"HX-Request": "true"}

    page = client.get(reverse("encounter", args=[encounter.pk])).content.decode()
    opened = client.get(url, {"inline": "1"}, headers=htmx).content.decode()
    refused = client.post(url, {"inline": "1", "temperature_c": "450"}, headers=htmx)
    saved = client.post(url, {"inline": "1", "temperature_c": "38.6"}, headers=htmx)

    assert 'data-testid="encounter-vitals"' in page and 'id="vitals-inline"' in page
    assert "<html" not in opened
    assert 'data-testid="vitals-form"' in opened and 'hx-target="#vitals-inline"' in opened
    assert "<html" not in refused.content.decode() and 'value="450"' in refused.content.decode()
    body = saved.content.decode()
    assert 'data-testid="vitals-saved"' in body and "<html" not in body
    assert 'id="latest-observations" hx-swap-oob="true"' in body and "T 38.6 °C" in body
    assert visit.patient.vitals.count() == 1
