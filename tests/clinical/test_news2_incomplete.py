"""An incomplete NEWS2 set (fewer than 7 parameters) is a lower bound, never a reassurance: no
preselected air or alert, never a lower score nor a later due time than the latest complete set,
still an alert when its own points call for one; the per-reading flags are the chart's bands."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from clinical import news2, selectors, services, vitals
from clinical.forms import VitalsForm
from clinical.models import Vitals
from messaging.models import Notification
from tests.vitals_sets import NAIROBI, NOW, STEADY_SET, STEADY_VALUES, medical_ward_stay, taken
from wards import selectors as ward_selectors


@pytest.fixture
def admission(staff):
    return medical_ward_stay(staff)


def scored_20_then_5_then_3_then_spo2_alone(staff, patient) -> None:
    """The tester's patient: three complete sets, the last scoring 3 (4-hourly) at 10:00, then
    SpO2 alone at 13:00."""
    sick = STEADY_VALUES | {"respiratory_rate": 26, "spo2": 90, "systolic": 88, "pulse": 135}
    taken(staff, patient, 8, sick | {"temperature_c": Decimal("39.5")}, on_oxygen=True,
          consciousness="V")  # fmt: skip
    taken(staff, patient, 6, STEADY_VALUES | {"respiratory_rate": 22, "pulse": 115},
          on_oxygen=True, consciousness="A")  # fmt: skip
    taken(staff, patient, 4, STEADY_VALUES | {"pulse": 115, "spo2": 95}, on_oxygen=False,
          consciousness="A")  # fmt: skip
    taken(staff, patient, 1, {"spo2": 98})


def test_the_vitals_form_preselects_neither_air_nor_alert(staff, admission, client_for):
    page = client_for(staff.nurse).get(reverse("patient_vitals", args=[admission.patient.pk]))

    html = page.content.decode()
    assert VitalsForm().initial == {}
    for name in ("supply", "consciousness"):
        for tag in [part for part in html.split("<input") if f'name="{name}"' in part]:
            assert "checked" not in tag.split(">")[0]


def test_a_set_sent_without_air_or_acvpu_records_them_as_unknown(staff, admission, client_for):
    url = reverse("patient_vitals", args=[admission.patient.pk])

    client_for(staff.nurse).post(url, {"spo2": "97"}, follow=True)

    reading = Vitals.objects.get()
    assert (reading.on_oxygen, reading.consciousness) == (None, "")
    assert selectors.news2_of_record(reading).parameters == 1


@time_machine.travel(NOW, tick=False)
def test_spo2_alone_keeps_the_complete_sets_score_and_schedule_on_the_ward(staff, admission):
    scored_20_then_5_then_3_then_spo2_alone(staff, admission.patient)

    listed = ward_selectors.ward_patients(staff.nurse)
    board = ward_selectors.bed_board(staff.nurse)

    row = listed["wards"][0]["rows"][0]
    assert (row["news2"].score, row["news2"].at_least, row["news2"].parameters) == (3, True, 1)
    assert row["due_at"] == NOW - timedelta(hours=4) + timedelta(hours=4)  # 10:00 + 4 h, not 01:00
    assert row in listed["lists"]["due"]
    tile = board["wards"][0]["tiles"][0]
    assert (tile["news2"].score, tile["news2"].at_least) == (3, True)


@time_machine.travel(NOW, tick=False)
def test_the_banner_and_the_saved_panel_show_at_least_the_complete_score(
    staff, admission, client_for
):
    scored_20_then_5_then_3_then_spo2_alone(staff, admission.patient)
    partial = Vitals.objects.latest("recorded_at")

    latest = selectors.latest_observations([admission.patient.pk])[admission.patient.pk]
    saved = selectors.vitals_saved(partial)
    page = client_for(staff.nurse).get(reverse("admission_detail", args=[admission.pk]))

    assert (latest["record"], latest["news2"].score) == (partial, 3)
    assert saved["news2"].score == 3 and saved["next_due_at"] == NOW
    banner = page.content.decode()
    assert "NEWS2 ≥ 3" in banner and "incomplete (1 of 7)" in banner
    assert "NEWS2 0<" not in banner


@time_machine.travel(NOW, tick=False)
def test_an_incomplete_set_with_its_own_red_points_is_due_sooner_and_still_alerts(staff, admission):
    taken(
        staff, admission.patient, 2, STEADY_VALUES, on_oxygen=False, consciousness="A"
    )  # 0: 12-hourly

    partial = taken(staff, admission.patient, 0, {"spo2": 90})  # 3 points from SpO2 alone

    row = ward_selectors.ward_patients(staff.nurse)["wards"][0]["rows"][0]
    assert row["due_at"] == partial.recorded_at + timedelta(hours=1)
    assert (row["news2"].score, row["news2"].red_parameter) == (3, True)
    assert Notification.objects.filter(recipient=staff.doctor, kind="news2").exists()


def test_an_incomplete_set_alone_is_never_due_12_hourly():
    admitted = datetime(2026, 11, 30, 8, tzinfo=NAIROBI)
    partial = news2.news2_of({"spo2": 98})

    due = news2.next_due(last_at=admitted, news2=partial, admitted_at=admitted)

    assert due == admitted + timedelta(hours=4)


def test_a_complete_set_before_the_stay_does_not_set_its_schedule():
    admitted = datetime(2026, 11, 30, 8, tzinfo=NAIROBI)
    old = news2.news2_of(STEADY_SET | {"pulse": 135})
    partial = news2.news2_of({"spo2": 98})

    due = news2.next_due(
        last_at=admitted,
        news2=partial,
        admitted_at=admitted,
        complete_at=admitted - timedelta(days=30),
        complete=old,
    )

    assert due == admitted + timedelta(hours=4)


@pytest.mark.parametrize(
    ("field", "value", "scale", "on_oxygen", "expected"),
    [
        ("systolic", 90, 1, None, "low"),
        ("systolic", 111, 1, None, ""),
        ("systolic", 220, 1, None, "high"),
        ("pulse", 91, 1, None, "high"),
        ("pulse", 55, 1, None, ""),
        ("temperature_c", Decimal("38.0"), 1, None, ""),
        ("temperature_c", Decimal("36.0"), 1, None, "low"),
        ("spo2", 95, 1, None, "low"),
        ("spo2", 96, 1, None, ""),
        ("spo2", 90, 2, False, ""),
        ("spo2", 90, 2, True, ""),
        ("spo2", 87, 2, True, "low"),
        ("spo2", 97, 2, False, ""),
        ("spo2", 93, 2, True, "high"),
        ("respiratory_rate", 11, 1, None, "low"),
    ],
)
def test_each_readings_flag_is_the_news2_band(field, value, scale, on_oxygen, expected):
    assert vitals.flag(field, value, spo2_scale=scale, on_oxygen=on_oxygen) == expected
    points = news2.parameter_points({field: value, "spo2_scale": scale, "on_oxygen": on_oxygen})
    assert bool(expected) == bool(points[field])


def test_the_vitals_table_flags_spo2_90_on_scale_2_as_the_target_not_low(
    staff, admission, client_for
):
    patient = admission.patient
    patient.spo2_target_88_92 = True
    patient.save(update_fields=["spo2_target_88_92"])
    services.vitals_record(
        actor=staff.nurse, patient=patient, values=STEADY_VALUES | {"spo2": 90, "systolic": 90}
    )

    page = client_for(staff.nurse).get(reverse("patient_vitals", args=[patient.pk]))

    html = page.content.decode()
    table = html[html.index('data-testid="vitals-table"') :]
    assert ">90 ↓<" in table.replace("\n", "").replace("  ", "")  # the systolic 90: 3 points
    assert table.count("↓") == 1  # SpO2 90 on the 88-92% target is not flagged


@pytest.mark.django_db
def test_no_patients_have_no_latest_observations_and_cost_no_query(django_assert_num_queries):
    # An empty doctor's day or ward: nothing to read (building the query alone cost ~5 ms).
    with django_assert_num_queries(0):
        assert selectors.latest_observations([]) == {}
        assert selectors.latest_observations(iter(())) == {}
