"""Downtime and the department's figures, worked out by hand from a machine's status history with
the clock frozen: hours not operational across the period's edges, availability, failures, MTBF,
MTTR, preventive maintenance on time and requests open at the end."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Q

from accounts.models import Department
from engineering import downtime, services
from engineering.models import Machine, MachineStatusChange
from tests.engineering.conftest import register

NAIROBI = ZoneInfo("Africa/Nairobi")
HOURS = 3600
# The period: 10 to 14 November 2026, both days included: [10 Nov 00:00, 15 Nov 00:00), 120 h.
START, END = downtime.period_of_days(date(2026, 11, 10), date(2026, 11, 14))
AFTER = datetime(2026, 11, 20, 9, tzinfo=NAIROBI)


def at(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=NAIROBI)


def change(staff, machine, moment: datetime, to_status: str) -> None:
    """The engineer changes the status as it happens, at `moment`."""
    with time_machine.travel(moment, tick=False):
        services.machine_status_change(
            actor=staff.engineer, machine=machine, to_status=to_status, reason="as it happened"
        )


def report(**kwargs) -> downtime.DowntimeReport:
    return downtime.downtime_report(start=START, end=END, now=kwargs.pop("now", AFTER), **kwargs)


@pytest.fixture
def xray(staff):
    """An X-ray unit in the register since 1 November, with a failure before the period that is
    repaired inside it, one inside it, planned maintenance, and one that runs past its end."""
    with time_machine.travel(at(1, 8), tick=False):
        machine = register(staff.engineer, tag="XR-1", department=radiology())
    change(staff, machine, at(9, 20), "out_of_order")  # F1, before the period
    change(staff, machine, at(10, 6), "maintenance")  # still being repaired
    change(staff, machine, at(10, 12), "operational")  # F1 restored: 16 h
    change(staff, machine, at(12, 0), "out_of_order")  # F2
    change(staff, machine, at(12, 6), "operational")  # F2 restored: 6 h
    change(staff, machine, at(12, 18), "maintenance")  # planned: down, no failure
    change(staff, machine, at(13, 0), "operational")
    change(staff, machine, at(14, 20), "out_of_order")  # F3, runs past the period's end
    change(staff, machine, at(16, 10), "operational")
    return machine


def radiology() -> Department:
    return Department.objects.get_or_create(code="RAD", defaults={"name": "Radiology"})[0]


def test_downtime_across_the_periods_edges_worked_out_by_hand(xray):
    figures = report(machine_ids=[xray.pk]).total

    # Down: 10 Nov 00–12 (F1's end) 12 h, 12 Nov 00–06 6 h, 12 Nov 18–24 6 h, 14 Nov 20–24 4 h.
    assert figures.observed == 120 * HOURS
    assert figures.down == 28 * HOURS
    assert figures.availability == pytest.approx(100 * 92 / 120)  # 76.7 %
    # F1 began before the period; F2 and F3 inside it; maintenance is no failure.
    assert figures.failures == 2
    assert figures.mtbf_hours == pytest.approx(92 / 2)  # 46 h operational per failure
    # Restored inside the period: F1 (16 h, counted whole) and F2 (6 h); F3 only after it.
    assert figures.restorations == 2
    assert figures.mttr_hours == pytest.approx((16 + 6) / 2)  # 11 h


def test_a_period_still_running_counts_up_to_now(xray):
    figures = report(machine_ids=[xray.pk], now=at(12, 3)).total

    # Observed 10 Nov 00:00 to 12 Nov 03:00 (51 h); down 12 h then 3 h of F2.
    assert figures.observed == 51 * HOURS
    assert figures.down == 15 * HOURS
    assert (figures.failures, figures.restorations) == (1, 1)
    assert figures.mttr_hours == pytest.approx(16)


def test_a_failure_spanning_the_whole_period_is_all_down_and_no_failure_of_it(staff):
    with time_machine.travel(at(1, 8), tick=False):
        machine = register(staff.engineer, tag="CT-1")
    change(staff, machine, at(8, 9), "out_of_order")
    change(staff, machine, at(17, 9), "operational")

    figures = report(machine_ids=[machine.pk]).total

    assert figures.down == figures.observed == 120 * HOURS
    assert figures.availability == 0
    assert (figures.failures, figures.restorations) == (0, 0)
    assert figures.mtbf_hours is None and figures.mttr_hours is None


def test_a_machine_installed_mid_period_counts_from_its_first_entry(staff):
    with time_machine.travel(at(12, 8), tick=False):
        machine = register(staff.engineer, tag="US-1", installed_date=date(2026, 11, 12))
    change(staff, machine, at(13, 8), "out_of_order")
    change(staff, machine, at(13, 20), "operational")

    figures = report(machine_ids=[machine.pk]).total

    # In the register from 12 Nov 08:00 to 15 Nov 00:00: 64 h, of which 12 h out of order.
    assert figures.observed == 64 * HOURS
    assert figures.down == 12 * HOURS
    assert figures.availability == pytest.approx(100 * 52 / 64)  # 81.25 %
    assert figures.failures == 1 and figures.mtbf_hours == pytest.approx(52)
    assert figures.mttr_hours == pytest.approx(12)


def test_a_machine_entered_after_the_period_is_not_observed(staff):
    with time_machine.travel(at(18, 8), tick=False):
        machine = register(staff.engineer, tag="NEW-1")

    figures = report(machine_ids=[machine.pk]).total

    assert figures.observed == 0 and figures.availability is None


def test_a_back_dated_correction_counts_where_it_took_effect(staff):
    with time_machine.travel(at(1, 8), tick=False):
        machine = register(staff.engineer, tag="ECG-1")
    change(staff, machine, at(11, 10), "out_of_order")  # reported down at 10:00 …
    with time_machine.travel(at(11, 12), tick=False):  # … it really stopped at 07:30
        services.machine_status_change(
            actor=staff.engineer,
            machine=machine,
            to_status="out_of_order",
            reason="stopped earlier",
            effective_at=datetime(2026, 11, 11, 7, 30, tzinfo=NAIROBI),
        )
    change(staff, machine, at(11, 14), "operational")

    figures = report(machine_ids=[machine.pk]).total

    assert figures.down == 6.5 * HOURS
    assert figures.failures == 1  # the 10:00 entry repeats the status: no second failure
    assert figures.mttr_hours == pytest.approx(6.5)


def test_a_department_adds_its_machines_times_not_their_percentages(staff, xray):
    with time_machine.travel(at(1, 8), tick=False):
        second = register(staff.engineer, tag="XR-2", department=radiology())
        elsewhere = register(staff.engineer, tag="PUMP-1")
    change(staff, second, at(11, 0), "out_of_order")
    change(staff, second, at(11, 12), "operational")

    whole = report()

    by_department = dict(whole.departments)
    rad = by_department["Radiology"]
    assert rad.machines == 2 and rad.observed == 240 * HOURS
    assert rad.down == (28 + 12) * HOURS
    assert rad.availability == pytest.approx(100 * 200 / 240)
    assert rad.failures == 3 and rad.mtbf_hours == pytest.approx(200 / 3)
    assert rad.mttr_hours == pytest.approx((16 + 6 + 12) / 3)
    assert by_department[downtime.NO_DEPARTMENT].availability == 100
    assert whole.total.machines == 3 and whole.total.down == rad.down
    assert [row.asset_tag for row in whole.machines] == ["XR-1", "XR-2", "PUMP-1"]
    assert report(department_id=radiology().pk).total.machines == 2
    assert elsewhere.pk not in {row.machine_id for row in report(machine_ids=[xray.pk]).machines}


def test_pm_compliance_counts_those_done_by_their_due_date(staff):
    def pump(tag: str, serviced: date):
        with time_machine.travel(at(1, 8), tick=False):
            machine = register(staff.engineer, tag=tag, last_serviced_date=serviced)
            services.pm_plan_save(
                actor=staff.engineer, machine=machine, pm_interval_days=30, steps=[]
            )
        return machine

    pump("ON-TIME", date(2026, 10, 12))  # due 11 Nov, done 10 Nov
    pump("LATE", date(2026, 10, 13))  # due 12 Nov, done 14 Nov
    pump("UNDONE", date(2026, 10, 15))  # due 14 Nov, still not done
    pump("LATER", date(2026, 10, 17))  # due 16 Nov: outside the period
    with time_machine.travel(at(9, 8), tick=False):
        made = {w.machine.asset_tag: w for w in services.pm_work_orders_create()}

    for tag, day in [("ON-TIME", 10), ("LATE", 14)]:
        with time_machine.travel(at(day, 15), tick=False):
            services.pm_complete(actor=staff.engineer, work_order=made[tag], outcomes=[])

    figures = report().total
    still_running = report(now=at(13, 9)).total

    assert (figures.pm_on_time, figures.pm_due) == (1, 3)
    assert figures.pm_compliance == pytest.approx(100 / 3)
    # On 13 Nov: the one due 12 Nov is late, the one due 14 Nov cannot be late yet.
    assert (still_running.pm_on_time, still_running.pm_due) == (1, 2)


def test_open_requests_are_counted_by_their_age_at_the_periods_end(staff, xray):
    def fault(moment: datetime, resolved: datetime | None = None):
        with time_machine.travel(moment, tick=False):
            request = services.fault_request_raise(
                actor=staff.nurse, machine=xray, description="Noise", unusable=False
            )
            work_order = services.fault_request_take(actor=staff.engineer, fault_request=request)
        if resolved:
            with time_machine.travel(resolved, tick=False):
                services.work_order_resolve(
                    actor=staff.engineer, work_order=work_order, resolution="Fixed"
                )

    fault(at(1, 12))  # open 13.5 days at the end
    fault(at(5, 9), resolved=at(9, 9))  # resolved before the end
    fault(at(13, 10), resolved=at(16, 9))  # resolved only after the end: open then, 1.6 days
    fault(at(14, 12))  # 12 hours
    fault(at(16, 12))  # raised after the end

    figures = report(machine_ids=[xray.pk]).total

    assert figures.open_by_age == [1, 1, 1, 0]
    assert figures.open_requests == 3


def test_the_csv_has_the_hospital_each_department_and_machine(staff, xray):
    with time_machine.travel(at(1, 8), tick=False):
        register(staff.engineer, tag="EVIL-1", name="=HYPERLINK(1)")

    rows = downtime.csv_rows(report())

    assert rows[0][:8] == [
        "scope",
        "department",
        "asset tag",
        "machine",
        "machines",
        "hours observed",
        "hours down",
        "availability %",
    ]
    assert rows[1][:8] == ["hospital", "", "", "", 2, "240.00", "28.00", "88.33"]
    assert [row[:2] for row in rows[2:4]] == [
        ["department", "Radiology"],
        ["department", "No department"],
    ]
    xr = next(row for row in rows if row[2] == "XR-1")
    assert xr[6:12] == ["28.00", "76.67", 2, "46.00", 2, "11.00"]
    assert next(row for row in rows if row[2] == "EVIL-1")[3] == "'=HYPERLINK(1)"


def test_the_report_needs_four_queries_whatever_the_history(staff, xray, django_assert_num_queries):
    with django_assert_num_queries(4):
        downtime.downtime_reports(
            periods=[(START, END), (START - timedelta(days=30), END)], now=AFTER
        )


def test_a_machine_already_loaded_is_not_read_again(xray, django_assert_num_queries):
    """A machine's page hands its machine over: the same figures, in three queries."""
    from engineering.selectors import machine_with_department

    machine = machine_with_department(xray.pk)
    periods = [(START, END), (START - timedelta(days=30), END)]
    with django_assert_num_queries(3):
        given = downtime.downtime_reports(periods=periods, now=AFTER, machine=machine)
    by_id = downtime.downtime_reports(periods=periods, now=AFTER, machine_ids=[xray.pk])

    assert [r.machines for r in given] == [r.machines for r in by_id]
    assert given[0].total.down == 28 * HOURS and given[0].machines[0].department == "Radiology"


