"""Every resource /fhir/ produces is valid FHIR (fhir.resources' R4B models, the R4 resources'
definitions with R4B's corrections), with the codes a receiving system looks for; reading a
patient is audited as a chart view; a patient reaches only their own records."""

import pytest

from hms.models import AuditEntry
from tests.fhir.conftest import read, valid


def codes(resource: dict) -> set[str]:
    return {c["code"] for c in resource["code"].get("coding", [])}


@pytest.fixture
def doctor(staff, api_for):
    return api_for(staff.doctor)


def test_the_capability_statement_is_public_and_valid(client):
    statement = read(client, "/fhir/metadata")

    assert statement["fhirVersion"] == "4.0.1"
    assert {r["type"] for r in statement["rest"][0]["resource"]} >= {
        "Patient",
        "Observation",
        "DiagnosticReport",
        "Location",
    }


def test_every_resource_type_read_by_a_doctor_is_valid(staff, record, doctor):
    patient = read(doctor, f"/fhir/Patient/{staff.patient.pk}")
    practitioner = read(doctor, f"/fhir/Practitioner/{staff.doctor.pk}")
    encounter = read(doctor, f"/fhir/Encounter/{record.encounter.pk}")
    condition = read(doctor, f"/fhir/Condition/{record.encounter.pk}")
    medication = read(doctor, f"/fhir/MedicationRequest/{record.prescription.pk}")
    appointment = read(doctor, f"/fhir/Appointment/{record.appointment.pk}")
    heart_rate = read(doctor, f"/fhir/Observation/vs-{record.vitals.pk}-hr")
    pressure = read(doctor, f"/fhir/Observation/vs-{record.vitals.pk}-bp")
    report = read(doctor, f"/fhir/DiagnosticReport/{record.order.pk}")
    ward = read(doctor, f"/fhir/Location/ward-{record.bed.ward_id}")
    bed = read(doctor, f"/fhir/Location/bed-{record.bed.pk}")

    assert patient["identifier"][0]["value"] == staff.patient.mrn
    assert practitioner["name"][0]["family"] == "Odhiambo"
    assert encounter["status"] == "in-progress"
    assert condition["code"]["coding"][0] == {
        "system": "http://hl7.org/fhir/sid/icd-10",
        "code": "D50.9",
        "display": "Iron deficiency anaemia",
    }
    assert medication["medicationCodeableConcept"]["text"] == "Ferrous sulphate 200 mg"
    assert appointment["status"] == "booked"
    assert codes(heart_rate) == {"8867-4"}
    assert heart_rate["valueQuantity"]["code"] == "/min"
    assert codes(pressure) == {"85354-9"}
    assert [c["valueQuantity"]["value"] for c in pressure["component"]] == [124, 82]
    assert pressure["component"][0]["valueQuantity"]["code"] == "mm[Hg]"
    assert report["status"] == "preliminary"  # a correction not yet verified, for staff
    assert "58410-2" in codes(report)
    lab_value = read(doctor, "/fhir/" + report["result"][0]["reference"])
    assert "718-7" in codes(lab_value)
    assert lab_value["valueQuantity"] == {
        "value": 11.1,
        "unit": "g/dL",
        "system": "http://unitsofmeasure.org",
        "code": "g/dL",
    }
    assert ward["physicalType"]["coding"][0]["code"] == "wa"
    assert bed["partOf"]["reference"] == f"Location/ward-{record.bed.ward_id}"
    assert bed["operationalStatus"]["code"] == "U"


def test_every_vital_sign_is_loinc_coded_with_a_ucum_unit(staff, record, doctor):
    bundle = read(doctor, f"/fhir/Observation?patient={staff.patient.pk}&category=vital-signs")

    found = {e["resource"]["code"]["coding"][0]["code"] for e in bundle["entry"]}
    assert found == {
        "8867-4",
        "85354-9",
        "8310-5",
        "9279-1",
        "59408-5",
        "29463-7",
        "8302-2",
        "72514-3",
    }
    assert bundle["total"] == 8


def test_reading_a_patient_and_everything_are_audited_chart_views(staff, record, doctor):
    read(doctor, f"/fhir/Patient/{staff.patient.pk}")
    read(doctor, f"/fhir/Patient/{staff.patient.pk}/$everything")

    views = AuditEntry.objects.filter(action="patient.view_chart", actor=staff.doctor)
    assert views.count() == 2


def test_everything_holds_the_whole_record(staff, record, doctor):
    bundle = read(doctor, f"/fhir/Patient/{staff.patient.pk}/$everything")

    types = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert bundle["type"] == "searchset"
    assert bundle["total"] == len(types)
    assert set(types) == {
        "Patient",
        "Encounter",
        "Condition",
        "MedicationRequest",
        "Appointment",
        "Observation",
        "DiagnosticReport",
    }
    assert "Otieno" not in str(bundle)


def test_a_patient_sees_only_their_own_verified_results(staff, record, api_for):
    mary = api_for(staff.patient_user)

    report = read(mary, f"/fhir/DiagnosticReport/{record.order.pk}")
    values = read(mary, "/fhir/Observation?category=laboratory")
    everything = read(mary, f"/fhir/Patient/{staff.patient.pk}/$everything")

    assert report["status"] == "final"  # the verified version, not the correction
    assert [
        e["resource"]["valueQuantity"]["value"]
        for e in values["entry"]
        if "valueQuantity" in e["resource"]
    ] == [10.1]
    assert values["total"] == 2
    assert "Otieno" not in str(everything)
    for path in [
        f"/fhir/Patient/{staff.other_patient.pk}",
        f"/fhir/Patient/{staff.other_patient.pk}/$everything",
        f"/fhir/DiagnosticReport/{record.other_order.pk}",
        f"/fhir/Observation/vs-{record.other_vitals.pk}-hr",
    ]:
        refused = read(mary, path, status=404)
        assert refused["resourceType"] == "OperationOutcome"
    others = read(mary, f"/fhir/Observation?patient={staff.other_patient.pk}")
    assert others["total"] == 0


def test_refusals_are_operation_outcomes(staff, record, api_for, client):
    anonymous = client.get(f"/fhir/Patient/{staff.patient.pk}")
    engineer = api_for(staff.engineer).get(f"/fhir/Patient/{staff.patient.pk}")
    reception = api_for(staff.receptionist).get(f"/fhir/Encounter/{record.encounter.pk}")

    assert anonymous.status_code == 401
    assert anonymous.json()["issue"][0]["code"] == "login"
    assert engineer.status_code == 403
    assert engineer["Content-Type"].startswith("application/fhir+json")
    valid(engineer.json())
    assert engineer.json()["issue"][0]["diagnostics"].startswith("Your role may not")
    assert reception.status_code == 403  # demographics only: not the consultation
