"""The dashboard's machine downtime: engineering.downtime's figures over the period's hospital
days, worked out by hand (a machine down across midnight and across the period's edge), the
machines down longest capped with a count and a link, and a constant number of queries."""

from datetime import date, datetime

import pytest
import time_machine
from django.template.loader import render_to_string

from accounts.models import Department
from engineering import services
from reports.metrics import downtime
from reports.period import ReportPeriod
from tests.engineering.conftest import register
from tests.engineering.test_downtime import NAIROBI

# 10 to 14 November 2026, hospital days: [10 Nov 00:00 EAT, 15 Nov 00:00 EAT), 120 h.
PERIOD = ReportPeriod(date(2026, 11, 10), date(2026, 11, 14))
NOW = datetime(2026, 11, 20, 9, tzinfo=NAIROBI)


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=NAIROBI)


def change(staff, machine, moment: datetime, to_status: str) -> None:
    with time_machine.travel(moment, tick=False):
        services.machine_status_change(
            actor=staff.engineer, machine=machine, to_status=to_status, reason="as it happened"
        )


def department(code: str, name: str) -> Department:
    return Department.objects.get_or_create(code=code, defaults={"name": name})[0]


def machine(staff, tag: str, dept: Department):
    with time_machine.travel(at(1, 8), tick=False):
        return register(staff.engineer, tag=tag, department=dept)


@pytest.fixture
def hospital(staff):
    """Radiology's X-ray down from 11 Nov 22:00 to 12 Nov 04:00 (across midnight) and again from
    9 Nov 20:00 to 10 Nov 02:00 (across the period's start); the lab's analyser down 14 Nov
    21:00 into the next period; radiology's ultrasound never down."""
    radiology, lab = department("RAD", "Radiology"), department("LAB", "Laboratory")
    xray = machine(staff, "XR-1", radiology)
    machine(staff, "US-1", radiology)
    analyser = machine(staff, "AN-1", lab)
    change(staff, xray, at(9, 20), "out_of_order")
    change(staff, xray, at(10, 2), "operational")  # 6 h restoration, 2 h of it in the period
    change(staff, xray, at(11, 22), "out_of_order")
    change(staff, xray, at(12, 4), "operational")  # 6 h across midnight
    change(staff, analyser, at(14, 21), "out_of_order")
    change(staff, analyser, at(16, 9), "operational")
    return xray, analyser


def compute():
    with time_machine.travel(NOW, tick=False):
        return downtime.compute(PERIOD)


def test_the_hospital_and_its_departments_worked_out_by_hand(hospital):
    result = compute()

    # X-ray: 10 Nov 00–02 (2 h) + 11 Nov 22 – 12 Nov 04 (6 h) = 8 h; analyser 14 Nov 21–24 = 3 h.
    assert result.total.hours_down == pytest.approx(11)
    # Observed: 3 machines × 120 h = 360 h; up 349 h.
    assert result.total.availability == pytest.approx(100 * 349 / 360)  # 96.9 %
    # Failures inside the period: the X-ray at 11 Nov 22:00 and the analyser at 14 Nov 21:00.
    assert result.total.failures == 2
    assert result.total.mtbf_hours == pytest.approx(349 / 2)
    # Restorations completed in the period: the X-ray's two, 6 h each (the first counted whole).
    assert result.total.mttr_hours == pytest.approx(6)
    departments = dict(result.report.departments)
    assert departments["Laboratory"].hours_down == pytest.approx(3)
    assert departments["Radiology"].hours_down == pytest.approx(8)
    assert departments["Radiology"].availability == pytest.approx(100 * 232 / 240)


def test_the_worst_machines_first_and_only_those_down(hospital):
    xray, analyser = hospital

    result = compute()

    assert [m.asset_tag for m in result.worst] == ["XR-1", "AN-1"]
    assert result.machines_not_shown == 1  # the ultrasound, never down
    chart = result.charts()[0]
    assert chart.labels == ["Laboratory", "Radiology"]
    assert chart.series[0].values == [3.0, 8.0]
    hospital_row = result.tables()[0].rows[0]
    assert hospital_row == ("Hospital", 3, 11.0, 96.9, 2, 174.5, 2, 6.0)


def test_a_long_list_is_capped_with_a_count_and_a_link_to_engineering(staff):
    radiology = department("RAD", "Radiology")
    for n in range(downtime.WORST_SHOWN + 2):
        unit = machine(staff, f"XR-{n:02d}", radiology)
        change(staff, unit, at(12, 0), "out_of_order")
        change(staff, unit, at(12, 1 + n), "operational")

    result = compute()
    html = render_to_string("reports/panels/downtime.html", {"result": result, "period": PERIOD})

    assert len(result.worst) == downtime.WORST_SHOWN
    assert result.worst[0].asset_tag == "XR-11"  # 12 h down, the longest
    assert "2 other machines not listed here" in html
    assert "/engineering/overview/?start=10/11/2026&amp;end=14/11/2026" in html


def test_an_empty_register_says_so(db):
    result = compute()
    html = render_to_string("reports/panels/downtime.html", {"result": result, "period": PERIOD})

    assert result.total.availability is None
    assert "No machine is in the register." in html


@pytest.mark.parametrize("first", [date(2026, 11, 14), date(2026, 10, 16)])
def test_four_queries_whatever_the_register_or_the_period(staff, first, django_assert_num_queries):
    period = ReportPeriod(first, date(2026, 11, 14))
    radiology = department("RAD", "Radiology")
    count = 0
    for size in (2, 12):
        for _ in range(size):
            unit = machine(staff, f"XR-{count:03d}", radiology)
            change(staff, unit, at(13, 0), "out_of_order")
            change(staff, unit, at(13, 5), "operational")
            count += 1

        with time_machine.travel(NOW, tick=False), django_assert_num_queries(4):
            result = downtime.compute(period)

        assert result.total.machines == count
