"""Downtime and the department's figures for a period, computed from the machines' status history:
one plain function (`downtime_report`) that the engineering overview, a machine's page, its CSV
and a later analytics dashboard all call.

For a period [start, end) (aware datetimes) and each machine:

- **Observed time**: the part of the period the machine was in the register, from the latest of
  the period's start, its history's first entry and the start of its installation day, to the
  earliest of the period's end and now. A machine installed (or entered) mid-period counts from
  then; before its first entry HMS knows nothing of its status.
- **Hours down**: observed time not Operational (IEC 60050-192-02-21 "down time": the item in a
  down state, maintenance time included). Under maintenance is not available, so it is down
  time too (DECISIONS, Engineering).
- **Availability %**: observed time Operational / observed time × 100 (IEC 60050-192's mean
  availability, measured: up time over up time plus down time; what CMMS tools call operational
  or achieved availability). None when nothing was observed.
- **Failures**: entries into Out of order inside the observed time, from Operational or Under
  maintenance (a machine entering the register out of order, or a repeated Out of order, is no
  new failure). Only Out of order is a failure; Under maintenance is not.
- **MTBF**, mean operating time between failures (IEC 60050-192; the usual CMMS estimate "total
  up time / number of breakdowns"): Operational hours observed / failures in the period. None
  without a failure.
- **MTTR**, mean time to restoration (IEC 60050-192 and IEC 61508: time to restoration includes
  detecting, waiting for a part or the vendor, repairing and putting back in use; not ISO 14224's
  "mean time to repair", which counts the repair alone): the mean, over the restorations
  *completed* in the period,
  of the time from entering Out of order to the next Operational entry (Under maintenance between
  them is still down). A restoration is counted whole in the period it ends in, even if the
  failure began before the period, and one still down at the period's end waits for the period
  it ends in; so a closed period's figure never changes. None without a restoration.
- **PM compliance %**: preventive-maintenance work orders done on or before their due date /
  those due in the period (the due day's start inside [start, end)). One due today or later and
  not done yet is not counted yet: it cannot be late. None when nothing was due.
- **Open requests by age** at the period's end (or now, if sooner): fault requests raised before
  then and not resolved by then, by how long they had been open: under a day, 1 to 7 days, 7 to
  30 days, over 30 days.

A department's and the hospital's figures add their machines' times and counts (availability is
total up time over total observed time, MTBF total up time over total failures), never average
the machines' percentages.

The cost is four queries whatever the number of machines or entries: the machines, the history
entries that bear on the period in one pass ordered by machine and effective time (those in it,
and before it only from each machine's last Operational entry on: `_history_to_walk`), the
preventive work orders due in the period, and the requests open at its end.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Case, F, Max, Q, QuerySet, When, Window
from django.utils import timezone

from engineering.models import (
    FaultRequest,
    Machine,
    MachineStatus,
    MachineStatusChange,
    WorkKind,
    WorkOrder,
)
from hms import params
from hms.prepared import Prepared
from hms.spreadsheet import spreadsheet_cell

HOUR = 3600.0
# Open requests' ages: (label, up to this many days).
AGE_BUCKETS = [("under 1 day", 1), ("1–7 days", 7), ("7–30 days", 30), ("over 30 days", None)]
NO_DEPARTMENT = "No department"


@dataclass
class Figures:
    """One machine's (or a sum of machines') downtime figures for a period: times in seconds."""

    machines: int = 0
    observed: float = 0.0
    down: float = 0.0
    failures: int = 0
    restorations: int = 0
    restoration_time: float = 0.0
    pm_due: int = 0
    pm_on_time: int = 0
    open_by_age: list[int] = field(default_factory=lambda: [0] * len(AGE_BUCKETS))

    def add(self, other: "Figures") -> None:
        self.machines += other.machines
        self.observed += other.observed
        self.down += other.down
        self.failures += other.failures
        self.restorations += other.restorations
        self.restoration_time += other.restoration_time
        self.pm_due += other.pm_due
        self.pm_on_time += other.pm_on_time
        self.open_by_age = [a + b for a, b in zip(self.open_by_age, other.open_by_age, strict=True)]

    @property
    def up(self) -> float:
        return self.observed - self.down

    @property
    def hours_observed(self) -> float:
        return self.observed / HOUR

    @property
    def hours_down(self) -> float:
        return self.down / HOUR

    @property
    def availability(self) -> float | None:
        """Up time over observed time, per cent; None when nothing was observed."""
        return 100 * self.up / self.observed if self.observed else None

    @property
    def mtbf_hours(self) -> float | None:
        """Operational hours per failure; None without a failure."""
        return self.up / self.failures / HOUR if self.failures else None

    @property
    def mttr_hours(self) -> float | None:
        """Mean hours from entering Out of order to Operational again, over the restorations
        completed in the period; None without one."""
        return self.restoration_time / self.restorations / HOUR if self.restorations else None

    @property
    def pm_compliance(self) -> float | None:
        """Preventive maintenance done on time over due, per cent; None when none was due."""
        return 100 * self.pm_on_time / self.pm_due if self.pm_due else None

    @property
    def open_requests(self) -> int:
        return sum(self.open_by_age)

    @property
    def open_ages(self) -> list[tuple[str, int]]:
        """(age label, how many requests) for each age."""
        return [(label, n) for (label, _), n in zip(AGE_BUCKETS, self.open_by_age, strict=True)]


@dataclass(frozen=True)
class MachineFigures:
    machine_id: int
    name: str
    asset_tag: str
    department: str
    figures: Figures


@dataclass(frozen=True)
class DowntimeReport:
    """The figures of a period: each machine's (the most hours down first), each department's
    (by name, machines with none last) and the hospital's."""

    start: datetime
    end: datetime
    machines: list[MachineFigures]
    departments: list[tuple[str, Figures]]
    total: Figures


