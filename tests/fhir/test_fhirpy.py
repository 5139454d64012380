"""A real FHIR client (fhirpy) reads and searches the server over HTTP, with a bearer token,
following the `next` links to the end as any client would."""

from fhirpy import SyncFHIRClient

from tests.api.conftest import tokens_for
from tests.fhir.conftest import vitals_of


def test_fhirpy_reads_and_searches(transactional_db, live_server, staff, record):
    for _ in range(3):
        vitals_of(staff.patient, staff.nurse)
    access = tokens_for(staff.doctor)["access"]
    client = SyncFHIRClient(f"{live_server.url}/fhir", authorization=f"Bearer {access}")
    mary = staff.patient.pk

    patient = client.reference("Patient", str(mary)).to_resource()
    found = client.resources("Patient").search(identifier=staff.patient.mrn).fetch_all()
    vitals = (
        client.resources("Observation")
        .search(patient=str(mary), category="vital-signs")
        .limit(5)
        .fetch_all()
    )
    pulses = client.resources("Observation").search(patient=str(mary), code="8867-4").fetch()
    report = client.reference("DiagnosticReport", str(record.order.pk)).to_resource()
    everything = client.execute(f"Patient/{mary}/$everything", method="get")

    assert patient["name"][0]["family"] == "Akinyi"
    assert [p.id for p in found] == [str(mary)]
    assert len(vitals) == 4 * 8
    assert len(pulses) == 4
    assert report["subject"]["reference"] == f"Patient/{mary}"
    assert everything["resourceType"] == "Bundle"
