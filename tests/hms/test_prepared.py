"""A prepared query (hms.prepared) reads exactly what Django's own queryset reads, for any values,
compiles its SQL once, and refuses a query whose SQL a value would change; under the tests every
call is held to Django's own SQL and parameters."""

import uuid
from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, IntegerField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from accounts import backends
from clinical.models import Patient, Vitals
from hms.prepared import Prepared, PreparedMismatch
from tests.factories import (
    AdmissionFactory,
    DepartmentFactory,
    LabOrderFactory,
    PatientFactory,
    UserFactory,
)
from wards import selectors as ward_selectors
from wards.models import Admission

pytestmark = pytest.mark.django_db


def fields_of(obj) -> dict:
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


def test_an_admission_reads_as_django_reads_it_with_everything_joined(django_assert_num_queries):
    admission = AdmissionFactory(diagnosis="Malaria", expected_days=4)
    AdmissionFactory()  # another stay: the right one is found

    with django_assert_num_queries(1):
        prepared = ward_selectors.admission_by_id(admission.pk)
        joined = (
            prepared.patient.mrn,
            prepared.attending_doctor.get_full_name(),
            prepared.admitted_by.username,
            prepared.bed.ward.name,
        )
    own = Admission.objects.select_related(
        "patient", "attending_doctor", "bed__ward", "admitted_by"
    ).get(pk=admission.pk)

    assert fields_of(prepared) == fields_of(own)
    for related in ("patient", "attending_doctor", "admitted_by", "bed"):
        assert fields_of(getattr(prepared, related)) == fields_of(getattr(own, related))
    assert fields_of(prepared.bed.ward) == fields_of(own.bed.ward)
    assert joined == (
        own.patient.mrn,
        own.attending_doctor.get_full_name(),
        own.admitted_by.username,
        own.bed.ward.name,
    )
    assert prepared._state.adding is False
    assert ward_selectors.admission_by_id(admission.pk + 10_000) is None


def test_the_signed_in_user_is_read_with_their_department_and_second_factor():
    user = UserFactory(department=DepartmentFactory(name="Surgery"))
    prepared = backends.UserBackend().get_user(user.pk)

    assert prepared.pk == user.pk
    assert prepared.department.name == "Surgery"
    assert prepared.has_confirmed_device is False
    assert backends.UserBackend().get_user(user.pk + 10_000) is None
    assert backends.UserBackend().get_user("not a number") is None
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert backends.UserBackend().get_user(user.pk) is None


def test_values_of_every_kind_land_where_django_puts_them(staff):
    """A UUID, a moment and a text value together, each in its own place; Django's own queryset
    for the same values gives the same rows (and, under the tests, the same SQL)."""
    first, second = PatientFactory(first_name="Amina"), PatientFactory(first_name="Brian")
    now = timezone.now()
    Vitals.objects.create(
        patient=first, recorded_at=now - timedelta(hours=2), pulse=80, recorded_by=staff.nurse
    )
    Vitals.objects.create(patient=first, recorded_at=now, pulse=90, recorded_by=staff.nurse)
    Vitals.objects.create(patient=second, recorded_at=now, pulse=100, recorded_by=staff.nurse)

    def build(patient_id, since, first_name):
        return (
            Vitals.objects.select_related("patient")
            .filter(patient_id=patient_id, recorded_at__gte=since, patient__first_name=first_name)
            .order_by("recorded_at")
        )

    readings = Prepared(
        build,
        patient_id=uuid.UUID(int=1),
        since=now - timedelta(days=400),
        first_name="stand-in",
    )
    for patient_id, since, name in [
        (first.pk, now - timedelta(hours=3), "Amina"),
        (first.pk, now - timedelta(hours=1), "Amina"),
        (second.pk, now - timedelta(hours=3), "Brian"),
        (second.pk, now - timedelta(hours=3), "Amina"),
    ]:
        found = readings.all(patient_id=patient_id, since=since, first_name=name)
        own = list(build(patient_id, since, name))
        assert [fields_of(v) for v in found] == [fields_of(v) for v in own]
        assert [v.patient.first_name for v in found] == [v.patient.first_name for v in own]


