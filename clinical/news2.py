"""NEWS2 (the National Early Warning Score 2) of a set of vitals, and how often the next set is due.

Source: Royal College of Physicians, "National Early Warning Score (NEWS) 2: Standardising the
assessment of acute-illness severity in the NHS", updated report of a working party, London: RCP,
December 2017; chart 1 (the scoring system), chart 2 (the observation chart: SpO2 scale 2) and
chart 4 (clinical response: the minimum frequency of monitoring):

    total 0                                  -> at least every 12 hours
    total 1-4                                -> at least every 4-6 hours (HMS takes 4)
    total 5-6, or 3 in any single parameter  -> at least every hour
    total 7 or more                          -> continuous monitoring

The seven parameters: respiration rate, SpO2 (scale 1, or scale 2 when a clinician has set a
target of 88-92% for hypercapnic respiratory failure), air or oxygen, systolic blood pressure,
pulse, consciousness (ACVPU: Alert scores 0; new Confusion, Voice, Pain, Unresponsive score 3)
and temperature. A set scores from the parameters it holds; `News2.parameters` says how many of
the seven that was (sets recorded before HMS asked for air/oxygen and ACVPU hold five), so
nobody mistakes a partial score for the full chart.

HMS records vitals as discrete sets, so "continuous" reads here as a set due every
CONTINUOUS_MINUTES.

An incomplete set (fewer than the seven) is a lower bound, never a reassurance (RCP 2017: the
score and its response are of the full chart; a missing parameter is not a normal one): its
score shows as "≥ N", it never shows lower than the latest complete set before it, and it never
makes the next set due later than that complete set's schedule, nor, alone, 12-hourly
(`standing`, `next_due`; docs/DECISIONS.md, "An incomplete NEWS2 set is a lower bound").
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

# "Continuous" monitoring, as a deadline for the next recorded set.
CONTINUOUS_MINUTES = 15
# The measured readings: a set holding none of them (a weight alone) is no observation round.
MEASURED = ("respiratory_rate", "spo2", "systolic", "pulse", "temperature_c")
# The chart's seven parameters, as Vitals field names, in the chart's order.
SCORED = (
    "respiratory_rate",
    "spo2",
    "on_oxygen",
    "systolic",
    "pulse",
    "consciousness",
    "temperature_c",
)
# Every Vitals field the score reads (the SpO2 scale in force when the set was taken included).
FIELDS = (*SCORED, "spo2_scale")
CHART_PARAMETERS = len(SCORED)
# ACVPU: only Alert scores 0 (chart 1); new confusion scores as Voice, Pain or Unresponsive do.
ALERT = "A"
# Thresholds of chart 4 (and of who HMS alerts: clinical.services.vitals).
URGENT_TOTAL = 5
EMERGENCY_TOTAL = 7
# The responses in rising order: a set alerts anew when its response outranks the waiting alert's.
RESPONSE_RANK = {"": 0, "urgent": 1, "emergency": 2}


def _band(value: Decimal, bands: list[tuple[Decimal | None, int]]) -> int:
    """The score of the first band whose upper bound (inclusive) holds `value`; None: no bound."""
    for upper, points in bands:
        if upper is None or value <= upper:
            return points
    raise ValueError("The last band must be open-ended.")


def _d(number) -> Decimal:
    return Decimal(str(number))


# Chart 1, parameter by parameter: (inclusive upper bound, score), lowest values first.
BANDS: dict[str, list[tuple[Decimal | None, int]]] = {
    "respiratory_rate": [(_d(8), 3), (_d(11), 1), (_d(20), 0), (_d(24), 2), (None, 3)],
    "spo2": [(_d(91), 3), (_d(93), 2), (_d(95), 1), (None, 0)],
    "systolic": [(_d(90), 3), (_d(100), 2), (_d(110), 1), (_d(219), 0), (None, 3)],
    "pulse": [(_d(40), 3), (_d(50), 1), (_d(90), 0), (_d(110), 1), (_d(130), 2), (None, 3)],
    "temperature_c": [(_d(35.0), 3), (_d(36.0), 1), (_d(38.0), 0), (_d(39.0), 1), (None, 2)],
}
# SpO2 scale 2 (target 88-92%): below 88 as on scale 1's shape; 88 and above scores 0 on air,
# and on oxygen climbs again from 93 (over-oxygenation is the danger in hypercapnic failure).
SPO2_SCALE_2_LOW: list[tuple[Decimal | None, int]] = [
    (_d(83), 3),
    (_d(85), 2),
    (_d(87), 1),
    (None, 0),
]
SPO2_SCALE_2_ON_OXYGEN: list[tuple[Decimal | None, int]] = [
    (_d(92), 0),
    (_d(94), 1),
    (_d(96), 2),
    (None, 3),
]
OXYGEN_POINTS = 2


@dataclass(frozen=True)
class News2:
    score: int
    # A 3 in any single parameter: at least hourly observations, whatever the total.
    red_parameter: bool
    # How many of the chart's seven parameters the score was taken from.
    parameters: int
    # The points of each parameter held, by Vitals field name (for the vitals table's cells).
    points: tuple[tuple[str, int], ...] = ()
    # The score of the latest complete set this (incomplete) standing was raised to, if any.
    complete_score: int | None = None

    @property
    def complete(self) -> bool:
        return self.parameters == CHART_PARAMETERS

    @property
    def at_least(self) -> bool:
        """The score is a lower bound: parameters are missing, each may add points."""
        return not self.complete

    @property
    def interval(self) -> timedelta:
        """The longest gap allowed before the next set (chart 4)."""
        if self.score >= EMERGENCY_TOTAL:
            return timedelta(minutes=CONTINUOUS_MINUTES)
        if self.score >= URGENT_TOTAL or self.red_parameter:
            return timedelta(hours=1)
        if self.score >= 1 or not self.complete:  # an incomplete 0 is no proven 0
            return timedelta(hours=4)
        return timedelta(hours=12)

    @property
    def frequency(self) -> str:
        """The monitoring frequency in the chart's words."""
        if self.score >= EMERGENCY_TOTAL:
            return "continuous"
        if self.score >= URGENT_TOTAL or self.red_parameter:
            return "hourly"
        if self.score >= 1 or not self.complete:  # an incomplete 0 is no proven 0
            return "4-hourly"
        return "12-hourly"

    @property
    def risk(self) -> str:
        """The chart's clinical risk: low, low-medium (a red parameter), medium or high."""
        if self.score >= EMERGENCY_TOTAL:
            return "high"
        if self.score >= URGENT_TOTAL:
            return "medium"
        if self.red_parameter:
            return "low-medium"
        return "low"

    @property
    def response(self) -> str:
        """Who must hear of it (chart 4 and HMS's routing): "emergency" (7 or more), "urgent"
        (5-6 or a red parameter) or "" (the ward's own routine)."""
        if self.score >= EMERGENCY_TOTAL:
            return "emergency"
        if self.score >= URGENT_TOTAL or self.red_parameter:
            return "urgent"
        return ""


