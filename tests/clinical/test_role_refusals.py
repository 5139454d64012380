"""Clinical services refuse a role that may not do a step with PermissionDenied, nothing changed.

The screens already answer 403 before these services run (each view's capability is the
service's own); the services check it again themselves, whoever calls them (the portal's API, a
task, another module), and say no as a permission, not as a rule about the record. Rules about
the record stay refusals with their sentence (another doctor's appointment, a time not yet past).
"""

from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from clinical import services
from clinical.models import (
    AppointmentStatus,
    DoctorSchedule,
    DrugInteraction,
    Patient,
    Vitals,
)
from hms.models import AuditEntry
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.usefixtures("midday")


def _today(staff, **fields):
    starts = timezone.now().replace(microsecond=0) - timedelta(minutes=30)
    return AppointmentFactory(
        patient=staff.patient,
        doctor=staff.doctor,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=15),
        **fields,
    )


def test_a_portal_patient_neither_checks_in_nor_marks_no_show(staff):
    appointment = _today(staff)
    audit_rows = AuditEntry.objects.count()

    with pytest.raises(PermissionDenied, match="checked in at the desk"):
        services.appointment_check_in(actor=staff.patient_user, appointment=appointment)
    with pytest.raises(PermissionDenied, match="Only the desk marks a patient as not come"):
        services.appointment_no_show(actor=staff.patient_user, appointment=appointment)

    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.SCHEDULED
    assert AuditEntry.objects.count() == audit_rows


@pytest.mark.parametrize("role", ["nurse", "receptionist", "pharmacist"])
def test_only_a_doctor_sets_the_oxygen_target_and_starts_a_consultation(staff, role):
    appointment = _today(staff, status=AppointmentStatus.CHECKED_IN)
    audit_rows = AuditEntry.objects.count()

    with pytest.raises(PermissionDenied, match="Only a doctor sets the patient's oxygen target"):
        services.patient_spo2_target_set(
            actor=getattr(staff, role), patient=staff.patient, target_88_92=True
        )
    with pytest.raises(PermissionDenied, match="held by doctors"):
        services.encounter_start(actor=getattr(staff, role), appointment=appointment)

    assert not Patient.objects.get(pk=staff.patient.pk).spo2_target_88_92
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CHECKED_IN
    assert AuditEntry.objects.count() == audit_rows


@pytest.mark.parametrize("role", ["receptionist", "pharmacist", "accountant"])
def test_vitals_and_allergies_are_recorded_by_doctors_and_nurses(staff, role):
    actor = getattr(staff, role)

    with pytest.raises(PermissionDenied, match="records vitals"):
        services.vitals_record(actor=actor, patient=staff.patient, values={"pulse": 80})
    with pytest.raises(PermissionDenied, match="records allergies"):
        services.patient_no_known_allergies(actor=actor, patient=staff.patient)

    assert not Vitals.objects.exists()
    assert Patient.objects.get(pk=staff.patient.pk).no_known_allergies_at is None


@pytest.mark.parametrize("role", ["doctor", "nurse", "receptionist"])
def test_schedules_and_the_interaction_table_are_kept_by_their_own_roles(staff, role):
    actor = getattr(staff, role)

    with pytest.raises(PermissionDenied, match="Only an administrator sets doctors' schedules"):
        services.schedule_block_add(
            actor=actor,
            doctor=staff.doctor,
            weekday=0,
            start_time=time(8),
            end_time=time(12),
            consultation_fee=Decimal("1500"),
        )
    with pytest.raises(PermissionDenied, match="keeps the interaction table"):
        services.drug_interaction_add(
            actor=actor,
            first="warfarin",
            second="aspirin",
            severity="serious",
            advice="Bleeding.",
            source="BNF",
        )

    assert not DoctorSchedule.objects.exists()
    assert not DrugInteraction.objects.filter(first="aspirin").exists()
