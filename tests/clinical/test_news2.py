"""NEWS2 of a set of vitals and the observation frequency it asks for (RCP 2017, charts 1 and 4)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from clinical import news2

NAIROBI = ZoneInfo("Africa/Nairobi")
NORMAL = {"respiratory_rate": 16, "spo2": 98, "systolic": 120, "pulse": 72, "temperature_c": 36.8}


def test_a_normal_set_scores_0_and_is_due_again_in_12_hours():
    score = news2.news2_of(NORMAL)

    assert (score.score, score.frequency, score.interval) == (0, "12-hourly", timedelta(hours=12))
    assert score.parameters == 5


@pytest.mark.parametrize(
    ("field", "value", "points"),
    [
        ("respiratory_rate", 8, 3),
        ("respiratory_rate", 9, 1),
        ("respiratory_rate", 21, 2),
        ("respiratory_rate", 25, 3),
        ("spo2", 91, 3),
        ("spo2", 93, 2),
        ("spo2", 95, 1),
        ("systolic", 90, 3),
        ("systolic", 100, 2),
        ("systolic", 110, 1),
        ("systolic", 220, 3),
        ("pulse", 40, 3),
        ("pulse", 50, 1),
        ("pulse", 91, 1),
        ("pulse", 111, 2),
        ("pulse", 131, 3),
        ("temperature_c", 35.0, 3),
        ("temperature_c", 36.0, 1),
        ("temperature_c", 38.1, 1),
        ("temperature_c", 39.1, 2),
    ],
)
def test_each_parameter_scores_as_the_chart_says(field, value, points):
    assert news2.news2_of(NORMAL | {field: value}).score == points


def test_a_total_of_1_to_4_is_4_hourly_5_to_6_hourly_and_7_or_more_continuous():
    low = news2.news2_of(NORMAL | {"pulse": 111})  # 2
    medium = news2.news2_of(NORMAL | {"pulse": 111, "respiratory_rate": 21, "spo2": 95})  # 5
    high = news2.news2_of(NORMAL | {"pulse": 131, "respiratory_rate": 25, "spo2": 95})  # 7

    assert (low.score, low.frequency, low.interval) == (2, "4-hourly", timedelta(hours=4))
    assert (medium.score, medium.frequency, medium.interval) == (5, "hourly", timedelta(hours=1))
    assert (high.score, high.frequency) == (7, "continuous")
    assert high.interval == timedelta(minutes=news2.CONTINUOUS_MINUTES)


def test_a_3_in_one_parameter_asks_for_hourly_observations_whatever_the_total():
    score = news2.news2_of(NORMAL | {"spo2": 90})

    assert (score.score, score.red_parameter, score.frequency) == (3, True, "hourly")


def test_a_set_without_a_scored_reading_has_no_news2():
    assert news2.news2_of({"weight_kg": 70, "spo2": None}) is None


def test_the_first_set_is_due_on_admission_and_the_next_after_the_interval():
    admitted = datetime(2026, 11, 30, 8, tzinfo=NAIROBI)
    score = news2.news2_of(NORMAL | {"pulse": 111})

    assert news2.next_due(last_at=None, news2=None, admitted_at=admitted) == admitted
    before = admitted - timedelta(days=2)  # a clinic visit's set does not count for the stay
    assert news2.next_due(last_at=before, news2=score, admitted_at=admitted) == admitted
    later = admitted + timedelta(hours=1)
    assert news2.next_due(last_at=later, news2=score, admitted_at=admitted) == later + timedelta(
        hours=4
    )
