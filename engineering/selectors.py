"""Read-only queries of engineering: the asset register and its filters, a machine's page and
status history, the QR label that opens it, the engineers' queue and a work order's page, the
preventive maintenance due, the downtime overview (its figures: engineering.downtime)."""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import qrcode
import qrcode.image.svg
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.http import HttpRequest, QueryDict
from django.urls import get_script_prefix, reverse
from django.utils import timezone

from accounts.models import Department, User
from engineering import downtime, figures_cache
from engineering.models import (
    OPEN_WORK,
    Criticality,
    FaultRequest,
    Machine,
    MachineStatus,
    MachineStatusChange,
    MachineType,
    PmCheck,
    Priority,
    WorkKind,
    WorkLogEntry,
    WorkOrder,
)
from hms import paging, params, rbac
from hms.links import link_to
from hms.money import ZERO, money
from hms.prepared import Prepared

MACHINES_PER_PAGE = 50
HISTORY_PER_PAGE = 20


@dataclass(frozen=True)
class MachineFilters:
    """What the register is narrowed to: a search (asset tag, name or serial number), a status, a
    machine type, a department (its id)."""

    q: str = ""
    status: str = ""  # a MachineStatus, or DOWN: any but Operational
    machine_type: str = ""
    department: int | None = None
    warranty_ending: bool = False  # only those whose warranty ends within the warning days

    @classmethod
    def from_query(cls, query: QueryDict) -> "MachineFilters":
        """The filters a query string asks for; an odd value is no filter."""
        return cls(
            q=params.search_text(query.get("q")),
            status=params.choice_param(query.get("status"), STATUS_FILTERS),
            machine_type=params.choice_param(query.get("type"), MachineType.choices),
            department=params.db_id(query.get("department")),
            warranty_ending=query.get("warranty") == "ending",
        )


# The register's status filter: each status, and "down" (the dashboard's "Machines down" panel).
DOWN = "down"
STATUS_FILTERS = [(DOWN, "Down (out of order or under maintenance)"), *MachineStatus.choices]


def machines(filters: MachineFilters) -> QuerySet[Machine]:
    """The register's machines matching `filters`, by name, with their department: one query
    per page whatever the number of machines."""
    rows = Machine.objects.select_related("department")
    if filters.q:
        rows = rows.filter(
            Q(asset_tag__icontains=filters.q)
            | Q(name__icontains=filters.q)
            | Q(serial_number__icontains=filters.q)
        )
    if filters.status == DOWN:
        rows = rows.exclude(status=MachineStatus.OPERATIONAL)
    elif filters.status:
        rows = rows.filter(status=filters.status)
    if filters.machine_type:
        rows = rows.filter(machine_type=filters.machine_type)
    if filters.department:
        rows = rows.filter(department_id=filters.department)
    if filters.warranty_ending:
        today = timezone.localdate()
        return rows.filter(
            warranty_end_date__gte=today,
            warranty_end_date__lte=today + timedelta(days=WARRANTY_WARNING_DAYS),
        ).order_by("warranty_end_date", "name", "asset_tag")
    return rows.order_by("name", "asset_tag")


# The register as it opens (no filter): its first page and one row more, and the departments to
# filter by, read on every load: compiled once (hms.prepared).
_FIRST_MACHINES = Prepared(lambda: machines(MachineFilters())[: MACHINES_PER_PAGE + 1])
_DEPARTMENTS = Prepared(lambda: Department.objects.values("pk", "name"))


def _register_rows(request: HttpRequest, filters: MachineFilters) -> Page:
    """The page of the register asked for. Unfiltered, its first page is read by a prepared
    query, and when that holds every machine (one more is read) no queryset is built at all."""
    number = paging.page_number(request)
    if number == 1 and filters == MachineFilters():
        rows = _FIRST_MACHINES.all()
        if len(rows) <= MACHINES_PER_PAGE:
            paginator = Paginator(rows, MACHINES_PER_PAGE)
            paginator.over = False
            return paginator.page(1)
        return paging.page_at(machines(filters), MACHINES_PER_PAGE, 1, first_rows=lambda: rows)
    return paging.page_at(machines(filters), MACHINES_PER_PAGE, number)


