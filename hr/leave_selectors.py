"""Leave, read-only: what a request would cost, balances, the queue, who is away.

Every function here answers in a constant number of queries whatever the number of people or
requests (the balance sheet of 300 staff included): entitlements, charges and closure days are
read in one query each and combined in Python with hr.leave_days.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.db.models import QuerySet, Sum
from django.utils import timezone

from accounts.models import User
from hms import rbac
from hms.prepared import Prepared
from hr import leave_days, people_ids
from hr.models import (
    HOLDING,
    ClosureDay,
    LeaveCharge,
    LeaveEntitlement,
    LeaveRequest,
    LeaveStatus,
    LeaveType,
)

ZERO = Decimal("0")


def days_said(value: Decimal) -> str:
    """How many days, said: "1 day", "half a day", "2.5 days", "0 days"."""
    if value == Decimal("0.5"):
        return "half a day"
    text = f"{value.normalize():f}"
    return f"{text} day" if value == 1 else f"{text} days"


# The closure days of a range, for pricing leave on the attendance screens: compiled once.
_CLOSURES = Prepared(
    lambda first, last: ClosureDay.objects.filter(date__range=(first, last)).values("date"),
    first=date(2000, 1, 1),
    last=date(2000, 1, 2),
)


def off_days(first: date, last: date) -> set[date]:
    """Days from `first` to `last` that are not working days besides weekends: the country's
    public holidays (hr.leave_days.public_holidays) and the hospital's closure days. One query."""
    closures = {row["date"] for row in _CLOSURES.values(first=first, last=last)}
    return set(leave_days.public_holidays(first, last)) | closures


def request_parts(leave_request: LeaveRequest) -> list[tuple[date, str]]:
    return leave_days.day_parts(
        leave_request.start_date,
        leave_request.end_date,
        starts_afternoon=leave_request.starts_afternoon,
        ends_morning=leave_request.ends_morning,
    )


@dataclass
class Balance:
    """One person's days of one leave type in one year (Decimal days)."""

    leave_type: LeaveType
    year: int
    entitlement: Decimal = ZERO
    carried_over: Decimal = ZERO
    taken: Decimal = ZERO
    pending: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        """Days to take this year: the entitlement and the days carried in (21 + 2.5 = 23.5)."""
        return self.entitlement + self.carried_over

    @property
    def left(self) -> Decimal:
        """Entitlement and days carried in, less days taken and days asked for."""
        return self.entitlement + self.carried_over - self.taken - self.pending


@dataclass
class StaffBalances:
    """A row of the balance sheet: a person and their balances by leave type."""

    user: User
    balances: list[Balance] = field(default_factory=list)


def _joined_year(user: User) -> int:
    return timezone.localdate(user.date_joined).year


# The balance sheet's reads, compiled once (hms.prepared): the active leave types, every
# entitlement, and the days charged to some people's balances of a year and the year before.
_ACTIVE_TYPES = Prepared(lambda: LeaveType.objects.filter(active=True))
_ENTITLEMENTS = Prepared(
    lambda: LeaveEntitlement.objects.values_list("leave_type_id", "role", "days")
)
_CHARGED = Prepared(
    lambda ids, before, year: (
        LeaveCharge.objects.filter(
            request__user_id__in=people_ids.among(ids),
            year__gte=before,
            year__lte=year,
            request__status__in=HOLDING,
        )
        .values_list("request__user_id", "request__leave_type_id", "year", "request__status")
        .annotate(days=Sum("days"))
    ),
    ids="0",
    # Stand-ins whose others (7919 less) are still years: a year out of the column's range
    # is compiled away (no SQL condition), which cannot be prepared.
    before=9000,
    year=9001,
)


def active_leave_types() -> list[LeaveType]:
    """The leave types people may ask for, in their order: one query, compiled once."""
    return _ACTIVE_TYPES.all()


def _entitlements() -> dict[tuple[int, str], Decimal]:
    return {(row["leave_type_id"], row["role"]): row["days"] for row in _ENTITLEMENTS.values()}


# The first rows of a list for each number of rows, compiled once (hms.paging's `first_rows`):
# the first page is the one nearly always asked for.
_FIRST: dict[tuple[str, int], Prepared] = {}


