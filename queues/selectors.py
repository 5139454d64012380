"""Reads of the queue: the day's figures per service point, one point's line, a TV's board."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.utils import timezone

from clinical.models import Appointment, AppointmentStatus
from hms.prepared import Prepared
from queues.models import (
    OPEN_STATUSES,
    DisplayScreen,
    PointKind,
    QueueTicket,
    ServicePoint,
    TicketStatus,
    ticket_label,
)

WAIT = ExpressionWrapper(
    F("tickets__called_at") - F("tickets__issued_at"), output_field=DurationField()
)
# A TV shows the last few calls of each point.
CALLS_SHOWN = 3


def active_points() -> QuerySet[ServicePoint]:
    return ServicePoint.objects.filter(is_active=True).select_related("doctor")


def _points_with_figures(day: date) -> QuerySet[ServicePoint]:
    today = Q(tickets__day=day)
    return active_points().annotate(
        waiting=Count("tickets", filter=today & Q(tickets__status=TicketStatus.WAITING)),
        at_window=Count(
            "tickets",
            filter=today & Q(tickets__status__in=[TicketStatus.CALLED, TicketStatus.SERVING]),
        ),
        done=Count(
            "tickets",
            filter=today
            & Q(
                tickets__status__in=[
                    TicketStatus.DONE,
                    TicketStatus.TRANSFERRED,
                    TicketStatus.NO_SHOW,
                ]
            ),
        ),
        average_wait=Avg(WAIT, filter=today & Q(tickets__called_at__isnull=False)),
    )


# Four filtered counts and an average over the day's tickets: building and compiling the query
# cost more than running it, on the desk's, the nurse's and the TV's screens (hms.prepared).
_POINTS_WITH_FIGURES = Prepared(_points_with_figures, day=date(2000, 1, 1))


def points_with_figures(day: date) -> list[ServicePoint]:
    """Every open service point with its day in figures, one query: `waiting`, `at_window`
    (called or being seen), `done` (finished, sent on or not answered), `average_wait` (issue to
    first call, over those called)."""
    return _POINTS_WITH_FIGURES.all(day=day)


def day_flow(day: date) -> dict:
    """The desk's "today": each point's figures, and the day's appointments checked in, with the
    doctor now (in consultation), seen, and still to come."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    arrivals = Appointment.objects.filter(
        starts_at__gte=start, starts_at__lt=start + timedelta(days=1)
    ).aggregate(
        checked_in=Count("pk", filter=Q(checked_in_at__isnull=False)),
        seen=Count("pk", filter=Q(completed_at__isnull=False)),
        with_doctor=Count("pk", filter=Q(status=AppointmentStatus.IN_CONSULTATION)),
        booked=Count("pk", filter=Q(status=AppointmentStatus.SCHEDULED)),
    )
    points = points_with_figures(day)
    return {
        "points": points,
        "waiting_now": sum(point.waiting for point in points),
        **arrivals,
    }


def _line(point_id: int, day: date) -> QuerySet[QueueTicket]:
    return QueueTicket.objects.filter(service_point_id=point_id, day=day).select_related(
        "patient", "service_point"
    )


def _waiting(point_id: int, day: date) -> QuerySet[QueueTicket]:
    return (
        _line(point_id, day)
        .filter(status=TicketStatus.WAITING)
        .order_by("-priority", "issued_at", "pk")
    )


# One point's page reads these on every load (and on every live refresh of its line): compiled
# once (hms.prepared).
_ACTIVE_POINT = Prepared(lambda pk: ServicePoint.objects.filter(pk=pk, is_active=True), pk=-1)
_AT_WINDOW = Prepared(
    lambda point_id, day: (
        _line(point_id, day)
        .filter(status__in=[TicketStatus.CALLED, TicketStatus.SERVING])
        .order_by("-last_called_at", "pk")
    ),
    point_id=-1,
    day=date(2000, 1, 1),
)
WAITING_PER_PAGE = 50
_FIRST_WAITING = Prepared(
    lambda point_id, day: _waiting(point_id, day)[:WAITING_PER_PAGE],
    point_id=-1,
    day=date(2000, 1, 1),
)


def active_point(pk: int) -> ServicePoint | None:
    """The open service point `pk`, or None (no such point, or closed)."""
    return _ACTIVE_POINT.one(pk=pk)


def point_line(point: ServicePoint, day: date) -> dict:
    """One point's day: the tickets at the window now (called, being seen), the waiting line in
    calling order (the view pages it; `first_waiting` reads its first page) and the day's
    figures."""
    figures = points_with_figures(day)
    return {
        "point": point,
        "at_window": _AT_WINDOW.all(point_id=point.pk, day=day),
        "waiting": _waiting(point.pk, day),
        "first_waiting": lambda: _FIRST_WAITING.all(point_id=point.pk, day=day),
        "figures": next((p for p in figures if p.pk == point.pk), point),
        "points": figures,
    }


