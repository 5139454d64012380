"""Admissions, transfers, discharge, bed status, and the rules the database keeps."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from pypdf import PdfReader

from clinical import services as clinical_services
from clinical.models import PatientState
from hms.models import AuditEntry
from messaging import rules
from messaging.models import Notification
from tests.factories import PatientFactory, cleared_for_discharge
from tests.races import race
from wards import services
from wards.models import Admission, AdmissionStatus, Bed, BedStatus, BedStay, Ward

pytestmark = pytest.mark.usefixtures("charge_master")


@pytest.fixture
def wards(staff):
    general = services.ward_create(
        actor=staff.admin, name="General A", kind="general", charge_code="WARD-GEN", beds=4
    )
    icu = services.ward_create(
        actor=staff.admin, name="ICU", kind="icu", charge_code="WARD-ICU", beds=2
    )
    return general, icu


def bed(ward: Ward, number: str) -> Bed:
    return ward.beds.get(number=number)


def admit(staff, patient, to_bed, **extra):
    return services.admission_create(
        actor=staff.receptionist,
        patient=patient,
        attending_doctor=staff.doctor,
        bed=to_bed,
        reason="Pneumonia",
        **extra,
    )


def test_admitting_occupies_the_bed_starts_the_stay_and_tells_reception_and_doctor(staff, wards):
    general, _ = wards
    patient = PatientFactory()

    admission = admit(staff, patient, bed(general, "01"), advance_deposit=Decimal("5000.00"))

    assert Bed.objects.get(pk=admission.bed_id).status == BedStatus.OCCUPIED
    assert admission.stays.get().ended_at is None and admission.advance_deposit == Decimal(
        "5000.00"
    )
    patient.refresh_from_db()
    assert patient.state == PatientState.ADMITTED
    assert AuditEntry.objects.filter(action="admission.create", patient_id=str(patient.pk)).exists()
    assert Notification.objects.filter(
        recipient=staff.receptionist, text__contains="admitted to General A bed 01"
    ).exists()
    assert Notification.objects.filter(recipient=staff.doctor).exists()


@pytest.mark.parametrize("status", [BedStatus.OCCUPIED, BedStatus.CLEANING, BedStatus.MAINTENANCE])
def test_a_bed_that_is_not_vacant_cannot_be_assigned(staff, wards, status):
    general, _ = wards
    target = bed(general, "01")
    Bed.objects.filter(pk=target.pk).update(status=status)

    with pytest.raises(services.BedTaken, match=f"is {status}"):
        admit(staff, PatientFactory(), target)

    assert not Admission.objects.exists()


def test_a_patient_cannot_be_admitted_twice_or_while_archived(staff, wards):
    general, _ = wards
    patient = PatientFactory()
    admit(staff, patient, bed(general, "01"))

    with pytest.raises(services.WardError, match="already admitted"):
        admit(staff, patient, bed(general, "02"))
    with pytest.raises(services.WardError, match="cannot be admitted while archived"):
        admit(staff, PatientFactory(state=PatientState.ARCHIVED), bed(general, "02"))
    assert Bed.objects.get(pk=bed(general, "02").pk).status == BedStatus.VACANT


def test_a_transfer_splits_the_stay_and_sends_the_old_bed_to_cleaning(staff, wards):
    general, icu = wards
    admission = admit(staff, PatientFactory(), bed(general, "01"))

    services.admission_transfer(
        actor=staff.nurse, admission=admission, bed=bed(icu, "01"), reason="Deteriorating"
    )

    first, second = BedStay.objects.filter(admission=admission).order_by("started_at")
    assert first.ward == general and second.ward == icu and second.reason == "Deteriorating"
    assert first.ended_at == second.started_at and second.ended_at is None
    assert Bed.objects.get(pk=bed(general, "01").pk).status == BedStatus.CLEANING
    assert Bed.objects.get(pk=bed(icu, "01").pk).status == BedStatus.OCCUPIED


def test_a_transfer_to_an_occupied_bed_is_refused_and_nothing_moves(staff, wards):
    general, _ = wards
    first = admit(staff, PatientFactory(), bed(general, "01"))
    admit(staff, PatientFactory(), bed(general, "02"))

    with pytest.raises(services.BedTaken):
        services.admission_transfer(
            actor=staff.nurse, admission=first, bed=bed(general, "02"), reason="Window"
        )

    assert Admission.objects.get(pk=first.pk).bed == bed(general, "01")
    assert first.stays.count() == 1


def test_discharge_the_doctor_orders_reception_completes_and_the_bed_goes_to_cleaning(staff, wards):
    general, _ = wards
    patient = PatientFactory()
    admission = admit(staff, patient, bed(general, "01"))

    with pytest.raises(services.WardError, match="must order the discharge"):
        services.discharge_process(actor=staff.receptionist, admission=admission)
    with pytest.raises(services.WardError, match="diagnosis"):
        services.discharge_order(actor=staff.doctor, admission=admission, summary={})
    services.discharge_order(
        actor=staff.doctor,
        admission=admission,
        summary={
            "final_diagnosis": "Community-acquired pneumonia",
            "follow_up": "Clinic in 2 weeks",
        },
    )
    cleared_for_discharge(admission)
    services.discharge_process(actor=staff.receptionist, admission=admission)

    admission.refresh_from_db()
    patient.refresh_from_db()
    assert admission.status == AdmissionStatus.DISCHARGED and admission.discharged_at
    assert admission.stays.get().ended_at == admission.discharged_at
    assert Bed.objects.get(pk=admission.bed_id).status == BedStatus.CLEANING
    assert patient.state == PatientState.DISCHARGED
    with pytest.raises(services.WardError, match="already been discharged"):
        services.discharge_process(actor=staff.receptionist, admission=admission)
    with pytest.raises(services.WardError, match="already been discharged"):
        services.discharge_order(
            actor=staff.doctor, admission=admission, summary={"final_diagnosis": "x"}
        )


def test_cleaning_makes_a_bed_vacant_and_only_admin_handles_maintenance(staff, wards):
    general, _ = wards
    target = bed(general, "01")
    Bed.objects.filter(pk=target.pk).update(status=BedStatus.CLEANING)

    services.bed_set_status(actor=staff.nurse, bed=target, status=BedStatus.VACANT)
    with pytest.raises(services.WardError, match="is already free"):
        services.bed_set_status(actor=staff.nurse, bed=target, status=BedStatus.VACANT)
    with pytest.raises(PermissionDenied, match="Your role cannot"):
        services.bed_set_status(actor=staff.nurse, bed=target, status=BedStatus.MAINTENANCE)
    services.bed_set_status(actor=staff.admin, bed=target, status=BedStatus.MAINTENANCE)

    assert Bed.objects.get(pk=target.pk).status == BedStatus.MAINTENANCE
    assert AuditEntry.objects.filter(action="bed.status").count() == 2


def test_the_attending_doctor_is_an_assigned_doctor_for_chat(staff, wards):
    general, _ = wards
    admit(staff, staff.patient, bed(general, "01"))

    assert rules.may_start(staff.patient_user, staff.doctor)
    assert rules.may_start(staff.doctor, staff.patient_user)


def test_the_discharge_summary_prints_as_a_pdf(staff, wards, client_for):
    general, _ = wards
    admission = admit(staff, PatientFactory(first_name="Achieng"), bed(general, "01"))
    services.discharge_order(
        actor=staff.doctor,
        admission=admission,
        summary={"final_diagnosis": "Malaria", "discharge_medications": "Artemether-lumefantrine"},
    )

    response = client_for(staff.doctor).get(reverse("discharge_summary_pdf", args=[admission.pk]))

    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).split()
    )
    assert "Discharge summary" in text and "Malaria" in text and "Artemether-lumefantrine" in text
    assert "Achieng" in text and "General A bed 01" in text
    assert "Allergies Not recorded" in text


def test_the_discharge_summary_names_the_allergies_with_their_severity(staff, wards, client_for):
    general, _ = wards
    patient = PatientFactory(first_name="Achieng")
    clinical_services.allergy_record(
        actor=staff.nurse,
        patient=patient,
        allergen_class="penicillins",
        reaction="hives",
        severity="severe",
    )
    admission = admit(staff, patient, bed(general, "01"))
    services.discharge_order(
        actor=staff.doctor, admission=admission, summary={"final_diagnosis": "Malaria"}
    )

    response = client_for(staff.doctor).get(reverse("discharge_summary_pdf", args=[admission.pk]))

    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).split()
    )
    assert "Allergies Penicillins (severe: hives)" in text


def test_the_bed_board_shows_names_counts_and_icu_occupancy(staff, wards, client_for):
    general, icu = wards
    admit(staff, PatientFactory(first_name="Achieng", last_name="Odhiambo"), bed(icu, "01"))

    page = client_for(staff.nurse).get(reverse("bed_board")).content.decode()

    assert "Achieng Odhiambo" in page and "ICU occupancy: <strong>50%</strong>" in page
    assert "1 of 2 occupied" in page and "0 of 4 occupied" in page


def test_patients_never_see_the_bed_board(staff, client_for, wards):
    assert client_for(staff.patient_user).get(reverse("bed_board")).status_code == 403


def test_the_bed_board_keeps_a_constant_number_of_queries_with_500_beds(
    staff, client_for, django_assert_max_num_queries
):
    ward = services.ward_create(
        actor=staff.admin, name="Small", kind="general", charge_code="WARD-GEN", beds=2
    )
    admit(staff, PatientFactory(), bed(ward, "01"))
    client = client_for(staff.nurse)
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("bed_board"))
    for n in range(5):
        big = services.ward_create(
            actor=staff.admin, name=f"Ward {n}", kind="general", charge_code="WARD-GEN", beds=100
        )
        for number in ("01", "02", "03"):
            admit(staff, PatientFactory(), bed(big, number))

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("bed_board"))

    assert response.content.decode().count('data-testid="bed"') == 502


def test_admitting_through_the_screen_when_the_bed_has_just_gone_shows_the_board_as_it_is(
    staff, wards, client_for
):
    general, _ = wards
    target = bed(general, "01")
    form = {
        "patient": PatientFactory().pk,
        "attending_doctor": staff.doctor.pk,
        "bed": target.pk,
        "reason": "Fever",
    }
    admit(staff, PatientFactory(), target)  # someone else, a moment earlier

    response = client_for(staff.receptionist).post(reverse("admission_new"), form)

    page = response.content.decode()
    assert response.status_code == 200 and (
        "is occupied now" in page
        or "That bed is no longer free (taken a moment ago): choose another." in page
    )
    assert "Select a valid choice" not in page
    assert Admission.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_assigning_one_bed_at_once_one_wins_the_other_is_told(staff):
    clerks = [staff.receptionist, staff.nurse]
    ward = services.ward_create(
        actor=staff.admin, name="Race ward", kind="general", charge_code="WARD-GEN", beds=1
    )
    target = ward.beds.get()
    patients = [PatientFactory(), PatientFactory()]

    def attempt(n: int) -> object:
        return services.admission_create(
            actor=clerks[n],
            patient=patients[n],
            attending_doctor=staff.doctor,
            bed=target,
            reason="Race",
        )

    outcome = race(attempt)

    kinds = sorted(type(v).__name__ for v in outcome.values())
    assert kinds == ["Admission", "BedTaken"], outcome
    assert Admission.objects.filter(bed=target).count() == 1
    assert Bed.objects.get(pk=target.pk).status == BedStatus.OCCUPIED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_a_second_active_admission_of_a_bed(staff):
    from django.db import IntegrityError
    from django.utils import timezone

    ward = services.ward_create(
        actor=staff.admin, name="Index ward", kind="general", charge_code="WARD-GEN", beds=1
    )
    target = ward.beds.get()
    fields = {
        "attending_doctor": staff.doctor,
        "bed": target,
        "reason": "x",
        "admitted_at": timezone.now(),
        "admitted_by": staff.admin,
    }
    Admission.objects.create(patient=PatientFactory(), **fields)

    with pytest.raises(IntegrityError):
        Admission.objects.create(patient=PatientFactory(), **fields)
