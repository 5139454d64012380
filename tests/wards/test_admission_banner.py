"""The admission page's banner shows where the patient's NEWS2 stands, the same as every other
banner (clinical.selectors.latest_observations), whether the stay's own readings settle it (read
from the chart's readings, no query of its own) or not (an incomplete set whose last complete set
was taken before the admission; no readings this stay; a stay that has ended)."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinical import selectors
from tests.vitals_sets import NOW, STEADY_VALUES, medical_ward_stay, taken
from wards.models import AdmissionStatus

# A complete set scoring 11: RR 26 (3), SpO2 90 (3), oxygen (2), BP 88 (3), pulse 72, alert,
# 36.8 °C.
SICK = STEADY_VALUES | {"respiratory_rate": 26, "spo2": 90, "systolic": 88}


@pytest.fixture
def admission(staff):
    return medical_ward_stay(staff)


def complete(staff, patient, hours_ago: float, values: dict, on_oxygen: bool) -> None:
    taken(staff, patient, hours_ago, values, on_oxygen=on_oxygen, consciousness="A")


def in_stay_complete(staff, patient):
    complete(staff, patient, 2, STEADY_VALUES, on_oxygen=False)


def in_stay_sick_then_spo2_alone(staff, patient):
    complete(staff, patient, 6, SICK, on_oxygen=True)
    taken(staff, patient, 1, {"spo2": 97})


def sick_before_the_stay_then_spo2_alone(staff, patient):
    complete(staff, patient, 30, SICK, on_oxygen=True)
    taken(staff, patient, 1, {"spo2": 97})


def only_before_the_stay(staff, patient):
    complete(staff, patient, 30, SICK, on_oxygen=True)


def none(staff, patient):
    pass


# Each case: the readings, how many queries read vitals (1: the chart's, which settle the
# banner; more: the banner asks latest_observations, one or two), and the banner's NEWS2.
CASES = {
    "complete set this stay": (in_stay_complete, 1, "NEWS2 0"),
    "spo2 alone after a complete set this stay": (in_stay_sick_then_spo2_alone, 1, "NEWS2 ≥ 11"),
    "spo2 alone after a complete set before the stay": (
        sick_before_the_stay_then_spo2_alone,
        3,
        "NEWS2 ≥ 11",
    ),
    "only a set before the stay": (only_before_the_stay, 2, "NEWS2 11"),
    "no vitals at all": (none, 2, None),
}


def banner_of(html: str) -> str:
    return html.split('class="fs-5"', 1)[1].split("</div>", 1)[0]


@pytest.mark.parametrize("case", CASES)
@time_machine.travel(NOW, tick=False)
def test_the_admission_banner_stands_where_every_banner_stands(staff, admission, client_for, case):
    readings, vitals_queries, shown = CASES[case]
    patient = admission.patient
    readings(staff, patient)
    client = client_for(staff.nurse)
    client.get(reverse("dashboard"))  # the session and the user, read once

    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("admission_detail", args=[admission.pk]))

    expected = selectors.latest_observations([patient.pk]).get(patient.pk)
    latest = page.context["latest"]
    assert (latest and (latest["record"].pk, latest["news2"])) == (
        expected and (expected["record"].pk, expected["news2"])
    )
    banner = banner_of(page.content.decode())
    if shown is None:
        assert 'data-testid="banner-news2"' not in banner
    else:
        assert f'data-testid="news2" data-risk="{expected["news2"].risk}"' in banner
        assert f">{shown}</span>" in banner
    read = [q for q in queries.captured_queries if '"clinical_vitals"' in q["sql"]]
    assert len(read) == vitals_queries, case


@time_machine.travel(NOW, tick=False)
def test_an_ended_stays_banner_shows_the_patients_latest_set_since(staff, admission, client_for):
    """A discharged stay's chart stops at the discharge; its banner is the patient's latest."""
    patient = admission.patient
    complete(staff, patient, 10, STEADY_VALUES, on_oxygen=False)
    admission.status = AdmissionStatus.DISCHARGED
    admission.discharged_at = NOW - timedelta(hours=8)
    admission.save(update_fields=["status", "discharged_at"])
    complete(staff, patient, 2, SICK, on_oxygen=True)  # back in clinic, after the stay

    page = client_for(staff.doctor).get(reverse("admission_detail", args=[admission.pk]))

    html = page.content.decode()
    assert "NEWS2 11" in banner_of(html)
    assert "The chart shows 1 reading since the admission" in html