def register_page(request: HttpRequest) -> dict:
    """The asset register's page: the page of machines the query asks for (and how many there
    are), the filters and their choices."""
    filters = MachineFilters.from_query(request.GET)
    page = _register_rows(request, filters)
    return {
        "page": page,
        "machines": page.object_list,
        "filters": filters,
        "statuses": STATUS_FILTERS,
        "warranty_days": WARRANTY_WARNING_DAYS,
        "machine_types": MachineType.choices,
        "departments": [(row["pk"], row["name"]) for row in _DEPARTMENTS.values()],
    }


def machine_by_tag(tag: str) -> Machine | None:
    """The machine whose asset tag is `tag` (any case), or None."""
    tag = params.search_text(tag, limit=30)
    return Machine.objects.filter(asset_tag__iexact=tag).first() if tag else None


FIND_SIZE = 20


def machines_like(text: str) -> paging.FirstFew:
    """For someone looking a machine up who did not type its exact tag: the first machines whose
    tag, name or serial number holds `text`, and how many there are (none for an empty text)."""
    text = params.search_text(text, limit=30)
    if not text:
        return paging.FirstFew([], 0)
    return paging.first_of(machines(MachineFilters(q=text)), FIND_SIZE)


# A machine's page reads these on every load (hms.prepared: compiled once).
_MACHINE = Prepared(
    lambda pk: (
        Machine.objects.select_related("department")
        .annotate(pm_step_count=Count("pm_steps"))
        .filter(pk=pk)
    ),
    pk=-1,
)


def machine_with_department(pk: int) -> Machine | None:
    """The machine with its department and how many steps its maintenance plan has
    (`pm_step_count`), in one query."""
    return _MACHINE.one(pk=pk)


# What a row of a machine's status history shows (machine_marks.status_history_rows): read as
# values, not as a change and its person, ~60 Python calls a row less.
HISTORY_COLUMNS = (
    "from_status",
    "to_status",
    "effective_at",
    "recorded_at",
    "correction",
    "reason",
    "changed_by_id",
    "changed_by__first_name",
    "changed_by__last_name",
    "changed_by__username",
)


def status_history(machine: Machine) -> QuerySet:
    """A machine's status history, the latest effective first, with who changed it: rows of
    HISTORY_COLUMNS."""
    return _history_of(machine.pk)


def _history_of(machine_id: int) -> QuerySet:
    return (
        MachineStatusChange.objects.filter(machine_id=machine_id)
        .order_by("-effective_at", "-id")
        .values(*HISTORY_COLUMNS)
    )


_FIRST_HISTORY = Prepared(
    lambda machine_id: _history_of(machine_id)[: HISTORY_PER_PAGE + 1], machine_id=-1
)
_OPEN_REQUESTS_OF = Prepared(
    lambda machine_id: (
        FaultRequest.objects.filter(machine_id=machine_id, work_order__isnull=True)
        .select_related("raised_by")
        .order_by("priority_rank", "raised_at", "id")
    ),
    machine_id=-1,
)
_OPEN_WORK_OF = Prepared(
    lambda machine_id: (
        WorkOrder.objects.filter(machine_id=machine_id, status__in=OPEN_WORK)
        .select_related("engineer", "fault_request")
        .order_by("opened_at", "id")
    ),
    machine_id=-1,
)


# A machine page's links: reversed once per process (and script prefix), the machine's id put in
# its place on each load (hms.links), rather than nine {% url %} tags a load (~100 calls each).
_MACHINE_ROUTES = (
    "machine_detail",
    "fault_raise",
    "pm_plan",
    "machine_edit",
    "machine_label",
    "machine_status",
)
_FIXED_ROUTES = (
    "machine_list",
    "machine_find",
    "engineering_overview",
    "engineering_overview_csv",
    "work_queue",
    "maintenance_due",
)


