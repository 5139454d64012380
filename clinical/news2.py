"""NEWS2 (the National Early Warning Score 2) of a set of vitals, and how often the next set is due.

Source: Royal College of Physicians, "National Early Warning Score (NEWS) 2: Standardising the
assessment of acute-illness severity in the NHS", updated report of a working party, London: RCP,
December 2017; chart 1 (the scoring system) and chart 4 (clinical response: the minimum
frequency of monitoring):

    total 0                                  -> at least every 12 hours
    total 1-4                                -> at least every 4-6 hours (HMS takes 4)
    total 5-6, or 3 in any single parameter  -> at least every hour
    total 7 or more                          -> continuous monitoring

HMS records vitals as discrete sets, so "continuous" reads here as a set due every
CONTINUOUS_MINUTES. The vitals record holds no "air or oxygen" and no consciousness (ACVPU)
field: a set is scored as on air and alert, which can only under-score it; the ward sees "NEWS2
from 5 of 7 parameters" so nobody mistakes it for the full chart. SpO2 is scored on scale 1 (scale
2 is for a prescribed target of 88-92% in hypercapnic respiratory failure, which HMS does not
record either).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

# "Continuous" monitoring, as a deadline for the next recorded set.
CONTINUOUS_MINUTES = 15
# The parameters HMS scores, of the chart's seven (air/oxygen and consciousness are not recorded).
SCORED = ("respiratory_rate", "spo2", "systolic", "pulse", "temperature_c")
CHART_PARAMETERS = 7


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


@dataclass(frozen=True)
class News2:
    score: int
    # A 3 in any single parameter: at least hourly observations, whatever the total.
    red_parameter: bool
    # How many of the chart's seven parameters the score was taken from.
    parameters: int

    @property
    def interval(self) -> timedelta:
        """The longest gap allowed before the next set (chart 4)."""
        if self.score >= 7:
            return timedelta(minutes=CONTINUOUS_MINUTES)
        if self.score >= 5 or self.red_parameter:
            return timedelta(hours=1)
        if self.score >= 1:
            return timedelta(hours=4)
        return timedelta(hours=12)

    @property
    def frequency(self) -> str:
        """The monitoring frequency in the chart's words."""
        if self.score >= 7:
            return "continuous"
        if self.score >= 5 or self.red_parameter:
            return "hourly"
        if self.score >= 1:
            return "4-hourly"
        return "12-hourly"

    @property
    def risk(self) -> str:
        """The chart's clinical risk: low, low-medium (a red parameter), medium or high."""
        if self.score >= 7:
            return "high"
        if self.score >= 5:
            return "medium"
        if self.red_parameter:
            return "low-medium"
        return "low"


def news2_of(values: dict) -> News2 | None:
    """The NEWS2 of one set of readings (a dict of Vitals field names to values), from the
    parameters it holds; None when it holds none of them (a weight alone is no observation)."""
    points = {
        name: _band(_d(values[name]), BANDS[name])
        for name in SCORED
        if values.get(name) is not None
    }
    if not points:
        return None
    # The two unrecorded parameters count as on air (0) and alert (0).
    return News2(
        score=sum(points.values()),
        red_parameter=any(score == 3 for score in points.values()),
        parameters=len(points),
    )


def next_due(*, last_at: datetime | None, news2: News2 | None, admitted_at: datetime) -> datetime:
    """When the next set of observations is due: on admission when none was scored since, else
    the last scored set's time plus its NEWS2 interval."""
    if last_at is None or news2 is None or last_at < admitted_at:
        return admitted_at
    return last_at + news2.interval
