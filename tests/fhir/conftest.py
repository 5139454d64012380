"""A patient's record with something of every FHIR resource type: Mary's consultation with a
coded diagnosis and a prescription, her appointment, a full set of vitals, a verified full blood
count with an unverified correction, a ward with a bed; and John's, which Mary must never reach."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class

from clinical.models import Prescription, Vitals
from lab.models import LabTest, ResultValue
from tests.api.conftest import api_for  # noqa: F401 (the API's signed-in clients)
from tests.factories import (
    AppointmentFactory,
    BedFactory,
    EncounterFactory,
    LabOrderFactory,
    LabTestFactory,
)


@dataclass
class Record:
    encounter: object
    prescription: object
    appointment: object
    vitals: object
    order: object
    bed: object
    other_vitals: object
    other_order: object


def vitals_of(patient, by, **values) -> Vitals:
    full = {
        "temperature_c": Decimal("37.2"),
        "pulse": 88,
        "systolic": 124,
        "diastolic": 82,
        "respiratory_rate": 18,
        "spo2": 97,
        "weight_kg": Decimal("64.5"),
        "height_cm": Decimal("162.0"),
        "pain_score": 2,
    }
    return Vitals.objects.create(
        patient=patient, recorded_by=by, recorded_at=timezone.now(), **(full | values)
    )


def blood_count(patient, doctor, *, amended: bool = False):
    test = LabTest.objects.filter(code="CBC").first() or LabTestFactory(
        code="CBC", name="Full blood count"
    )
    order = LabOrderFactory(
        patient=patient,
        test=test,
        ordered_by=doctor,
        status="verified",
        result_version=2 if amended else 1,
        verified_version=1,
        verified_at=timezone.now(),
        collected_at=timezone.now() - timedelta(hours=2),
    )
    ResultValue.objects.create(
        order=order,
        version=1,
        name="Haemoglobin",
        unit="g/dL",
        value="10.1",
        numeric_value=Decimal("10.1"),
        reference="12.0–15.5",
        flag="L",
    )
    ResultValue.objects.create(order=order, version=1, name="Film", value="Hypochromic cells")
    if amended:
        ResultValue.objects.create(
            order=order,
            version=2,
            name="Haemoglobin",
            unit="g/dL",
            value="11.1",
            numeric_value=Decimal("11.1"),
        )
    return order


@pytest.fixture
def record(staff) -> Record:
    patient, doctor = staff.patient, staff.doctor
    appointment = AppointmentFactory(patient=patient, doctor=doctor, reason="Tired all the time")
    encounter = EncounterFactory(
        patient=patient,
        doctor=doctor,
        appointment=appointment,
        complaints="Fatigue for a month",
        diagnosis="Iron deficiency anaemia",
        icd10_code="D50.9",
    )
    prescription = Prescription.objects.create(
        encounter=encounter,
        patient=patient,
        doctor=doctor,
        drug="Ferrous sulphate",
        strength="200 mg",
        dose="1 tablet",
        frequency="twice a day",
        duration="30 days",
        quantity=60,
    )
    return Record(
        encounter=encounter,
        prescription=prescription,
        appointment=appointment,
        vitals=vitals_of(patient, staff.nurse),
        order=blood_count(patient, doctor, amended=True),
        bed=BedFactory(),
        other_vitals=vitals_of(staff.other_patient, staff.nurse),
        other_order=blood_count(staff.other_patient, doctor),
    )


def valid(resource: dict) -> dict:
    """The resource, after fhir.resources has validated it (raises on any invalid element)."""
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    for found in resource.get("entry", []):
        if "resource" in found:
            valid(found["resource"])
    return resource


def read(client, path: str, status: int = 200) -> dict:
    answer = client.get(path)
    assert answer.status_code == status, answer.content[:500]
    assert answer["Content-Type"].startswith("application/fhir+json")
    return valid(answer.json())