# --- a long history --------------------------------------------------------------------------


def on(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=NAIROBI)


def background() -> list[tuple[datetime, str]]:
    """Four months of breakdowns and maintenance before the period, ending Operational."""
    cycle = ["operational", "out_of_order", "maintenance", "operational", "out_of_order"]
    days = [on(6, 1) + timedelta(days=3 * n, hours=n % 7) for n in range(40)]
    return [(moment, cycle[n % 5]) for n, moment in enumerate(days)] + [(on(9, 30), "operational")]


# Each machine's history, in the order the entries were written (ties: the later entry wins).
LONG_HISTORIES = {
    # Out of order since before the period with maintenance between, the failure that restoration
    # ends the one re-entered on 8 Oct.
    "LONG-OUT": [
        *background(),
        (on(10, 1, 8), "out_of_order"),
        (on(10, 5), "maintenance"),
        (on(10, 8), "out_of_order"),
        (on(11, 9, 12), "maintenance"),
        (on(11, 11), "operational"),
    ],
    # Entered the register out of order and never operational before the period.
    "NEVER-UP": [
        (on(6, 1), "out_of_order"),
        (on(8, 1), "maintenance"),
        (on(8, 3), "out_of_order"),
        (on(8, 5), "out_of_order"),
        (on(11, 9), "maintenance"),
        (on(11, 12), "operational"),
    ],
    # Entered out of order and only repeated it: no failure, so nothing restored.
    "OUT-FROM-START": [
        (on(6, 1), "out_of_order"),
        (on(9, 1), "out_of_order"),
        (on(11, 11, 6), "operational"),
    ],
    # Restored before the period, then planned maintenance across its start and a failure in it.
    "RESTORED": [
        *background(),
        (on(10, 1), "out_of_order"),
        (on(10, 2), "operational"),
        (on(11, 9), "maintenance"),
        (on(11, 10, 6), "operational"),
        (on(11, 12), "out_of_order"),
        (on(11, 12, 6), "operational"),
    ],
    # A failure before the period, under maintenance until inside it.
    "MAINT-AFTER": [
        *background(),
        (on(10, 1), "out_of_order"),
        (on(10, 2), "maintenance"),
        (on(11, 10, 6), "operational"),
    ],
    # A correction at the same moment as the operational entry before it: out of order wins.
    "TIE": [
        *background(),
        (on(10, 1), "operational"),
        (on(10, 1), "out_of_order"),
        (on(11, 11), "operational"),
    ],
    "QUIET": [(on(6, 1), "operational")],
    "INSTALLED-LATER": [
        (on(6, 1), "operational"),
        (on(11, 12), "out_of_order"),
        (on(11, 12, 12), "operational"),
    ],
    "NO-HISTORY": [],
    "LATER-ONLY": [(on(11, 18), "operational")],
}