FEW_MACHINES = 50
SHORT_PERIOD = timedelta(days=92)


def period_of_days(first: date, last: date) -> tuple[datetime, datetime]:
    """The period [first day's start, the day after `last`'s start) in the hospital's zone."""
    zone = params.hospital_zone()
    start = timezone.make_aware(datetime.combine(first, time.min), zone)
    end = timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min), zone)
    return start, end


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), params.hospital_zone())


def _clipped(a: datetime, b: datetime, lo: datetime, hi: datetime) -> float:
    """Seconds of [a, b) inside [lo, hi)."""
    return max((min(b, hi) - max(a, lo)).total_seconds(), 0.0)


def _history_figures(
    entries: list[tuple[datetime, str]], window: tuple[datetime, datetime], figures: Figures
) -> None:
    """Walk one machine's history (entries in effective order) once, adding the window's down
    time, failures and restorations to `figures`."""
    lo, hi = window
    status: str | None = None
    since: datetime | None = None
    outage_began: datetime | None = None
    for at, to_status in entries:
        if to_status == status:
            continue  # a correction that repeats the status: no change
        if status is not None and status != MachineStatus.OPERATIONAL:
            figures.down += _clipped(since, at, lo, hi)
        if to_status == MachineStatus.OUT_OF_ORDER and status is not None:
            outage_began = at
            if lo <= at < hi:
                figures.failures += 1
        elif to_status == MachineStatus.OPERATIONAL and outage_began is not None:
            if lo <= at < hi:
                figures.restorations += 1
                figures.restoration_time += (at - outage_began).total_seconds()
            outage_began = None
        status, since = to_status, at
    if status is not None and status != MachineStatus.OPERATIONAL:
        figures.down += _clipped(since, hi, lo, hi)