def _spo2_points(spo2, *, scale: int, on_oxygen: bool | None) -> int:
    value = _d(spo2)
    if scale != 2:
        return _band(value, BANDS["spo2"])
    if value < 88 or not on_oxygen:  # an unknown supply scores as air: it can only under-score
        return _band(value, SPO2_SCALE_2_LOW)
    return _band(value, SPO2_SCALE_2_ON_OXYGEN)


def _side(value: Decimal, bands: list[tuple[Decimal | None, int]]) -> str:
    """'low' or 'high' when `value` scores points (below or above the band scoring 0), else ''."""
    seen_zero = False
    for upper, points in bands:
        if upper is None or value <= upper:
            return "" if points == 0 else ("high" if seen_zero else "low")
        seen_zero = seen_zero or points == 0
    raise ValueError("The last band must be open-ended.")


def reading_flag(name: str, value, *, spo2_scale: int = 1, on_oxygen: bool | None = None) -> str:
    """'low', 'high' or '' for one reading NEWS2 scores (a name of BANDS): flagged exactly when
    it scores points, so the vitals table agrees with the chart. On scale 2 the 88-92% target is
    no low; on oxygen 93% and above is high."""
    number = _d(value)
    if name != "spo2" or spo2_scale != 2:
        return _side(number, BANDS[name])
    if number < 88 or not on_oxygen:
        return _side(number, SPO2_SCALE_2_LOW)
    return _side(number, SPO2_SCALE_2_ON_OXYGEN)


