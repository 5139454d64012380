"""Vitals: impossible readings refused, abnormal ones flagged, a history over time."""

from decimal import Decimal

import pytest
from django.urls import reverse

from clinical import services, vitals
from clinical.models import Vitals
from hms import rbac
from hms.models import AuditEntry
from tests.factories import PatientFactory


@pytest.fixture
def nurse(make_user):
    return make_user(rbac.NURSE)


def record(nurse, patient, **values):
    return services.vitals_record(actor=nurse, patient=patient, values=values)


def test_a_nurse_records_vitals_and_it_is_audited(nurse):
    patient = PatientFactory()

    reading = record(
        nurse, patient, temperature_c=Decimal("37.2"), pulse=88, systolic=120, diastolic=80, spo2=98
    )

    assert Vitals.objects.get(pk=reading.pk).pulse == 88
    entry = AuditEntry.objects.get(action="vitals.record")
    assert entry.patient_id == str(patient.pk) and entry.after["spo2"] == 98


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"temperature_c": Decimal("98.6")}, "Temperature 98.6 °C is not possible"),
        ({"pulse": 400}, "Pulse 400 /min is not possible"),
        ({"spo2": 0}, "SpO₂ 0 % is not possible"),
        ({"systolic": 80, "diastolic": 120}, "diastolic pressure must be lower"),
        ({"systolic": 120}, "Enter both blood pressure numbers"),
        ({}, "at least one reading"),
    ],
)
def test_impossible_readings_are_refused_and_nothing_is_saved(nurse, values, message):
    with pytest.raises(services.VitalsError, match=message):
        record(nurse, PatientFactory(), **values)

    assert not Vitals.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("temperature_c", Decimal("39.1"), "high"),
        ("temperature_c", Decimal("35.0"), "low"),
        ("temperature_c", Decimal("36.8"), ""),
        ("spo2", 91, "low"),
        ("pulse", 130, "high"),
        ("weight_kg", Decimal("150"), ""),
    ],
)
def test_abnormal_values_are_flagged(field, value, expected):
    assert vitals.flag(field, value) == expected


def test_the_vitals_page_shows_flags_and_bad_input_keeps_the_form(nurse, client_for):
    patient = PatientFactory()
    record(nurse, patient, temperature_c=Decimal("39.4"), spo2=90)
    client = client_for(nurse)

    page = client.get(reverse("patient_vitals", args=[patient.pk])).content.decode()
    refused = client.post(
        reverse("patient_vitals", args=[patient.pk]), {"pulse": "900", "note": "after walk"}
    )

    assert 'data-flag="high"' in page and "39.4 ↑" in page and "90 ↓" in page
    assert 'id="vitals-series"' in page
    assert "Pulse 900 /min is not possible" in refused.content.decode()
    assert 'value="after walk"' in refused.content.decode()
    assert Vitals.objects.count() == 1


def test_a_receptionist_cannot_record_vitals(make_user, client_for):
    patient = PatientFactory()
    client = client_for(make_user(rbac.RECEPTIONIST))

    response = client.post(reverse("patient_vitals", args=[patient.pk]), {"pulse": "80"})

    assert response.status_code == 403 and not Vitals.objects.exists()


def test_the_vitals_page_keeps_a_constant_number_of_queries(
    nurse, client_for, django_assert_max_num_queries
):
    patient = PatientFactory()
    client = client_for(nurse)
    record(nurse, patient, pulse=80)
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("patient_vitals", args=[patient.pk]))
    for n in range(60):
        record(nurse, patient, pulse=60 + n % 40)

    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("patient_vitals", args=[patient.pk]))