def _history_to_walk(scope: Q, earliest: datetime, latest: datetime) -> QuerySet:
    """The history entries that bear on the windows from `earliest` to `latest`, by machine and
    effective time: every entry in them, and of those before only each machine's last Operational
    entry and what followed it (all of them for a machine not Operational before).

    Walking from that entry gives the same status and open outage at `earliest` as walking the
    whole history, and an entry before `earliest` adds no time, failure or restoration; so the
    figures are the same while Python reads a few entries a machine, not two years of them (the
    overview: ~240 entries rather than 4,300 at 133 machines, issue 14). An entry effective at the
    same moment as that Operational one may be read too: it comes before it, so changes nothing.
    """
    last_operational = Window(
        Max(
            Case(
                When(
                    to_status=MachineStatus.OPERATIONAL,
                    effective_at__lt=earliest,
                    then="effective_at",
                )
            )
        ),
        partition_by=[F("machine_id")],
    )
    return (
        MachineStatusChange.objects.filter(scope, effective_at__lt=latest)
        .annotate(last_operational=last_operational)
        .filter(Q(last_operational__isnull=True) | Q(effective_at__gte=F("last_operational")))
        .order_by("machine_id", "effective_at", "id")
        .values_list("machine_id", "effective_at", "to_status")
    )


def _scope(machine_ids: Iterable[int] | None, department_id: int | None, prefix: str = "") -> Q:
    scope = Q()
    if machine_ids is not None:
        scope &= Q(**{f"{prefix}id__in": list(machine_ids)})
    if department_id is not None:
        scope &= Q(**{f"{prefix}department_id": department_id})
    return scope


def _age_bucket(opened: datetime, at: datetime) -> int:
    days = (at - opened).total_seconds() / 86400
    for n, (_label, limit) in enumerate(AGE_BUCKETS):
        if limit is None or days < limit:
            return n
    return len(AGE_BUCKETS) - 1


def _machine_rows(scope: Q) -> QuerySet:
    return (
        Machine.objects.filter(scope)
        .values_list("pk", "name", "asset_tag", "department__name", "installed_date")
        .order_by("pk")
    )


def _pm_rows(scope: Q, first_day: date, last_day: date) -> QuerySet:
    return WorkOrder.objects.filter(
        scope, kind=WorkKind.PREVENTIVE, pm_due_date__range=(first_day, last_day)
    ).values_list("machine_id", "pm_due_date", "resolved_at")


def _request_rows(scope: Q, latest: datetime, resolved_from: datetime) -> QuerySet:
    return (
        FaultRequest.objects.filter(scope, raised_at__lt=latest)
        .filter(
            Q(work_order__isnull=True)
            | Q(work_order__resolved_at__isnull=True)
            | Q(work_order__resolved_at__gte=resolved_from)
        )
        .values_list("machine_id", "raised_at", "work_order__resolved_at")
    )


_MOMENT, _LATER = datetime(2000, 1, 1, tzinfo=UTC), datetime(2000, 2, 1, tzinfo=UTC)
_DAY, _LATER_DAY = date(2000, 1, 1), date(2000, 2, 1)


def _prepared_pair(build, prefix: str, **stand_ins) -> dict[bool, Prepared]:
    """`build(scope, **values)` prepared for every machine (False) and for one department
    (True, given `department_id`; `prefix` leads from the rows to their machine)."""
    return {
        False: Prepared(lambda **values: build(Q(), **values), **stand_ins),
        True: Prepared(
            lambda department_id, **values: build(_scope(None, department_id, prefix), **values),
            department_id=-1,
            **stand_ins,
        ),
    }


# The overview reads the register's four queries on every load: for every machine or one
# department over a short period, compiled once (hms.prepared); other scopes go through the ORM.
_MACHINES = _prepared_pair(_machine_rows, "")
_HISTORY = _prepared_pair(_history_to_walk, "machine__", earliest=_MOMENT, latest=_LATER)
_PM_ROWS = _prepared_pair(_pm_rows, "machine__", first_day=_DAY, last_day=_LATER_DAY)
_REQUEST_ROWS = _prepared_pair(_request_rows, "machine__", latest=_LATER, resolved_from=_MOMENT)