def parameter_points(values: dict) -> dict[str, int]:
    """The points of each chart parameter `values` holds (a dict of Vitals field names: the five
    readings, "on_oxygen" True/False/None, "consciousness" "A"/"C"/"V"/"P"/"U"/"" and
    "spo2_scale" 1 or 2, 1 when absent)."""
    points = {
        name: _band(_d(values[name]), BANDS[name])
        for name in ("respiratory_rate", "systolic", "pulse", "temperature_c")
        if values.get(name) is not None
    }
    if values.get("spo2") is not None:
        points["spo2"] = _spo2_points(
            values["spo2"], scale=values.get("spo2_scale") or 1, on_oxygen=values.get("on_oxygen")
        )
    if values.get("on_oxygen") is not None:
        points["on_oxygen"] = OXYGEN_POINTS if values["on_oxygen"] else 0
    if values.get("consciousness"):
        points["consciousness"] = 0 if values["consciousness"] == ALERT else 3
    return points


def news2_of(values: dict) -> News2 | None:
    """The NEWS2 of one set of readings (a dict of Vitals field names to values: see
    parameter_points), from the parameters it holds; None when it holds no measured reading (a
    weight alone, or air and alert alone, is no observation round)."""
    if all(values.get(name) is None for name in MEASURED):
        return None
    points = parameter_points(values)
    return News2(
        score=sum(points.values()),
        red_parameter=any(score == 3 for score in points.values()),
        parameters=len(points),
        points=tuple((name, points[name]) for name in SCORED if name in points),
    )


def standing(latest: News2 | None, complete: News2 | None) -> News2 | None:
    """What a patient's NEWS2 stands at for the lists, the bed board and the banners, from their
    latest scored set and the latest complete set at or before it (None: none). A complete
    latest set stands as it is; an incomplete one stands at least as high as that complete set:
    the higher score, a red parameter if either had one, still marked incomplete."""
    if latest is None or latest.complete or complete is None or not complete.complete:
        return latest
    if complete.score <= latest.score and (latest.red_parameter or not complete.red_parameter):
        return latest
    return News2(
        score=max(latest.score, complete.score),
        red_parameter=latest.red_parameter or complete.red_parameter,
        parameters=latest.parameters,
        points=latest.points,
        complete_score=complete.score,
    )


def next_due(
    *,
    last_at: datetime | None,
    news2: News2 | None,
    admitted_at: datetime,
    complete_at: datetime | None = None,
    complete: News2 | None = None,
) -> datetime:
    """When the next set of observations is due: on admission when none was scored since, else
    the last scored set's time plus its NEWS2 interval. An incomplete last set (whose own
    interval is never 12-hourly) never makes it later than the schedule of the latest complete
    set of the stay (`complete_at`, `complete`); it makes it sooner when its own points ask."""
    if last_at is None or news2 is None or last_at < admitted_at:
        return admitted_at
    due = last_at + news2.interval
    of_the_stay = complete_at is not None and complete_at >= admitted_at
    if not news2.complete and complete is not None and of_the_stay:
        due = min(due, complete_at + complete.interval)
    return due