@functools.lru_cache(maxsize=8)
def _page_links(script_prefix: str) -> tuple[tuple, dict]:
    return (
        tuple((route, link_to(route)) for route in _MACHINE_ROUTES),
        {route: reverse(route) for route in _FIXED_ROUTES},
    )


def machine_links(pk: int) -> dict[str, str]:
    """The links of machine `pk`'s page, by route name (reverse(route, args=[pk]), or without
    arguments for the register, the finder, the overview, the queue and the maintenance due)."""
    of_machine, fixed = _page_links(get_script_prefix())
    return fixed | {route: link(pk) for route, link in of_machine}


def fixed_links() -> dict[str, str]:
    """The links of engineering's lists, by route name (reverse(route)): the register, the
    finder, the overview (and its CSV), the queue, the maintenance due. Reversed once per
    process and script prefix; the dict is shared, to be read only."""
    return _page_links(get_script_prefix())[1]


def _history_page(request: HttpRequest, machine: Machine) -> Page:
    """The page of the machine's status history asked for (?history=). The first page of a
    history that fits on it (most machines) is its first rows: no query built for a count."""
    number = paging.page_number(request, "history")
    first = _FIRST_HISTORY.values(machine_id=machine.pk) if number == 1 else None
    if first is not None and len(first) <= HISTORY_PER_PAGE:
        paginator = Paginator(first, HISTORY_PER_PAGE)
        paginator.over = False
        return paginator.page(1)
    return paging.page_at(
        status_history(machine),
        HISTORY_PER_PAGE,
        number,
        first_rows=None if first is None else lambda: first,
    )


def machine_page(request: HttpRequest, machine: Machine) -> dict:
    """A machine's page for whoever may look it up: the machine, a page of its status history
    (?history=), its links, and what the person may do with it."""
    user: User = request.user
    today = timezone.localdate()
    figures = machine_figures(machine, today)
    # The figures have counted the requests open now (the last 30 days' end is now): with none,
    # there is none waiting for an engineer to read.
    requests_open_now = figures[0][1].open_requests
    return {
        "machine": machine,
        "links": machine_links(machine.pk),
        "history": _history_page(request, machine),
        "can_manage": rbac.allows(user, "engineering.machines"),
        "today": today,
        # (the machine is this one: only the people are joined in)
        "open_requests": _OPEN_REQUESTS_OF.all(machine_id=machine.pk) if requests_open_now else [],
        "open_work": _OPEN_WORK_OF.all(machine_id=machine.pk),
        "pm_step_count": machine.pm_step_count
        if hasattr(machine, "pm_step_count")
        else machine.pm_steps.count(),
        "figures": figures,
    }


# What a machine's page shows of its downtime: the last 30 days and the last 12 months.
MACHINE_PERIODS = [("Last 30 days", 30), ("Last 12 months", 365)]


def machine_figures(machine: Machine, today: date) -> list[tuple[str, downtime.Figures]]:
    """The machine's downtime figures over the last 30 days and 12 months (today included), as
    [(label, downtime.Figures)]; kept a minute under the machine's events_version
    (engineering.figures_cache)."""
    key = figures_cache.cache_key(machine, today)
    kept = cache.get(key)
    if kept is not None:
        return kept
    periods = [
        downtime.period_of_days(today - timedelta(days=days - 1), today)
        for _label, days in MACHINE_PERIODS
    ]
    reports = downtime.downtime_reports(periods=periods, machine=machine)
    figures = [
        (label, report.total) for (label, _), report in zip(MACHINE_PERIODS, reports, strict=True)
    ]
    cache.set(key, figures, figures_cache.FIGURES_SECONDS)
    return figures


