"""Patients posted as FHIR by someone who may register patients go through the registration
service: a new person is registered with an MRN; a likely duplicate is not, and the answer lists
the candidates. A transaction Bundle is all or nothing; a batch answers per entry."""

from clinical.models import Patient
from hms.models import AuditEntry
from tests.fhir.conftest import valid


def fhir_patient(family="Wekesa", given="Baraka", born="1990-04-12", phone="0722 555 123"):
    return {
        "resourceType": "Patient",
        "name": [{"use": "official", "family": family, "given": [given]}],
        "gender": "male",
        "birthDate": born,
        "telecom": [{"system": "phone", "value": phone}],
        "address": [{"line": ["Plot 4"], "city": "Kisumu"}],
    }


def post(client, path, body):
    answer = client.post(path, body, format="json")
    assert answer["Content-Type"].startswith("application/fhir+json")
    return answer, valid(answer.json())


def test_a_posted_patient_is_registered_through_the_service(staff, api_for):
    admin = api_for(staff.admin)

    answer, created = post(admin, "/fhir/Patient", fhir_patient())

    assert answer.status_code == 201
    patient = Patient.objects.get(pk=created["id"])
    assert answer["Location"] == f"Patient/{patient.pk}"
    assert (patient.first_name, patient.last_name, patient.address) == (
        "Baraka",
        "Wekesa",
        "Plot 4, Kisumu",
    )
    assert patient.phone == "+254722555123"
    assert created["identifier"][0]["value"] == patient.mrn
    assert AuditEntry.objects.filter(action="patient.register", actor=staff.admin).count() == 1


def test_a_likely_duplicate_answers_the_candidates_and_creates_nothing(staff, api_for):
    admin = api_for(staff.admin)
    post(admin, "/fhir/Patient", fhir_patient())

    answer, outcome = post(
        admin, "/fhir/Patient", fhir_patient(given="Barak", phone="0733 000 111")
    )

    assert answer.status_code == 409
    assert outcome["issue"][0]["code"] == "duplicate"
    first = Patient.objects.get(last_name="Wekesa")
    assert f"Patient/{first.pk}" in outcome["issue"][1]["diagnostics"]
    assert first.mrn in outcome["issue"][1]["diagnostics"]
    assert Patient.objects.filter(last_name="Wekesa").count() == 1


def test_an_invalid_patient_is_refused_with_the_element_named(staff, api_for):
    answer, outcome = post(api_for(staff.admin), "/fhir/Patient", fhir_patient(born="12/04/1990"))

    assert answer.status_code == 400
    assert outcome["issue"][0]["expression"] == ["Patient.birthDate"]
    assert "birthDate" in outcome["issue"][0]["diagnostics"]


def test_a_transaction_with_a_duplicate_registers_nobody(staff, api_for):
    admin = api_for(staff.admin)
    post(admin, "/fhir/Patient", fhir_patient())
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": fhir_patient("Njeri", "Achieng", "2001-01-05", "0711 222 333"),
                "request": {"method": "POST", "url": "Patient"},
            },
            {"resource": fhir_patient(), "request": {"method": "POST", "url": "Patient"}},
        ],
    }

    answer, outcome = post(admin, "/fhir/", bundle)

    assert answer.status_code == 409
    assert outcome["issue"][0]["expression"] == ["Bundle.entry[1]"]
    assert not Patient.objects.filter(last_name="Njeri").exists()


def test_a_batch_answers_each_entry(staff, api_for):
    admin = api_for(staff.admin)
    post(admin, "/fhir/Patient", fhir_patient())
    bundle = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {
                "resource": fhir_patient("Njeri", "Achieng", "2001-01-05", "0711 222 333"),
                "request": {"method": "POST", "url": "Patient"},
            },
            {"resource": fhir_patient(), "request": {"method": "POST", "url": "Patient"}},
        ],
    }

    answer, response = post(admin, "/fhir/", bundle)

    assert answer.status_code == 200
    assert response["type"] == "batch-response"
    first, second = response["entry"]
    assert first["response"]["status"] == "201 Created"
    assert second["response"]["status"] == "409 Conflict"
    assert second["response"]["outcome"]["issue"][0]["code"] == "duplicate"
    assert Patient.objects.filter(last_name="Njeri").count() == 1
    assert Patient.objects.filter(last_name="Wekesa").count() == 1


def test_only_who_may_register_patients_may_import(staff, api_for):
    doctor = api_for(staff.doctor).post("/fhir/Patient", fhir_patient(), format="json")
    nurse = api_for(staff.nurse).post("/fhir/", {"resourceType": "Bundle"}, format="json")

    assert doctor.status_code == nurse.status_code == 403
    assert not Patient.objects.filter(last_name="Wekesa").exists()
