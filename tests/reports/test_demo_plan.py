"""The plan of the demo's ninety days (reports.demo_plan), whatever day and hour the demo is
loaded: no bed planned for two patients at once, nothing after the history's end, every result
in before the discharge is ordered, and every ward type with discharges in the dashboard's last
30 days and last month and enough days for the forecast. Pure: no database."""

from datetime import datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from reports import demo_plan, forecast
from reports.period import preset_period

NAIROBI = ZoneInfo("Africa/Nairobi")
# The demo's beds the history may use (ward type -> bed ids), as on a fresh demo: the beds of
# the patients in bed now, the one being cleaned and the one in maintenance left out.
BEDS = {
    "icu": [2, 3, 4, 5, 6],
    "general": [7, 8, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26],
    "private": [27, 28, 29, 30, 31, 32, 33],
    "emergency": [36, 37, 38, 39, 40, 41],
}
TURNAROUND = {"RBS": 60, "UEC": 240, "ECG": 60, "CBC": 120, "BS-MPS": 60, "URINE": 120}
TURNAROUND |= {"US-ABD": 1440, "CT-HEAD": 240, "XR-CHEST": 240}
# Loaded on every day of the week, at a month's start and end and over New Year, at night, in
# the morning and in the evening.
LOADED = [
    datetime(2026, month, day, tzinfo=NAIROBI) + timedelta(days=offset, hours=hour)
    for month, day in ((11, 28), (12, 28))
    for offset in range(7)
    for hour in (0.5, 9.25, 21)
]


def plan_at(now: datetime) -> demo_plan.HistoryPlan:
    return demo_plan.plan(today=now.date(), now=now, zone=NAIROBI, beds=BEDS, turnaround=TURNAROUND)


@pytest.mark.parametrize("now", LOADED, ids=lambda now: f"{now:%a-%d-%H%M}")
def test_no_bed_is_planned_for_two_patients_and_nothing_after_the_end(now):
    plan = plan_at(now)
    latest = now - demo_plan.LAST_GAP
    taken: dict[int, list] = {}

    for stay in plan.stays:
        for leg in stay.legs:
            taken.setdefault(leg.bed, []).append((leg.start, leg.cleaned_at))
        assert all(a.end == b.start for a, b in pairwise(stay.legs)), stay
        assert stay.legs[-1].end == stay.discharged_at
        assert stay.legs[-1].start < stay.discharge_ordered_at < stay.discharged_at
        assert all(t.verified_at < stay.discharge_ordered_at for t in stay.tests), stay
        assert max(leg.cleaned_at for leg in stay.legs) <= latest
    for visit in plan.visits:
        assert all(visit.paid_at < t.collected_at < t.verified_at <= latest for t in visit.tests)
    for bed, stretches in taken.items():
        stretches.sort()
        assert all(a[1] <= b[0] for a, b in pairwise(stretches)), bed


@pytest.mark.parametrize("now", LOADED, ids=lambda now: f"{now:%a-%d-%H%M}")
def test_every_ward_type_has_discharges_in_the_dashboards_periods_and_a_forecast(now):
    plan = plan_at(now)

    for preset in ("30d", "last_month"):
        period = preset_period(preset, now.date())
        left = {
            stay.legs[-1].kind
            for stay in plan.stays
            if period.starts_at <= stay.discharged_at < period.ends_before
        }
        tests = [t for s in plan.stays for t in s.tests] + [t for v in plan.visits for t in v.tests]
        verified = {t.code for t in tests if period.starts_at <= t.verified_at < period.ends_before}
        assert left == set(BEDS), (preset, left)
        assert len(verified) >= 6, (preset, verified)
    for kind in BEDS:
        first = min(leg.start for stay in plan.stays for leg in stay.legs if leg.kind == kind)
        assert (now.date() - first.date()).days > forecast.MIN_HISTORY, kind


@pytest.mark.parametrize("now", LOADED, ids=lambda now: f"{now:%a-%d-%H%M}")
def test_money_comes_in_on_most_days_of_the_dashboards_periods(now):
    plan = plan_at(now)
    # A deposit on admission, the rest of the bill at the discharge, a clinic visit paid.
    moments = [s.admitted_at for s in plan.stays] + [s.discharged_at for s in plan.stays]
    days = {moment.astimezone(NAIROBI).date() for moment in moments}
    days |= {visit.paid_at.astimezone(NAIROBI).date() for visit in plan.visits}

    for preset in ("30d", "last_month"):
        period = preset_period(preset, now.date())
        assert len(days & set(period.days)) >= 22, preset


def test_the_same_days_and_beds_make_the_same_plan():
    now = LOADED[4]

    first, again = plan_at(now), plan_at(now)

    assert first == again
    assert len(first.stays) > 40 and len(first.visits) > 30
    corrections = sorted(visit.correction for visit in first.visits if visit.correction)
    assert corrections == ["credit_note", "refund"]