def label_svg(url: str) -> str:
    """The QR code of `url` as an SVG (one path), for the machine's printed label."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return image.to_string(encoding="unicode")


# --- fault requests and work orders ----------------------------------------------------------

QUEUE_PER_PAGE = 50
MY_WORK_SIZE = 20


def open_requests() -> QuerySet[FaultRequest]:
    """Fault requests no engineer has taken yet, the most pressing first (priority, then the
    oldest), with their machine and who raised them."""
    return (
        FaultRequest.objects.filter(work_order__isnull=True)
        .select_related("machine__department", "raised_by")
        .order_by("priority_rank", "raised_at", "id")
    )


def open_work_orders() -> QuerySet[WorkOrder]:
    """Work orders not resolved yet (in progress or waiting for the vendor), the oldest first,
    with their machine and request: what an engineer's own list shows (the engineer is the one
    reading it, and who raised the request is on the work order's page)."""
    return (
        WorkOrder.objects.filter(status__in=OPEN_WORK)
        .select_related("machine", "fault_request")
        .order_by("opened_at", "id")
    )


# The open requests by priority, on the queue and the engineer's dashboard: compiled once.
_QUEUE_COUNTS = Prepared(
    lambda: (
        FaultRequest.objects.filter(work_order__isnull=True)
        .values("priority")
        .annotate(n=Count("id"))
    )
)


def queue_counts() -> list[tuple[str, str, int]]:
    """(priority, label, how many open requests) for every priority: one query."""
    counts = {row["priority"]: row["n"] for row in _QUEUE_COUNTS.values()}
    return [(value, label, counts.get(value, 0)) for value, label in Priority.choices]


def _first_few(
    build: Callable[[], QuerySet], size: int, first_rows: Callable[[], list]
) -> paging.FirstFew:
    """paging.first_of of the queryset `build()` makes, built only when the panel is full and
    its rows must be counted (most loads show every row there is)."""
    rows = first_rows()
    if len(rows) <= size:
        return paging.FirstFew(rows, len(rows))
    return paging.first_of(build(), size, first_rows=lambda: rows)


# The queue's first page of open requests and the engineer's own first open work orders, each
# with one row more (a full list is counted): their joins compiled once (hms.prepared).
_FIRST_OPEN_REQUESTS = Prepared(lambda: open_requests()[: QUEUE_PER_PAGE + 1])
_MY_FIRST_OPEN_WORK = Prepared(
    lambda engineer_id: open_work_orders().filter(engineer_id=engineer_id)[: MY_WORK_SIZE + 1],
    engineer_id=-1,
)


def queue_page(request: HttpRequest) -> dict:
    """The engineers' queue: a page of the open requests (the most pressing first) and how many
    there are of each priority, and the actor's own open work orders (the first few, counted)."""
    number = paging.page_number(request)
    first = _FIRST_OPEN_REQUESTS.all() if number == 1 else None
    if first is not None and len(first) <= QUEUE_PER_PAGE:
        # Every open request fits on the first page (nearly every load): it is its own count,
        # and the queryset to count or page through need not be built (~150 calls).
        page = paging.page_at(first, QUEUE_PER_PAGE, 1)
    else:
        page = paging.page_of(request, open_requests(), QUEUE_PER_PAGE, first_rows=lambda: first)
    engineer_id = request.user.pk
    return {
        "page": page,
        "requests": page.object_list,
        "counts": queue_counts(),
        "mine": _first_few(
            lambda: open_work_orders().filter(engineer_id=engineer_id),
            MY_WORK_SIZE,
            lambda: _MY_FIRST_OPEN_WORK.all(engineer_id=engineer_id),
        ),
        "now": timezone.now(),
        "links": fixed_links(),
    } | preventive_panel(timezone.localdate(), PM_QUEUE_SIZE)


# A work order with its machine, department, engineers and request: four joins, compiled once
# (hms.prepared; building and compiling it was about a third of the work order page's time).
_WORK_ORDER = Prepared(
    lambda pk: WorkOrder.objects.select_related(
        "machine__department", "engineer", "resolved_by", "fault_request__raised_by"
    ).filter(pk=pk),
    pk=-1,
)


