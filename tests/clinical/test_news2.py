"""NEWS2 of a set of vitals and the observation frequency it asks for (RCP 2017, charts 1 and 4)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from clinical import news2

NAIROBI = ZoneInfo("Africa/Nairobi")
NORMAL = {"respiratory_rate": 16, "spo2": 98, "systolic": 120, "pulse": 72, "temperature_c": 36.8}
# The same set with the chart's other two parameters: breathing air, alert.
FULL = NORMAL | {"on_oxygen": False, "consciousness": "A"}


def test_a_normal_complete_set_scores_0_and_is_due_again_in_12_hours():
    score = news2.news2_of(FULL)

    assert (score.score, score.frequency, score.interval) == (0, "12-hourly", timedelta(hours=12))
    assert score.parameters == 7


def test_an_incomplete_set_scoring_0_is_no_proven_0_and_asks_for_4_hourly():
    score = news2.news2_of(NORMAL)

    assert (score.score, score.frequency, score.interval) == (0, "4-hourly", timedelta(hours=4))
    assert (score.parameters, score.at_least) == (5, True)


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
    # Air and alert alone (a weighing at the clinic) are no observation round either.
    assert news2.news2_of({"weight_kg": 70, "on_oxygen": False, "consciousness": "A"}) is None


# Every band edge of chart 1, both sides, scale 1 on air and alert: (field, value, points).
EDGES = [
    ("respiratory_rate", 8, 3),
    ("respiratory_rate", 9, 1),
    ("respiratory_rate", 11, 1),
    ("respiratory_rate", 12, 0),
    ("respiratory_rate", 20, 0),
    ("respiratory_rate", 21, 2),
    ("respiratory_rate", 24, 2),
    ("respiratory_rate", 25, 3),
    ("spo2", 91, 3),
    ("spo2", 92, 2),
    ("spo2", 93, 2),
    ("spo2", 94, 1),
    ("spo2", 95, 1),
    ("spo2", 96, 0),
    ("systolic", 90, 3),
    ("systolic", 91, 2),
    ("systolic", 100, 2),
    ("systolic", 101, 1),
    ("systolic", 110, 1),
    ("systolic", 111, 0),
    ("systolic", 219, 0),
    ("systolic", 220, 3),
    ("pulse", 40, 3),
    ("pulse", 41, 1),
    ("pulse", 50, 1),
    ("pulse", 51, 0),
    ("pulse", 90, 0),
    ("pulse", 91, 1),
    ("pulse", 110, 1),
    ("pulse", 111, 2),
    ("pulse", 130, 2),
    ("pulse", 131, 3),
    ("temperature_c", 35.0, 3),
    ("temperature_c", 35.1, 1),
    ("temperature_c", 36.0, 1),
    ("temperature_c", 36.1, 0),
    ("temperature_c", 38.0, 0),
    ("temperature_c", 38.1, 1),
    ("temperature_c", 39.0, 1),
    ("temperature_c", 39.1, 2),
]


@pytest.mark.parametrize(("field", "value", "points"), EDGES)
def test_every_band_edge_of_chart_1_scores_as_printed(field, value, points):
    score = news2.news2_of(FULL | {field: value})

    assert score.score == points
    assert score.parameters == 7 and score.complete


@pytest.mark.parametrize(
    ("spo2", "on_oxygen", "points"),
    [
        (83, False, 3),
        (84, False, 2),
        (85, False, 2),
        (86, False, 1),
        (87, False, 1),
        (88, False, 0),
        (92, False, 0),
        (93, False, 0),  # 93 or more on air scores nothing on scale 2
        (100, False, 0),
        (87, True, 1 + 2),  # below the target: as on air, plus 2 for the oxygen
        (88, True, 0 + 2),
        (92, True, 0 + 2),
        (93, True, 1 + 2),  # above the target on oxygen: over-oxygenation scores
        (94, True, 1 + 2),
        (95, True, 2 + 2),
        (96, True, 2 + 2),
        (97, True, 3 + 2),
    ],
)
def test_spo2_scale_2_scores_the_88_to_92_target_as_chart_2_prints_it(spo2, on_oxygen, points):
    score = news2.news2_of(FULL | {"spo2": spo2, "on_oxygen": on_oxygen, "spo2_scale": 2})

    assert score.score == points


def test_oxygen_adds_2_on_scale_1_and_air_adds_nothing():
    assert news2.news2_of(FULL | {"on_oxygen": True}).score == 2
    assert news2.news2_of(FULL | {"on_oxygen": False}).score == 0


@pytest.mark.parametrize(("level", "points"), [("A", 0), ("C", 3), ("V", 3), ("P", 3), ("U", 3)])
def test_new_confusion_scores_3_as_voice_pain_and_unresponsive_do(level, points):
    score = news2.news2_of(FULL | {"consciousness": level})

    assert score.score == points
    assert score.red_parameter == (points == 3)


def test_new_confusion_alone_is_a_red_parameter_hourly_and_urgent():
    score = news2.news2_of(FULL | {"consciousness": "C"})

    assert (score.score, score.risk, score.frequency, score.response) == (
        3,
        "low-medium",
        "hourly",
        "urgent",
    )


# Worked by hand from RCP 2017 charts 1 and 2 (each parameter's points in the comment).
EXAMPLES = [
    # Sepsis on the ward: RR 24 (2), SpO2 95 (1) on oxygen (2), BP 100 (2), pulse 110 (1),
    # alert (0), 38.5 (1) = 9: high, continuous.
    (
        {
            "respiratory_rate": 24,
            "spo2": 95,
            "on_oxygen": True,
            "systolic": 100,
            "pulse": 110,
            "consciousness": "A",
            "temperature_c": 38.5,
        },
        9,
        "high",
        "continuous",
    ),
    # The patient: 39.4 (2) with SpO2 91 (3) on air, RR 22 (2), pulse 112 (2), BP 118
    # (0), alert (0) = 9.
    (
        {
            "respiratory_rate": 22,
            "spo2": 91,
            "on_oxygen": False,
            "systolic": 118,
            "pulse": 112,
            "consciousness": "A",
            "temperature_c": 39.4,
        },
        9,
        "high",
        "continuous",
    ),
    # COPD on a prescribed 88-92% target (scale 2): RR 22 (2), SpO2 90 on oxygen (0 + 2), BP 130
    # (0), pulse 95 (1), alert (0), 37.2 (0) = 5: medium, hourly.
    (
        {
            "respiratory_rate": 22,
            "spo2": 90,
            "spo2_scale": 2,
            "on_oxygen": True,
            "systolic": 130,
            "pulse": 95,
            "consciousness": "A",
            "temperature_c": 37.2,
        },
        5,
        "medium",
        "hourly",
    ),
    # The same readings on scale 1 score the SpO2 3 more: 8.
    (
        {
            "respiratory_rate": 22,
            "spo2": 90,
            "on_oxygen": True,
            "systolic": 130,
            "pulse": 95,
            "consciousness": "A",
            "temperature_c": 37.2,
        },
        8,
        "high",
        "continuous",
    ),
    # Post-operative, newly confused: RR 18 (0), SpO2 96 (0), air (0), BP 105 (1), pulse 88 (0),
    # new confusion (3), 36.4 (0) = 4 with a red parameter: low-medium, hourly.
    (
        {
            "respiratory_rate": 18,
            "spo2": 96,
            "on_oxygen": False,
            "systolic": 105,
            "pulse": 88,
            "consciousness": "C",
            "temperature_c": 36.4,
        },
        4,
        "low-medium",
        "hourly",
    ),
    # Steady: RR 14, SpO2 97, air, BP 124, pulse 76, alert, 36.9 = 0.
    (
        {
            "respiratory_rate": 14,
            "spo2": 97,
            "on_oxygen": False,
            "systolic": 124,
            "pulse": 76,
            "consciousness": "A",
            "temperature_c": 36.9,
        },
        0,
        "low",
        "12-hourly",
    ),
]


@pytest.mark.parametrize(("readings", "total", "risk", "frequency"), EXAMPLES)
def test_worked_examples_score_as_by_hand(readings, total, risk, frequency):
    score = news2.news2_of(readings)

    assert (score.score, score.risk, score.frequency) == (total, risk, frequency)
    assert score.complete


def test_a_set_recorded_before_air_and_acvpu_were_asked_says_it_is_from_5_of_7():
    score = news2.news2_of(NORMAL | {"on_oxygen": None, "consciousness": ""})

    assert (score.score, score.parameters, score.complete) == (0, 5, False)


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