@pytest.fixture
def long_histories(staff) -> dict[str, int]:
    """The machines of LONG_HISTORIES, their entries written straight to the history: {tag: pk}."""
    machines = Machine.objects.bulk_create(
        Machine(
            name=f"Machine {tag}",
            asset_tag=tag,
            machine_type="monitor",
            status="operational",
            status_since=on(6, 1),
            registered_at=on(6, 1),
            installed_date=date(2026, 11, 11) if tag == "INSTALLED-LATER" else None,
        )
        for tag in LONG_HISTORIES
    )
    MachineStatusChange.objects.bulk_create(
        MachineStatusChange(
            machine=machine,
            to_status=to_status,
            effective_at=moment,
            recorded_at=moment,
            reason="as it happened",
        )
        for machine, entries in zip(machines, LONG_HISTORIES.values(), strict=True)
        for moment, to_status in entries
    )
    return {machine.asset_tag: machine.pk for machine in machines}


def hours(figures: downtime.Figures) -> tuple:
    return (
        figures.observed / HOURS,
        figures.down / HOURS,
        figures.failures,
        figures.restorations,
        figures.restoration_time / HOURS,
    )


def test_a_long_history_before_the_period_gives_the_figures_worked_out_by_hand(long_histories):
    figures = {row.asset_tag: hours(row.figures) for row in report().machines}

    # (observed h, down h, failures, restorations, hours to restore them)
    assert figures == {
        "LONG-OUT": (120, 24, 0, 1, 34 * 24),  # out of order again since 8 Oct
        "NEVER-UP": (120, 48, 0, 1, 101 * 24),  # the failure of 3 Aug
        "OUT-FROM-START": (120, 30, 0, 0, 0),
        "RESTORED": (120, 12, 1, 1, 6),
        "MAINT-AFTER": (120, 6, 0, 1, 40 * 24 + 6),
        "TIE": (120, 24, 0, 1, 41 * 24),
        "QUIET": (120, 0, 0, 0, 0),
        "INSTALLED-LATER": (96, 12, 1, 1, 12),
        "NO-HISTORY": (0, 0, 0, 0, 0),
        "LATER-ONLY": (0, 0, 0, 0, 0),
    }


