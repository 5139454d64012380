"""The first endpoints: a patient's own appointments (never another's), a day's list for the
desk and the doctor, and the front desk's patient search; each list pages all its rows in a
constant number of queries."""

from datetime import timedelta

from django.utils import timezone

from tests.api.conftest import every_page
from tests.factories import AppointmentFactory, PatientFactory

MINE = "/api/v1/me/appointments/"
DAY = "/api/v1/appointments/"
SEARCH = "/api/v1/patients/"


def test_a_patient_sees_only_their_own_appointments_newest_first(staff, api_for):
    soon = timezone.now().replace(microsecond=0) + timedelta(days=2)
    mine = [
        AppointmentFactory(
            patient=staff.patient, doctor=staff.doctor, starts_at=soon + timedelta(days=n)
        )
        for n in range(3)
    ]
    AppointmentFactory(
        patient=staff.other_patient, doctor=staff.doctor, starts_at=soon - timedelta(hours=1)
    )

    rows = every_page(api_for(staff.patient_user), MINE)

    assert [row["id"] for row in rows] == [appointment.pk for appointment in reversed(mine)]
    assert {row["patient"]["name"] for row in rows} == {"Mary Akinyi"}
    assert rows[0]["doctor"]["name"] == "Amina Odhiambo"
    assert rows[0]["status_label"] == "Scheduled"


def test_a_doctors_appointments_are_those_with_them(staff, api_for):
    AppointmentFactory(patient=staff.patient, doctor=staff.doctor)
    AppointmentFactory(
        patient=staff.patient,
        doctor=staff.second_doctor,
        starts_at=timezone.now().replace(microsecond=0) + timedelta(days=4),
    )

    rows = every_page(api_for(staff.doctor), MINE)

    assert {row["doctor"]["name"] for row in rows} == {"Amina Odhiambo"}


def test_the_desk_pages_a_busy_day_in_time_order_in_a_constant_number_of_queries(
    staff, api_for, django_assert_max_num_queries
):
    day = timezone.localdate() + timedelta(days=5)
    start = timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time()))
    for n in range(120):  # a doctor each (the factory's): four minutes apart, never overlapping
        AppointmentFactory(starts_at=start + timedelta(hours=7, minutes=4 * n))
    AppointmentFactory(doctor=staff.doctor, starts_at=start + timedelta(days=1, hours=8))
    client = api_for(staff.receptionist)

    with django_assert_max_num_queries(6):
        first = client.get(f"{DAY}?day={day.isoformat()}")
    rows = every_page(client, f"{DAY}?day={day.isoformat()}")

    assert first.status_code == 200 and len(first.json()["results"]) == 50
    assert len(rows) == 120
    assert [row["starts_at"] for row in rows] == sorted(row["starts_at"] for row in rows)


def test_a_day_that_is_not_a_date_is_named_in_the_problem(staff, api_for):
    answer = api_for(staff.receptionist).get(f"{DAY}?day=31/12/2026")

    assert answer.status_code == 400
    assert answer.json()["errors"] == [{"field": "day", "message": "Give the day as YYYY-MM-DD."}]


def test_the_search_finds_by_name_and_says_when_there_are_more(staff, api_for):
    for n in range(25):
        PatientFactory(first_name=f"Wairimu{n}", last_name="Gachanja")
    client = api_for(staff.receptionist)

    found = client.get(f"{SEARCH}?q=Gachanja")
    one = client.get(f"{SEARCH}?q={staff.patient.mrn}")
    short = client.get(f"{SEARCH}?q=a")

    assert found.status_code == 200
    assert len(found.json()["results"]) == 20 and found.json()["more"] is True
    assert one.json()["results"][0]["name"] == "Mary Akinyi" and one.json()["more"] is False
    assert set(one.json()["results"][0]) == {
        "id",
        "mrn",
        "name",
        "first_name",
        "last_name",
        "date_of_birth",
        "sex",
        "phone",
    }
    assert short.status_code == 400
    assert short.json()["errors"][0]["field"] == "q"