def _first_rows(name: str, build, rows: int):
    prepared = _FIRST.get((name, rows))
    if prepared is None:
        prepared = _FIRST[name, rows] = Prepared(lambda: build()[:rows])
    return prepared.all


def _staff():
    return User.objects.filter(is_active=True).exclude(role=rbac.PATIENT)


def _staff_by_name():
    return _staff().order_by("last_name", "first_name", "pk")


class SheetPerson(NamedTuple):
    """A person as the balance sheet reads them, as plain values (25 Users built from rows
    were ~1,300 of the page's Python calls): what balances_for and the rows ask of a User."""

    pk: int
    first_name: str
    last_name: str
    username: str
    role: str
    date_joined: datetime

    def get_full_name(self) -> str:
        return User.get_full_name(self)  # type: ignore[arg-type] (the fields it reads)

    def __str__(self) -> str:
        return User.__str__(self)  # type: ignore[arg-type] (the fields it reads)


_SHEET_VALUES = ("pk", "first_name", "last_name", "username", "role", "date_joined")
# The sheet's first people by number of rows (the LIMIT is in the SQL), compiled once.
_FIRST_ON_SHEET: dict[int, Prepared] = {}


def _first_on_sheet(rows: int):
    prepared = _FIRST_ON_SHEET.get(rows)
    if prepared is None:
        prepared = _FIRST_ON_SHEET[rows] = Prepared(
            lambda: _staff_by_name().values(*_SHEET_VALUES)[:rows]
        )
    return lambda: [
        SheetPerson(*(row[name] for name in _SHEET_VALUES)) for row in prepared.values()
    ]


def staff_by_name(q: str, per_page: int):
    """The balance sheet's people (active staff; those whose first or last name holds `q`)
    by name, and for the whole list a way to read its first `per_page` + 1 (as SheetPersons)
    by a query compiled once (hms.paging.page_of's `first_rows`; None when searching)."""
    if q:
        staff = _staff()
        staff = staff.filter(last_name__icontains=q) | staff.filter(first_name__icontains=q)
        return staff.order_by("last_name", "first_name", "pk"), None
    return _staff_by_name(), _first_on_sheet(per_page + 1)


def balances_for(
    users: Iterable[User], year: int, leave_types: list[LeaveType] | None = None
) -> dict[int, list[Balance]]:
    """{user id: [Balance per leave type]} for `year`: entitlement by the person's role,
    days carried in from the year before (hr.leave_days.carried_over: at most the type's limit,
    of that year's own entitlement less its approved days; none into the year the person's
    account was made), approved days of `year` (taken)
    and pending ones. Three queries whatever the number of people."""
    users = list(users)
    leave_types = leave_types if leave_types is not None else active_leave_types()
    entitlements = _entitlements()
    charged: dict[tuple[int, int, int, str], Decimal] = defaultdict(lambda: ZERO)
    rows = (
        _CHARGED.values(
            ids=people_ids.written(user.pk for user in users), before=year - 1, year=year
        )
        if users
        else []
    )
    for row in rows:
        key = (row["request__user_id"], row["request__leave_type_id"], row["year"])
        charged[(*key, row["request__status"])] += row["days"]
    found = {}
    for user in users:
        found[user.pk] = []
        for leave_type in leave_types:
            entitlement = entitlements.get((leave_type.pk, user.role), ZERO)
            carried = ZERO
            # Only from a year the person was here (their account existed): an install's first
            # year, or a newcomer's, carries nothing in.
            if leave_type.carry_over_limit > 0 and _joined_year(user) < year:
                carried = leave_days.carried_over(
                    entitlement=entitlement,
                    taken=charged[user.pk, leave_type.pk, year - 1, LeaveStatus.APPROVED],
                    limit=leave_type.carry_over_limit,
                )
            found[user.pk].append(
                Balance(
                    leave_type=leave_type,
                    year=year,
                    entitlement=entitlement,
                    carried_over=carried,
                    taken=charged[user.pk, leave_type.pk, year, LeaveStatus.APPROVED],
                    pending=charged[user.pk, leave_type.pk, year, LeaveStatus.PENDING],
                )
            )
    return found