def work_order(pk: int) -> WorkOrder | None:
    """The work order `pk` with its machine (and department), engineer, resolver and request
    (and who raised it); None when there is no such work order."""
    return _WORK_ORDER.one(pk=pk)


# A work order's log and checklist, read on every load of its page: compiled once (hms.prepared).
_WORK_LOG = Prepared(
    lambda work_order_id: (
        WorkLogEntry.objects.filter(work_order_id=work_order_id)
        .select_related("engineer")
        .prefetch_related("parts")
        .order_by("started_at")
    ),
    work_order_id=-1,
)
_PM_CHECKS = Prepared(
    lambda work_order_id: (
        PmCheck.objects.filter(work_order_id=work_order_id)
        .select_related("fault_request")
        .order_by("position")
    ),
    work_order_id=-1,
)


def work_log(work_order: WorkOrder) -> list[WorkLogEntry]:
    """A work order's log, the earliest first, each entry with its parts."""
    return _WORK_LOG.all(work_order_id=work_order.pk)


# The forms of a work order's page post to these (its id in each).
_WORK_ORDER_ROUTES = ("pm_complete", "work_log_add", "work_order_resolve", "work_order_escalate")


def work_order_page(work_order: WorkOrder) -> dict:
    """A work order's page: the order, its log with the totals (labour minutes, parts cost as
    money), and a preventive maintenance's checklist."""
    log = work_log(work_order)
    parts_cost = money(sum((part.cost for entry in log for part in entry.parts.all()), ZERO))
    if work_order.is_preventive:
        work_order.days_late = (timezone.localdate() - work_order.pm_due_date).days
    pk = work_order.pk
    return {
        "links": {
            "work_queue": fixed_links()["work_queue"],
            "machine_detail": link_to("machine_detail")(work_order.machine_id),
        }
        | {route: link_to(route)(pk) for route in _WORK_ORDER_ROUTES},
        "work_order": work_order,
        "machine": work_order.machine,
        "fault": work_order.fault_request,
        "log": log,
        "labour_minutes": sum(entry.labour_minutes for entry in log),
        "parts_cost": parts_cost,
        "checks": pm_checks(work_order) if work_order.is_preventive else [],
        "today": timezone.localdate(),
    }


def pm_checks(work_order: WorkOrder) -> list[PmCheck]:
    """A preventive maintenance's checklist in order, each step with the fault it opened."""
    return _PM_CHECKS.all(work_order_id=work_order.pk)


# --- preventive maintenance due --------------------------------------------------------------

PM_QUEUE_SIZE = 20


def open_preventive() -> QuerySet[WorkOrder]:
    """Preventive maintenance not done yet, the earliest due first (the overdue at the top), with
    the machine and the engineer on it (none until someone starts it)."""
    return (
        WorkOrder.objects.filter(kind=WorkKind.PREVENTIVE, status__in=OPEN_WORK)
        .select_related("machine__department", "engineer")
        .order_by("pm_due_date", "id")
    )


def preventive_panel(today: date, size: int) -> dict:
    """The first `size` preventive maintenances not done, how many there are, how many overdue."""
    first = _FIRST_OPEN_PREVENTIVE.get(size)
    if first is None:
        pm = paging.first_of(open_preventive(), size)
    else:
        pm = _first_few(open_preventive, size, first.all)
    for work_order in pm:
        work_order.days_late = (today - work_order.pm_due_date).days
    if pm.cut:
        overdue = open_preventive().filter(pm_due_date__lt=today).count()
    else:  # every one is on the panel: count them there
        overdue = sum(work_order.days_late > 0 for work_order in pm)
    return {"pm": pm, "pm_overdue": overdue, "today": today}