def _read(prepared: dict[bool, Prepared], department_id: int | None, **values) -> list[tuple]:
    """The rows of a prepared pair as values_list gives them."""
    if department_id is None:
        rows = prepared[False].values(**values)
    else:
        rows = prepared[True].values(department_id=department_id, **values)
    return [tuple(row.values()) for row in rows]


def downtime_report(
    *,
    start: datetime,
    end: datetime,
    machine_ids: Iterable[int] | None = None,
    department_id: int | None = None,
    now: datetime | None = None,
) -> DowntimeReport:
    """The downtime figures of [start, end) (aware datetimes) for every machine of the register,
    or those of `machine_ids`, or of one department: per machine, per department and in all
    (definitions: this module's docstring). Four queries, whatever the numbers of machines and
    history entries. Read-only."""
    return downtime_reports(
        periods=[(start, end)], machine_ids=machine_ids, department_id=department_id, now=now
    )[0]


def downtime_reports(
    *,
    periods: list[tuple[datetime, datetime]],
    machine_ids: Iterable[int] | None = None,
    department_id: int | None = None,
    now: datetime | None = None,
    machine: Machine | None = None,
) -> list[DowntimeReport]:
    """downtime_report for several periods at once (a machine's page: the last 30 days and the
    last 12 months), in the same four queries; three for one `machine` already loaded with its
    department (instead of `machine_ids`)."""
    now = now or timezone.now()
    if machine is not None:
        machine_ids = [machine.pk]
    if machine_ids is not None:
        machine_ids = list(machine_ids)
    windows = [(start, end, min(end, now)) for start, end in periods]
    latest = max(until for _s, _e, until in windows)
    scope = _scope(machine_ids, department_id, "machine__")
    if machine is not None:
        department = machine.department.name if machine.department_id else None
        machines = [
            (machine.pk, machine.name, machine.asset_tag, department, machine.installed_date)
        ]
    elif machine_ids is None:
        machines = _read(_MACHINES, department_id)
    else:
        machines = list(_machine_rows(_scope(machine_ids, department_id)))
    figures = [{pk: Figures(machines=1) for pk, *_ in machines} for _ in windows]
    installed = {pk: day for pk, _n, _t, _d, day in machines}

    def settle(machine_id: int | None, entries: list[tuple[datetime, str]]) -> None:
        if machine_id not in installed or not entries:
            return
        # The first entry read is the history's first, or one before every window's start: then
        # the history began before too, and either gives each window the same start.
        began = entries[0][0]
        if installed[machine_id] is not None:
            began = max(began, _day_start(installed[machine_id]))
        for (start, _end, until), by_machine in zip(windows, figures, strict=True):
            lo = max(start, began)
            if lo < until:
                by_machine[machine_id].observed = (until - lo).total_seconds()
                _history_figures(entries, (lo, until), by_machine[machine_id])

    earliest = min(start for start, _e, _u in windows)
    # Thousands of machines' history over a long period streams through a server-side cursor; a
    # few machines' (a machine's page), or a short period's (the overview's month: about one
    # entry a machine and those in it), is one plain query, not a cursor's four round trips.
    one_query = (machine_ids is not None and len(machine_ids) <= FEW_MACHINES) or (
        latest - earliest <= SHORT_PERIOD
    )
    if machine_ids is None and one_query:
        history = _read(_HISTORY, department_id, earliest=earliest, latest=latest)
    else:
        history = _history_to_walk(scope, earliest, latest)
        if not one_query:
            history = history.iterator(chunk_size=5000)
    current: int | None = None
    entries: list[tuple[datetime, str]] = []
    for machine_id, at, to_status in history:
        if machine_id != current:
            settle(current, entries)
            current, entries = machine_id, []
        entries.append((at, to_status))
    settle(current, entries)

    today = timezone.localdate(now)
    first_day = min(timezone.localdate(start) for start, _e, _u in windows) - timedelta(days=1)
    last_day = max(timezone.localdate(end) for _s, end, _u in windows)
    if machine_ids is None:
        pm_rows = _read(_PM_ROWS, department_id, first_day=first_day, last_day=last_day)
    else:
        pm_rows = _pm_rows(scope, first_day, last_day)
    for machine_id, due, resolved_at in pm_rows:
        done_on_time = resolved_at is not None and timezone.localdate(resolved_at) <= due
        if not (done_on_time or due < today) or machine_id not in installed:
            continue  # not late yet: counted once done, or once its day is over
        for (start, end, _until), by_machine in zip(windows, figures, strict=True):
            if start <= _day_start(due) < end:
                by_machine[machine_id].pm_due += 1
                by_machine[machine_id].pm_on_time += done_on_time

    resolved_from = min(until for _s, _e, until in windows)
    if machine_ids is None:
        requests = _read(_REQUEST_ROWS, department_id, latest=latest, resolved_from=resolved_from)
    else:
        requests = _request_rows(scope, latest, resolved_from)
    for machine_id, raised_at, resolved_at in requests:
        for (_start, _end, until), by_machine in zip(windows, figures, strict=True):
            still_open = resolved_at is None or resolved_at >= until
            if machine_id in installed and raised_at < until and still_open:
                by_machine[machine_id].open_by_age[_age_bucket(raised_at, until)] += 1

    return [
        _report(start, end, machines, by_machine)
        for (start, end, _until), by_machine in zip(windows, figures, strict=True)
    ]