def balance_of(user: User, leave_type: LeaveType, year: int) -> Balance:
    """One person's balance of one leave type in one year (see balances_for)."""
    return balances_for([user], year, [leave_type])[user.pk][0]


@dataclass
class Quote:
    """What a request would cost, before it is made: its days, each year's share, and for each
    year the balance before and after (None for unpaid leave), and whether a document is due."""

    parts: list[tuple[date, str]]
    by_year: dict[int, Decimal]
    days: Decimal
    balances: dict[int, Balance]
    document_required: bool

    def left_after(self, year: int) -> Decimal:
        return self.balances[year].left - self.by_year[year]

    @property
    def lines(self) -> list[str]:
        """One sentence per year the request touches, on the balance it meets."""
        if not self.balances:
            return []
        leave_type = next(iter(self.balances.values())).leave_type
        if leave_type.unpaid:
            return ["Unpaid leave: no balance to check, these days are not paid."]
        lines = []
        for year, days in sorted(self.by_year.items()):
            left = self.balances[year].left
            if days > left:
                lines.append(
                    f"In {year} you have {days_said(max(left, ZERO))} of {leave_type.name.lower()}"
                    f" left: this needs {days_said(days)}."
                )
            else:
                lines.append(
                    f"In {year}: {days_said(left)} left now, {days_said(left - days)} after this"
                    f" ({days_said(days)} of {year})."
                )
            half_pay = self.half_pay_days(year)
            if half_pay:
                lines.append(
                    f"{days_said(half_pay)} of these {'is' if half_pay <= 1 else 'are'} on half pay"
                    f" (the first {days_said(leave_type.full_pay_days)} of a year are on full pay)."
                )
        return lines

    def half_pay_days(self, year: int) -> Decimal:
        """Days of `year` this request adds beyond the type's full-pay days (sick leave: 7, the
        Act's s.30), counting what was taken or asked for already that year."""
        balance = self.balances[year]
        full_pay = balance.leave_type.full_pay_days
        if full_pay is None:
            return ZERO
        full_left = max(ZERO, full_pay - balance.taken - balance.pending)
        return max(ZERO, self.by_year[year] - full_left)

    @property
    def short_year(self) -> int | None:
        """The first year whose balance the request would overdraw, or None."""
        for year, days in sorted(self.by_year.items()):
            if self.balances[year].leave_type.unpaid:
                return None
            if days > self.balances[year].left:
                return year
        return None


def leave_quote(
    *,
    user: User,
    leave_type: LeaveType,
    start: date,
    end: date,
    starts_afternoon: bool = False,
    ends_morning: bool = False,
) -> Quote:
    """The cost of a request (hr.leave_days) and the balance it meets, in each year it touches.
    Raises ValueError (hr.leave_days.day_parts) when the dates make no request."""
    parts = leave_days.day_parts(
        start, end, starts_afternoon=starts_afternoon, ends_morning=ends_morning
    )
    by_year = leave_days.cost_by_year(
        parts, counts=leave_type.counts, off_days=off_days(start, end)
    )
    balances = {year: balance_of(user, leave_type, year) for year in by_year}
    days = sum(by_year.values(), ZERO)
    limit = leave_type.document_after_days
    return Quote(
        parts=parts,
        by_year=by_year,
        days=days,
        balances=balances,
        document_required=limit is not None and days > limit,
    )


def overlapping(
    user: User,
    start: date,
    end: date,
    *,
    starts_afternoon: bool = False,
    ends_morning: bool = False,
    excluding: int | None = None,
) -> LeaveRequest | None:
    """The person's first pending or approved request sharing a half day with these dates (a
    morning and an afternoon of the same day do not overlap), or None. One query."""
    wanted = leave_days.halves(
        start, end, starts_afternoon=starts_afternoon, ends_morning=ends_morning
    )
    candidates = (
        LeaveRequest.objects.filter(
            user=user, status__in=HOLDING, start_date__lte=end, end_date__gte=start
        )
        .exclude(pk=excluding)
        .select_related("leave_type")
        .order_by("start_date")
    )
    for other in candidates:
        span = leave_days.halves(
            other.start_date,
            other.end_date,
            starts_afternoon=other.starts_afternoon,
            ends_morning=other.ends_morning,
        )
        if leave_days.overlaps(wanted, span):
            return other
    return None


