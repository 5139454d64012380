"""A patient with 5,000 consultations (issue 21): the chart and the history open in the same
number of queries as with a few dozen (enough to fill every panel and page: a panel that is not
full is its own count, one query fewer). The time it takes is measured by tests/bench/chart_scale.py
(docs/BENCHMARKS.md); no test asserts a time."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from clinical.models import Encounter, Prescription, Vitals
from hms import rbac
from tests.factories import PatientFactory

ENCOUNTERS = 5000
FEW = 60


def add_consultations(patient, doctor, count: int, *, start: int = 0) -> None:
    """`count` completed consultations, each with a prescription and a set of vitals."""
    now = timezone.now()
    encounters = Encounter.objects.bulk_create(
        Encounter(
            patient=patient,
            doctor=doctor,
            status=Encounter.Status.COMPLETED,
            started_at=now - timedelta(hours=3 * (start + n) + 1),
            completed_at=now - timedelta(hours=3 * (start + n)),
            complaints="Cough for three days.",
            examination="Chest clear.",
            diagnosis="Upper respiratory tract infection",
            plan="Fluids, review if worse.",
        )
        for n in range(count)
    )
    Prescription.objects.bulk_create(
        Prescription(
            encounter=encounter,
            patient=patient,
            doctor=doctor,
            drug="Paracetamol",
            strength="500 mg",
            dose="2 tablets",
            frequency="three times a day",
            duration="3 days",
        )
        for encounter in encounters
    )
    Vitals.objects.bulk_create(
        Vitals(
            patient=patient,
            recorded_by=doctor,
            recorded_at=encounter.started_at,
            pulse=72,
            systolic=120,
            diastolic=80,
        )
        for encounter in encounters
    )


def test_a_chart_with_5000_consultations_opens_in_as_many_queries_as_with_sixty(
    make_user, client_for, django_assert_max_num_queries
):
    doctor = make_user(rbac.DOCTOR)
    patient = PatientFactory()
    client = client_for(doctor)
    add_consultations(patient, doctor, FEW)
    chart = reverse("patient_chart", args=[patient.pk])
    history = reverse("patient_history", args=[patient.pk])
    client.get(chart)  # the first visit fills caches (the badges, the session): not counted
    with django_assert_max_num_queries(40) as few_chart:
        assert client.get(chart).status_code == 200
    with django_assert_max_num_queries(16) as few_history:  # the timeline is one query
        assert client.get(history).status_code == 200

    add_consultations(patient, doctor, ENCOUNTERS - FEW, start=FEW)

    assert Encounter.objects.filter(patient=patient).count() == ENCOUNTERS
    with django_assert_max_num_queries(len(few_chart.captured_queries)):
        response = client.get(chart)
    assert response.status_code == 200
    with django_assert_max_num_queries(len(few_history.captured_queries)):
        assert client.get(history).status_code == 200