def _report(start: datetime, end: datetime, machines: list, figures: dict) -> DowntimeReport:
    rows = [
        MachineFigures(pk, name, tag, department or "", figures[pk])
        for pk, name, tag, department, _day in machines
    ]
    rows.sort(key=lambda row: (-row.figures.down, row.name, row.asset_tag))
    departments: dict[str, Figures] = {}
    total = Figures()
    for row in rows:
        departments.setdefault(row.department or NO_DEPARTMENT, Figures()).add(row.figures)
        total.add(row.figures)
    by_name = sorted(departments.items(), key=lambda item: (item[0] == NO_DEPARTMENT, item[0]))
    return DowntimeReport(start, end, rows, by_name, total)


CSV_HEADER = [
    "scope",
    "department",
    "asset tag",
    "machine",
    "machines",
    "hours observed",
    "hours down",
    "availability %",
    "failures",
    "MTBF hours",
    "restorations",
    "MTTR hours",
    "PM due",
    "PM on time",
    "PM compliance %",
    *(f"open requests {label}" for label, _limit in AGE_BUCKETS),
]


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _csv_figures(figures: Figures) -> list:
    return [
        figures.machines,
        _number(figures.hours_observed),
        _number(figures.hours_down),
        _number(figures.availability),
        figures.failures,
        _number(figures.mtbf_hours),
        figures.restorations,
        _number(figures.mttr_hours),
        figures.pm_due,
        figures.pm_on_time,
        _number(figures.pm_compliance),
        *figures.open_by_age,
    ]


def csv_rows(report: DowntimeReport) -> list[list]:
    """The report as spreadsheet rows: the header, the hospital, each department, each machine
    (numbers with 2 places, empty where a figure has no value)."""
    rows = [CSV_HEADER, ["hospital", "", "", "", *_csv_figures(report.total)]]
    rows += [
        ["department", spreadsheet_cell(name), "", "", *_csv_figures(f)]
        for name, f in report.departments
    ]
    rows += [
        [
            "machine",
            spreadsheet_cell(m.department),
            spreadsheet_cell(m.asset_tag),
            spreadsheet_cell(m.name),
            *_csv_figures(m.figures),
        ]
        for m in report.machines
    ]
    return rows