def my_requests(user: User) -> QuerySet:
    return LeaveRequest.objects.filter(user=user).select_related("user", "leave_type", "decided_by")


# A person's first requests by number of rows (the LIMIT is in the SQL), compiled once.
_FIRST_MINE: dict[int, Prepared] = {}


def first_of_mine(user: User, rows: int):
    """A way to read the first `rows` of my_requests by a query compiled once (hms.paging's
    `first_rows`), with their leave types: "My leave" shows no other part of them but the
    person's role, which is the person's own (`user`, whom each row is given)."""
    prepared = _FIRST_MINE.get(rows)
    if prepared is None:
        prepared = _FIRST_MINE[rows] = Prepared(
            lambda user_id: LeaveRequest.objects.filter(user_id=user_id).select_related(
                "leave_type"
            )[:rows],
            user_id=-1,
        )

    def read() -> list[LeaveRequest]:
        found = prepared.all(user_id=user.pk)
        for leave_request in found:
            leave_request.user = user
        return found

    return read


def pending_queue() -> QuerySet:
    """Requests waiting for a decision, the earliest leave first."""
    return (
        LeaveRequest.objects.filter(status=LeaveStatus.PENDING)
        .select_related("user", "user__department", "leave_type")
        .order_by("start_date", "pk")
    )


def decided_recently() -> QuerySet:
    return (
        LeaveRequest.objects.exclude(status=LeaveStatus.PENDING)
        .select_related("user", "leave_type", "decided_by")
        .order_by("-decided_at", "-pk")
    )


def first_pending(rows: int):
    """A way to read the first `rows` of pending_queue by a query compiled once."""
    return _first_rows("pending", pending_queue, rows)


def first_decided(rows: int):
    """A way to read the first `rows` of decided_recently by a query compiled once."""
    return _first_rows("decided", decided_recently, rows)


@dataclass
class AwayRow:
    """A person and, for each day of the strip, the part of the day they are away (or "")."""

    user: User
    days: list[tuple[date, str, str]]  # (date, part or "", leave type name)


def _approved_between(first: date, last: date) -> QuerySet:
    return (
        LeaveRequest.objects.filter(
            status=LeaveStatus.APPROVED, start_date__lte=last, end_date__gte=first
        )
        .select_related("user", "user__department", "leave_type")
        .order_by("user__last_name", "user__first_name", "user_id", "start_date")
    )


# Who is away's requests, of everyone or of a department: compiled once (hms.prepared), where
# Django built the query on every load (~4,500 of the page's ~12,900 Python calls).
_AWAY = Prepared(
    lambda first, last: _approved_between(first, last),
    first=date(2000, 1, 1),
    last=date(2000, 1, 2),
)
_AWAY_OF = Prepared(
    lambda first, last, department_id: _approved_between(first, last).filter(
        user__department_id=department_id
    ),
    first=date(2000, 1, 1),
    last=date(2000, 1, 2),
    department_id=-1,
)


def who_is_away(first: date, days: int, department_id: int | None = None) -> list[AwayRow]:
    """Everyone with approved leave on any of `days` days from `first` (one department's
    people when given), and which day parts they are away. One query: the requests with their
    people, departments and leave types."""
    last = first + timedelta(days=days - 1)
    if department_id is None:
        requests = _AWAY.all(first=first, last=last)
    else:
        requests = _AWAY_OF.all(first=first, last=last, department_id=department_id)
    strip = [first + timedelta(days=n) for n in range(days)]
    away: dict[int, dict[date, tuple[str, str]]] = {}
    people: dict[int, User] = {}
    for leave_request in requests:
        people[leave_request.user_id] = leave_request.user
        for day, part in request_parts(leave_request):
            if first <= day <= last:
                away.setdefault(leave_request.user_id, {})[day] = (
                    part,
                    leave_request.leave_type.name,
                )
    return [
        AwayRow(
            user=people[user_id],
            days=[(day, *away[user_id].get(day, ("", ""))) for day in strip],
        )
        for user_id in people
    ]