def test_an_aggregate_over_every_row_reads_as_djangos_own_even_over_no_row(staff):
    """A values() query of sums (no GROUP BY: one row) gives Django's own figures, and zeros
    (not no row) when nothing matches."""
    now = timezone.now()
    patient = PatientFactory()
    for hours, pulse in [(1, 80), (5, 90), (30, 100)]:
        Vitals.objects.create(
            patient=patient,
            recorded_at=now - timedelta(hours=hours),
            pulse=pulse,
            recorded_by=staff.nurse,
        )

    def build(since, until):
        return (
            Vitals.objects.filter(recorded_at__lt=until)
            .order_by()
            .annotate(every=Value(1, output_field=IntegerField()))
            .values("every")
            .annotate(
                readings=Count("id"),
                recent=Count("id", filter=Q(recorded_at__gte=since)),
                pulses=Coalesce(Sum("pulse"), 0),
            )
        )

    sums = Prepared(build, since=now - timedelta(days=900), until=now - timedelta(days=800))
    for since, until in [
        (now - timedelta(hours=6), now),
        (now - timedelta(hours=2), now - timedelta(hours=3)),
        (now - timedelta(days=3), now - timedelta(days=2)),
    ]:
        assert sums.values(since=since, until=until) == list(build(since, until))
    assert sums.values(since=now - timedelta(hours=6), until=now) == [
        {"every": 1, "readings": 3, "recent": 2, "pulses": 270}
    ]
    assert sums.values(since=now, until=now - timedelta(days=2)) == [
        {"every": 1, "readings": 0, "recent": 0, "pulses": 0}
    ]


def test_a_query_is_compiled_once(settings):
    """Built twice for its one value on the first call (that value, then another, to find
    where it goes), never again after."""
    settings.HMS_PREPARED_CHECK = False
    patient = PatientFactory()
    builds = []

    def build(pk):
        builds.append(pk)
        return Patient.objects.filter(pk=pk)

    lookup = Prepared(build, pk=uuid.UUID(int=1))
    for _ in range(5):
        assert lookup.one(pk=patient.pk).mrn == patient.mrn

    assert len(builds) == 3  # the model's database, the stand-in, the other stand-in


@pytest.mark.parametrize(
    "build",
    [
        lambda pk: Patient.objects.filter(first_name__icontains=str(pk)),  # wrapped in %...%
        lambda pk: Patient.objects.filter(first_name="x"),  # not used at all
    ],
    ids=["transformed", "unused"],
)
def test_a_value_the_sql_would_not_carry_as_it_is_is_refused(build):
    with pytest.raises(ImproperlyConfigured):
        Prepared(build, pk=uuid.UUID(int=1)).all(pk=uuid.UUID(int=5))


def test_the_tests_hold_every_call_to_djangos_own_sql():
    """A build whose SQL depends on something other than its values (here a flag read at build
    time) gives other SQL later: under the tests the call fails instead of running stale SQL."""
    flag = {"archived": False}

    def build(pk):
        patients = Patient.objects.filter(pk=pk)
        return patients.exclude(state="archived") if flag["archived"] else patients

    lookup = Prepared(build, pk=uuid.UUID(int=1))
    patient = PatientFactory()
    assert lookup.one(pk=patient.pk) == patient
    flag["archived"] = True
    with pytest.raises(PreparedMismatch):
        lookup.one(pk=patient.pk)


def test_a_lab_order_opens_and_a_missing_one_is_not_found(staff, client):
    order = LabOrderFactory()
    client.force_login(staff.lab_technician)
    page = client.get(reverse("lab_order", args=[order.pk]))
    assert page.status_code == 200
    assert order.number in page.content.decode()
    assert client.get(reverse("lab_order", args=[order.pk + 10_000])).status_code == 404


def test_an_id_no_column_can_hold_is_not_found(staff, client):
    """20 digits typed into the address: a 404, as for any other missing id (no database error)."""
    admission = AdmissionFactory()
    client.force_login(staff.nurse)
    huge = "99999999999999999999"
    assert client.get(reverse("admission_detail", args=[admission.pk])).status_code == 200
    assert (
        client.get(reverse("admission_detail", args=[1]).replace("/1/", f"/{huge}/")).status_code
        == 404
    )
    client.force_login(staff.lab_technician)
    assert client.get(reverse("lab_order", args=[1]).replace("/1/", f"/{huge}/")).status_code == 404
    assert backends.UserBackend().get_user(int(huge)) is None