def open_ticket_of(patient_id: object) -> QueueTicket | None:
    return (
        QueueTicket.objects.filter(patient_id=patient_id, status__in=OPEN_STATUSES)
        .select_related("service_point")
        .first()
    )


# The TV asks for its display, its points, their last calls and who is being seen on every
# load and every live refresh (each call anywhere refreshes every TV): compiled once
# (hms.prepared), where Django built five querysets each time, ~8,000 of the board's ~11,700
# Python calls (tests/bench/pages.py --profile).
_DISPLAY = Prepared(
    lambda token: DisplayScreen.objects.filter(token=token, is_active=True), token="stand-in"
)


def display_for(token: str) -> DisplayScreen | None:
    """The active display holding `token`, or None (a wrong or revoked token)."""
    if not token or len(token) > 64:
        return None
    return _DISPLAY.one(token=token)


def _shown_points(display_id: int) -> QuerySet[ServicePoint]:
    """The open points display `display_id` shows: those chosen for it, or every one when none
    is chosen."""
    chosen = DisplayScreen.service_points.through.objects.filter(displayscreen_id=display_id)
    return ServicePoint.objects.filter(
        Q(Exists(chosen.filter(servicepoint_id=OuterRef("pk")))) | ~Q(Exists(chosen)),
        is_active=True,
    )


_BOARD_POINTS = Prepared(
    lambda display_id, day: (
        _shown_points(display_id)
        .annotate(
            waiting=Count(
                "tickets", filter=Q(tickets__day=day, tickets__status=TicketStatus.WAITING)
            )
        )
        .values("pk", "name", "kind", "waiting")
    ),
    display_id=-1,
    day=date(2000, 1, 1),
)
_BOARD_SERVING = Prepared(
    lambda display_id, day: (
        QueueTicket.objects.filter(
            day=day,
            service_point__in=_shown_points(display_id).values("pk"),
            status=TicketStatus.SERVING,
        )
        .order_by("serving_at", "pk")
        .values("service_point_id", "service_point__prefix", "number")
    ),
    display_id=-1,
    day=date(2000, 1, 1),
)
# The latest calls read for a board of n points (the number of rows is in the SQL): by n.
_BOARD_CALLS: dict[int, Prepared] = {}


def _board_calls(rows: int) -> Prepared:
    prepared = _BOARD_CALLS.get(rows)
    if prepared is None:
        prepared = _BOARD_CALLS[rows] = Prepared(
            lambda display_id, day: (
                QueueTicket.objects.filter(
                    day=day,
                    service_point__in=_shown_points(display_id).values("pk"),
                    last_called_at__isnull=False,
                )
                .order_by("-last_called_at", "-pk")
                .values(
                    "pk",
                    "service_point_id",
                    "service_point__prefix",
                    "number",
                    "status",
                    "calls",
                    "last_called_at",
                )[:rows]
            ),
            display_id=-1,
            day=date(2000, 1, 1),
        )
    return prepared


@dataclass
class BoardPoint:
    name: str
    waiting: int
    kind: str = ""
    calls: list[dict] = field(default_factory=list)
    # The numbers being seen now (at a consultation room: with the doctor), oldest first.
    serving: list[str] = field(default_factory=list)

    @property
    def serving_words(self) -> str:
        return "With the doctor" if self.kind == PointKind.CONSULTATION else "Being served"


def display_board(display: DisplayScreen, day: date) -> dict:
    """What a TV shows: for each of its points the last few numbers called, the numbers being
    seen now (a consultation room's patient with the doctor) and how many wait; and the latest
    call of all (the one to announce). Numbers and places only, never a name."""
    board = {
        row["pk"]: BoardPoint(name=row["name"], waiting=row["waiting"], kind=row["kind"])
        for row in _BOARD_POINTS.values(display_id=display.pk, day=day)
    }
    latest = None
    if board:
        rows = CALLS_SHOWN * len(board) * 4
        recent = _board_calls(rows).values(display_id=display.pk, day=day)
    else:
        recent = []
    for row in recent:
        calls = board[row["service_point_id"]].calls
        if len(calls) >= CALLS_SHOWN:
            continue
        call = {
            "label": f"{row['service_point__prefix']}-{row['number']:03d}",
            "now": row["status"] == TicketStatus.CALLED,
            "key": f"{row['pk']}-{row['calls']}",
            "point": board[row["service_point_id"]].name,
        }
        calls.append(call)
        if latest is None and call["now"]:
            latest = call
    for row in _BOARD_SERVING.values(display_id=display.pk, day=day) if board else []:
        board[row["service_point_id"]].serving.append(
            ticket_label(row["service_point__prefix"], row["number"])
        )
    return {"display": display, "points": list(board.values()), "latest": latest}
