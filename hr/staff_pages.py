"""The rostered staff a page at a time, for the roster and the monthly report: the first page
(the one nearly always asked for) read with the number of all of them in one query compiled
once (hms.prepared), where Django built a count and a page each time (~1.5 ms of the roster's
CPU on the large hospital, tests/bench/pages.py --profile)."""

from typing import NamedTuple

from django.core.paginator import Page
from django.db.models import Count, QuerySet, Window
from django.http import HttpRequest

from accounts.models import Department
from hms import paging
from hms.prepared import Prepared
from hr import services


class StaffMember(NamedTuple):
    """A person as the attendance screens' rows show them, read as plain values (a User built
    from a row cost ~100 function calls, a page of 50 ~5,000): what the rows ask of a User,
    `department` being the department's name (None without one), shown as a Department is."""

    pk: int
    first_name: str
    last_name: str
    username: str
    role: str
    department: str | None

    def get_full_name(self) -> str:
        """As User.get_full_name: the first and last names, stripped."""
        return f"{self.first_name} {self.last_name}".strip()


# What a StaffMember is read from, in its order.
MEMBER_VALUES = ("pk", "first_name", "last_name", "username", "role", "department__name")


def member(row: dict) -> StaffMember:
    """The StaffMember of a row of MEMBER_VALUES."""
    return StaffMember(
        row["pk"],
        row["first_name"],
        row["last_name"],
        row["username"],
        row["role"],
        row["department__name"],
    )


def staff(department: Department | None = None) -> QuerySet:
    """The people a roster holds (by name), with their department; of `department` if given."""
    people = services.rosterable_staff().select_related("department")
    return people.filter(department=department) if department is not None else people


def _counted(people: QuerySet) -> QuerySet:
    return people.annotate(rows_in_all=Window(Count("pk")))


class FirstPages:
    """The first `per_page` people, each row carrying the count of all (COUNT(*) OVER ()), of
    everyone or of a department: compiled once, read as StaffMembers. Later pages are counted
    and read by Django (Users, which the rows read the same way)."""

    def __init__(self, per_page: int) -> None:
        self.per_page = per_page
        self._everyone = Prepared(
            lambda: _counted(staff())[:per_page].values(*MEMBER_VALUES, "rows_in_all")
        )
        self._of_department = Prepared(
            lambda department_id: _counted(staff().filter(department_id=department_id))[
                :per_page
            ].values(*MEMBER_VALUES, "rows_in_all"),
            department_id=-1,
        )

    def page(self, request: HttpRequest, department: Department | None) -> Page:
        """The page of people the request asks for (hms.paging.page_of)."""
        if paging.page_number(request) != 1:
            return paging.page_of(request, staff(department), self.per_page)
        if department is None:
            rows = self._everyone.values()
        else:
            rows = self._of_department.values(department_id=department.pk)
        count = rows[0]["rows_in_all"] if rows else 0
        first = [member(row) for row in rows]
        # The first page's rows are all its paginator is asked for: no queryset is built.
        return paging.page_of(request, first, self.per_page, count=count, first_rows=lambda: first)


# Every rostered person (of a department), as plain values: the team's day reads them all.
_MEMBERS = Prepared(lambda: staff().values(*MEMBER_VALUES))
_MEMBERS_OF = Prepared(
    lambda department_id: staff().filter(department_id=department_id).values(*MEMBER_VALUES),
    department_id=-1,
)


def members(department: Department | None = None) -> list[StaffMember]:
    """Everyone staff() holds (of `department`), by name, as StaffMembers: one query compiled
    once."""
    if department is None:
        rows = _MEMBERS.values()
    else:
        rows = _MEMBERS_OF.values(department_id=department.pk)
    return [member(row) for row in rows]
