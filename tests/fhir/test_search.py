"""Searches answer searchset Bundles with the total over every row and `next` links until the
last page; each page costs the same few queries however many rows there are."""

from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import PatientFactory
from tests.fhir.conftest import blood_count, read, vitals_of


@pytest.fixture
def doctor(staff, api_for):
    return api_for(staff.doctor)


def every_page(client, path: str) -> tuple[list[dict], int]:
    """Every entry, following `next` to the end; and the total the first page gave."""
    bundle = read(client, path)
    total, entries = bundle["total"], list(bundle["entry"])
    while nxt := next((k["url"] for k in bundle["link"] if k["relation"] == "next"), None):
        parts = urlsplit(nxt)
        bundle = read(client, f"{parts.path}?{parts.query}")
        entries += bundle["entry"]
    return entries, total


def test_patients_by_name_mrn_birth_date_and_phone(staff, doctor):
    mary = staff.patient

    by_name = read(doctor, "/fhir/Patient?name=akin")
    by_mrn = read(doctor, f"/fhir/Patient?identifier=urn:hms:mrn|{mary.mrn}")
    by_birth = read(doctor, f"/fhir/Patient?birthdate={mary.date_of_birth:%Y-%m-%d}&family=Akinyi")
    by_phone = read(doctor, f"/fhir/Patient?phone={mary.phone}")
    bad_date = read(doctor, "/fhir/Patient?birthdate=2026-02-30", status=400)

    assert [e["resource"]["id"] for e in by_name["entry"]] == [str(mary.pk)]
    assert by_mrn["total"] == 1
    assert by_birth["entry"][0]["resource"]["id"] == str(mary.pk)
    assert str(mary.pk) in [e["resource"]["id"] for e in by_phone["entry"]]
    assert bad_date["issue"][0]["expression"] == ["birthdate"]


def test_a_patient_finds_only_themselves(staff, api_for):
    found = read(api_for(staff.patient_user), "/fhir/Patient")

    assert [e["resource"]["id"] for e in found["entry"]] == [str(staff.patient.pk)]


def test_observations_by_code_and_by_category(staff, record, doctor):
    mary = staff.patient.pk

    pulses = read(doctor, f"/fhir/Observation?subject=Patient/{mary}&code=http://loinc.org|8867-4")
    haemoglobin = read(doctor, f"/fhir/Observation?patient={mary}&code=718-7")
    laboratory = read(doctor, f"/fhir/Observation?patient={mary}&category=laboratory")
    conditions = read(doctor, f"/fhir/Condition?patient={mary}&code=D50.9")
    reports = read(doctor, f"/fhir/DiagnosticReport?patient={mary}&code=http://loinc.org|58410-2")

    assert pulses["total"] == 1
    assert pulses["entry"][0]["resource"]["valueQuantity"]["value"] == 88
    assert haemoglobin["total"] == 1
    assert laboratory["total"] == 1  # the correction's one value (staff see the latest version)
    assert conditions["total"] == 1
    assert reports["total"] == 1


def test_every_search_of_a_patient_pages_to_the_end(staff, record, doctor):
    for _ in range(4):
        vitals_of(staff.patient, staff.nurse)
    mary = staff.patient.pk

    entries, total = every_page(doctor, f"/fhir/Observation?patient={mary}&_count=7")
    everything, everything_total = every_page(doctor, f"/fhir/Patient/{mary}/$everything?_count=5")

    assert total == 5 * 8 + 1 == len(entries)
    assert len({e["resource"]["id"] for e in entries}) == total
    assert everything_total == len(everything)
    assert len({e["fullUrl"] for e in everything}) == everything_total


def test_a_search_page_costs_the_same_queries_however_many_rows(
    staff, doctor, django_assert_max_num_queries
):
    for number in range(30):
        patient = PatientFactory(first_name=f"Amani{number}", last_name="Baraka")
        vitals_of(patient, staff.nurse)
        blood_count(patient, staff.doctor)
    token_queries = 3  # the signed-in user, the token's checks

    with django_assert_max_num_queries(8 + token_queries):
        observations = read(doctor, "/fhir/Observation?_count=100")
    with django_assert_max_num_queries(4 + token_queries):
        reports = read(doctor, "/fhir/DiagnosticReport?_count=100")
    with django_assert_max_num_queries(2 + token_queries):
        patients = read(doctor, "/fhir/Patient?family=baraka&_count=100")

    assert observations["total"] == 30 * 8 + 30 * 2
    assert len(observations["entry"]) == 100
    assert reports["total"] == len(reports["entry"]) == 30
    assert patients["total"] == 30


def test_wards_and_beds(record, staff, api_for):
    nurse = api_for(staff.nurse)
    ward = f"ward-{record.bed.ward_id}"

    beds = read(nurse, f"/fhir/Location?partof=Location/{ward}")
    wards = read(nurse, "/fhir/Location?type=wa")

    assert [e["resource"]["id"] for e in beds["entry"]] == [f"bed-{record.bed.pk}"]
    assert ward in [e["resource"]["id"] for e in wards["entry"]]
    assert api_for(staff.patient_user).get("/fhir/Location").status_code == 403


def test_everything_costs_the_same_queries_however_long_the_record(staff, record, doctor):
    everything = f"/fhir/Patient/{staff.patient.pk}/$everything?_count=200"
    read(doctor, everything)  # the first request's one-off lookups (content types, the chain)
    with CaptureQueriesContext(connection) as short_record:
        read(doctor, everything)
    short = len(short_record)  # counted now: a later request empties the connection's log
    for _ in range(40):
        vitals_of(staff.patient, staff.nurse)
        blood_count(staff.patient, staff.doctor)

    with CaptureQueriesContext(connection) as long_record:
        bundle = read(doctor, everything)

    # A page never costs more than one that holds every source (a count and a page each).
    assert 0 < len(long_record) <= short <= 30
    # Mary, a consultation, its diagnosis, a prescription, an appointment; 8 signs a vitals set;
    # two values a blood count (the amended one: its correction's one value); 41 reports.
    assert bundle["total"] == 5 + 41 * 8 + (40 * 2 + 1) + 41
    assert len(bundle["entry"]) == 200


def test_bad_requests_answer_operation_outcomes(staff, doctor, api_for):
    admin = api_for(staff.admin)

    bad_count = read(doctor, "/fhir/Patient?_count=lots", status=400)
    not_json = admin.post("/fhir/Patient", "{not json", content_type="application/fhir+json")
    no_update = admin.put(f"/fhir/Patient/{staff.patient.pk}", {}, format="json")
    not_a_bundle = admin.post("/fhir/", {"resourceType": "Patient"}, format="json")

    assert bad_count["issue"][0]["expression"] == ["_count"]
    assert not_json.status_code == 400
    assert no_update.status_code == 405
    assert not_a_bundle.status_code == 400
    for answer in (not_json, no_update, not_a_bundle):
        assert answer.json()["resourceType"] == "OperationOutcome"