def test_a_long_history_gives_the_same_figures_for_each_of_several_periods(long_histories):
    month_before = (START - timedelta(days=30), END)

    short, longer = downtime.downtime_reports(periods=[(START, END), month_before], now=AFTER)

    assert {row.asset_tag: hours(row.figures) for row in short.machines} == {
        row.asset_tag: hours(row.figures) for row in report().machines
    }
    # From 11 Oct: 35 days, 840 h.
    assert {row.asset_tag: hours(row.figures) for row in longer.machines} == {
        "LONG-OUT": (840, 744, 0, 1, 34 * 24),  # down all but the last 4 days
        "NEVER-UP": (840, 768, 0, 1, 101 * 24),
        "OUT-FROM-START": (840, 750, 0, 0, 0),
        "RESTORED": (840, 36, 1, 1, 6),  # maintenance 9–10 Nov, 30 h, and the failure
        "MAINT-AFTER": (840, 726, 0, 1, 40 * 24 + 6),
        "TIE": (840, 744, 0, 1, 41 * 24),
        "QUIET": (840, 0, 0, 0, 0),
        "INSTALLED-LATER": (96, 12, 1, 1, 12),
        "NO-HISTORY": (0, 0, 0, 0, 0),
        "LATER-ONLY": (0, 0, 0, 0, 0),
    }
    for tag, pk in long_histories.items():
        (alone,) = downtime.downtime_reports(periods=[month_before], now=AFTER, machine_ids=[pk])
        assert hours(alone.total) == next(
            hours(row.figures) for row in longer.machines if row.asset_tag == tag
        )


def test_only_the_history_from_each_machines_last_operational_entry_before_the_period_is_read(
    long_histories,
):
    read = list(downtime._history_to_walk(Q(), START, END))

    first_read = {}
    for machine_id, moment, _status in read:
        first_read.setdefault(machine_id, moment)
    tags = {pk: tag for tag, pk in long_histories.items()}
    assert {tags[pk]: moment for pk, moment in first_read.items()} == {
        "LONG-OUT": on(9, 30),
        "NEVER-UP": on(6, 1),  # never Operational before: all of it
        "OUT-FROM-START": on(6, 1),
        "RESTORED": on(10, 2),
        "MAINT-AFTER": on(9, 30),
        "TIE": on(10, 1),
        "QUIET": on(6, 1),
        "INSTALLED-LATER": on(6, 1),
    }
    # Four machines' months of background are left behind, and the entry after the period.
    assert sum(len(entries) for entries in LONG_HISTORIES.values()) == 195
    assert len(read) == 31