PM_PER_PAGE = 50
# What the full list of maintenance due may be narrowed to.
PM_SHOW = [("overdue", "Overdue only")]


def maintenance_due_page(request: HttpRequest) -> dict:
    """Every preventive maintenance not done yet, a page at a time (the earliest due first), how
    many there are and how many are overdue (each counted by the database over every row), or
    only the overdue ones (?show=overdue)."""
    today = timezone.localdate()
    show = params.choice_param(request.GET.get("show"), PM_SHOW)
    rows = open_preventive()
    overdue = rows.filter(pm_due_date__lt=today)
    overdue_count = overdue.count()
    if show == "overdue":
        page = paging.page_of(request, overdue, PM_PER_PAGE, count=overdue_count)
    else:
        page = paging.page_of(request, rows, PM_PER_PAGE)
    for work_order in page.object_list:
        work_order.days_late = (today - work_order.pm_due_date).days
    return {"page": page, "pm_overdue": overdue_count, "show": show, "today": today}


# --- the engineer's dashboard ----------------------------------------------------------------

DASHBOARD_SIZE = 5

# The first preventive maintenances not done, per panel size (the queue's, the dashboard's),
# with one row more: compiled once (hms.prepared).
_FIRST_OPEN_PREVENTIVE = {
    size: Prepared(lambda size=size: open_preventive()[: size + 1])
    for size in (PM_QUEUE_SIZE, DASHBOARD_SIZE)
}

WARRANTY_WARNING_DAYS = 60
# Machines down, the most critical first.
CRITICALITY_RANK = Case(
    When(criticality=Criticality.LIFE_SUPPORT, then=Value(0)),
    When(criticality=Criticality.HIGH, then=Value(1)),
    When(criticality=Criticality.MEDIUM, then=Value(2)),
    default=Value(3),
)


def machines_down() -> QuerySet[Machine]:
    """Machines not Operational (out of order or under maintenance), the most critical and then
    the longest down first."""
    return (
        Machine.objects.exclude(status=MachineStatus.OPERATIONAL)
        .select_related("department")
        .order_by(CRITICALITY_RANK, "status_since", "id")
    )


def warranties_ending(today: date, days: int = WARRANTY_WARNING_DAYS) -> QuerySet[Machine]:
    """Machines whose warranty ends from `today` to `days` days on, the soonest first."""
    return (
        Machine.objects.filter(
            warranty_end_date__gte=today, warranty_end_date__lte=today + timedelta(days=days)
        )
        .select_related("department")
        .order_by("warranty_end_date", "name")
    )


def dashboard(user: User) -> dict:
    """The engineer's dashboard: their open work orders, the open queue by priority (its counts
    and the most pressing few), machines down, warranties ending within 60 days; each panel its
    first few rows and how many there are, in a number of queries that does not grow."""
    today = timezone.localdate()
    return {
        "mine": paging.first_of(open_work_orders().filter(engineer=user), DASHBOARD_SIZE),
        "counts": queue_counts(),
        "queue": paging.first_of(open_requests(), DASHBOARD_SIZE),
        "down": paging.first_of(machines_down(), DASHBOARD_SIZE),
        "warranties": paging.first_of(warranties_ending(today), DASHBOARD_SIZE),
        "warranty_days": WARRANTY_WARNING_DAYS,
        "now": timezone.now(),
    } | preventive_panel(today, DASHBOARD_SIZE)


# --- the downtime overview -------------------------------------------------------------------

OVERVIEW_PER_PAGE = 50


def overview_page(request: HttpRequest, first: date, last: date, department: int | None) -> dict:
    """The overview of the days `first` to `last` (both included): the hospital's and each
    department's figures, and a page of the machines' (the most hours down first)."""
    start, end = downtime.period_of_days(first, last)
    report = downtime.downtime_report(start=start, end=end, department_id=department)
    page = paging.page_of(request, report.machines, OVERVIEW_PER_PAGE)
    return {"report": report, "page": page, "rows": page.object_list}
