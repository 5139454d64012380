"""What a staff app does through the API: a nurse records vitals (scored, refused when
impossible, once per Idempotency-Key), the bed board, the lab's worklist and its steps, a
machine's page and a fault reported from it."""

import uuid

import pytest

from clinical.models import Vitals
from engineering.models import FaultRequest, MachineStatus
from lab.models import OrderStatus
from tests.engineering.conftest import register
from tests.factories import AdmissionFactory, BedFactory, LabOrderFactory, WardFactory


def test_a_nurse_records_vitals_scored_by_news2_once_per_key(staff, api_for):
    app = api_for(staff.nurse)
    given = {
        "temperature_c": "39.2",
        "pulse": 118,
        "systolic": 95,
        "diastolic": 60,
        "respiratory_rate": 24,
        "spo2": 93,
        "on_oxygen": False,
        "consciousness": "A",
    }
    key = str(uuid.uuid4())

    first = app.post(
        f"/api/v1/patients/{staff.patient.pk}/vitals/",
        given,
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    again = app.post(
        f"/api/v1/patients/{staff.patient.pk}/vitals/",
        given,
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )

    assert first.status_code == 201
    assert first.json()["news2"]["score"] >= 7 and first.json()["news2"]["parameters"] == 7
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Vitals.objects.filter(patient=staff.patient).count() == 1


def test_an_impossible_reading_is_refused_with_its_reason_and_nothing_is_saved(staff, api_for):
    refused = api_for(staff.nurse).post(
        f"/api/v1/patients/{staff.patient.pk}/vitals/", {"pulse": 900}, format="json"
    )
    nothing = api_for(staff.nurse).post(
        f"/api/v1/patients/{staff.patient.pk}/vitals/", {}, format="json"
    )

    assert refused.status_code == 409 and "Pulse" in refused.json()["detail"]
    assert nothing.status_code == 409 and nothing.json()["detail"] == "Enter at least one reading."
    assert not Vitals.objects.exists()


def test_the_bed_board_in_a_constant_number_of_queries_with_news2_for_clinical_staff_only(
    staff, api_for, django_assert_max_num_queries
):
    ward = WardFactory(name="Medical A")
    for _ in range(40):
        BedFactory(ward=ward)
    occupied = AdmissionFactory(patient=staff.patient, bed=BedFactory(ward=ward))
    nurse, desk = api_for(staff.nurse), api_for(staff.receptionist)

    with django_assert_max_num_queries(8):
        board = nurse.get("/api/v1/bed-board/").json()
    desk_board = desk.get(f"/api/v1/bed-board/?ward={ward.pk}").json()

    (medical,) = board["wards"]
    assert medical["beds"] == 41 and medical["occupied"] == 1 and len(medical["tiles"]) == 41
    tile = next(t for t in medical["tiles"] if t["id"] == occupied.bed_id)
    assert tile["patient_name"] == "Mary Akinyi" and tile["status"] == "occupied"
    assert all(t["news2"] is None for t in desk_board["wards"][0]["tiles"])
    assert nurse.get("/api/v1/bed-board/?ward=x").status_code == 400


def test_the_lab_pages_its_worklist_with_the_count_and_takes_one_step_at_a_time(staff, api_for):
    orders = [LabOrderFactory(patient=staff.patient) for _ in range(60)]
    lab = api_for(staff.lab_technician)

    first = lab.get("/api/v1/lab/worklist/").json()
    second = lab.get(first["next"]).json()
    collected = lab.post(
        f"/api/v1/lab/orders/{orders[0].pk}/advance/", {"to_status": "collected"}, format="json"
    )
    again = lab.post(
        f"/api/v1/lab/orders/{orders[0].pk}/advance/", {"to_status": "collected"}, format="json"
    )
    skipped = lab.post(
        f"/api/v1/lab/orders/{orders[1].pk}/advance/", {"to_status": "completed"}, format="json"
    )

    assert first["count"] == 60 and len(first["results"]) == 50 and len(second["results"]) == 10
    assert collected.status_code == 200 and collected.json()["status"] == "collected"
    assert again.status_code == 409  # sent twice: the order has moved on, nothing done twice
    assert skipped.status_code == 409 and "one at a time" in skipped.json()["detail"]
    orders[1].refresh_from_db()
    assert orders[1].status == OrderStatus.PENDING


@pytest.mark.parametrize("role", ["nurse", "lab_technician"])
def test_staff_open_a_machine_and_report_it_unusable_once(staff, api_for, role):
    machine = register(staff.engineer, tag="ENG-0042", name="Ventilator")
    app = api_for(getattr(staff, role))
    key = str(uuid.uuid4())
    fault = {"description": "Alarm will not stop", "unusable": True, "priority": "urgent"}

    page = app.get(f"/api/v1/machines/{machine.pk}/")
    raised = app.post(
        f"/api/v1/machines/{machine.pk}/faults/", fault, format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    again = app.post(
        f"/api/v1/machines/{machine.pk}/faults/", fault, format="json", HTTP_IDEMPOTENCY_KEY=key
    )

    assert page.status_code == 200 and page.json()["asset_tag"] == "ENG-0042"
    assert raised.status_code == 201 and again.status_code == 200
    assert again.json()["number"] == raised.json()["number"]
    assert FaultRequest.objects.count() == 1
    machine.refresh_from_db()
    assert machine.status == MachineStatus.OUT_OF_ORDER
    shown = app.get(f"/api/v1/machines/{machine.pk}/").json()
    assert shown["status"] == MachineStatus.OUT_OF_ORDER
    assert [r["number"] for r in shown["open_requests"]] == [raised.json()["number"]]
