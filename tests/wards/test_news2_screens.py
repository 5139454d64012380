"""Where a patient's NEWS2 shows beyond the vitals page: the nurse's lists (due, newest, by
score), the bed board tile, the doctor's own inpatients, the doctor's day and the banners; and
never to those who do not see whole charts."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from clinical.models import Vitals
from tests.factories import (
    AdmissionFactory,
    AppointmentFactory,
    BedFactory,
    PatientFactory,
    WardFactory,
)
from tests.vitals_sets import NOW, STEADY_SET


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def ward(staff):
    """Medical Ward: Akinyi steady (0, due tonight), Baraka scoring 7 (overdue), Chebet admitted
    an hour ago with nothing yet, all under Dr Odhiambo; Dalmas under Dr Omar."""
    ward = WardFactory(name="Medical Ward")
    people = {}
    for bed, name, hours_in, readings, doctor in [
        ("1", "Akinyi", 30, STEADY_SET, staff.doctor),
        (
            "2",
            "Baraka",
            30,
            STEADY_SET | {"respiratory_rate": 25, "pulse": 131, "spo2": 95},
            staff.doctor,
        ),
        ("3", "Chebet", 1, None, staff.doctor),
        ("4", "Dalmas", 30, STEADY_SET | {"pulse": 111}, staff.second_doctor),
    ]:
        admission = AdmissionFactory(
            bed=BedFactory(ward=ward, number=bed),
            patient=PatientFactory(first_name=name, last_name="Otieno"),
            attending_doctor=doctor,
            admitted_at=NOW - timedelta(hours=hours_in),
        )
        if readings:
            Vitals.objects.create(
                patient=admission.patient,
                recorded_by=staff.nurse,
                recorded_at=NOW - timedelta(hours=2),
                **readings,
            )
        people[name] = admission
    return people


def section(html: str, testid: str) -> str:
    start = html.index(f'data-testid="{testid}"')
    return html[start : html.index("</ol>", start)]


def test_the_nurse_lists_vitals_due_newest_admissions_and_patients_by_score(
    staff, ward, client_for
):
    html = client_for(staff.nurse).get(reverse("ward_patients")).content.decode()

    due = section(html, "list-due")
    assert "Baraka" in due and "Chebet" in due and "Akinyi" not in due
    # Baraka's 7 at 12:00 was due again at 12:15; Chebet on admission, at 13:00.
    assert due.index("Baraka") < due.index("Chebet")
    newest = section(html, "list-newest")
    assert "Chebet" in newest and "Akinyi" not in newest
    by_score = section(html, "list-by-score")
    order = [by_score.index(name) for name in ("Baraka", "Dalmas", "Akinyi", "Chebet")]
    assert order == sorted(order), "7, then 2, then 0, then not scored"
    assert "NEWS2 7" in by_score and 'data-risk="high"' in by_score


def test_the_bed_board_tile_shows_the_stays_news2_to_clinical_staff_only(staff, ward, client_for):
    nurse = client_for(staff.nurse).get(reverse("bed_board")).content.decode()
    desk = client_for(staff.receptionist).get(reverse("bed_board")).content.decode()

    tile = nurse[nurse.index(f'data-bed="{ward["Baraka"].bed_id}"') :]
    assert tile[: tile.index('data-testid="bed" ')].count("NEWS2 7") == 1
    assert "NEWS2" not in desk


def test_the_doctor_sees_their_own_inpatients_sickest_first(staff, ward, client_for):
    html = (
        client_for(staff.doctor)
        .get(reverse("doctor_inpatients"), headers={"HX-Request": "true"})
        .content.decode()
    )

    assert [html.index(n) for n in ("Baraka", "Akinyi", "Chebet")] == sorted(
        html.index(n) for n in ("Baraka", "Akinyi", "Chebet")
    )
    assert "Dalmas" not in html  # Dr Omar's
    assert "NEWS2 7" in html and "3 inpatients" in html


def test_the_doctor_home_loads_the_inpatients_panel(staff, client_for):
    html = client_for(staff.doctor).get(reverse("dashboard")).content.decode()

    assert reverse("doctor_inpatients") in html


def test_the_doctors_day_shows_each_patients_score_of_the_last_day(staff, ward, client_for):
    AppointmentFactory(
        doctor=staff.doctor, patient=ward["Baraka"].patient, starts_at=NOW + timedelta(hours=1)
    )

    doctor = client_for(staff.doctor).get(reverse("doctor_today")).content.decode()

    assert "NEWS2 7" in doctor


def test_the_chart_and_admission_banners_show_the_latest_score(staff, ward, client_for):
    patient = ward["Baraka"].patient

    chart = client_for(staff.doctor).get(reverse("patient_chart", args=[patient.pk]))
    admission = client_for(staff.nurse).get(reverse("admission_detail", args=[ward["Baraka"].pk]))

    for page in (chart, admission):
        banner = page.content.decode()
        assert 'data-testid="banner-news2"' in banner and "NEWS2 7" in banner
