"""The rostered staff a page at a time, for the roster and the monthly report: the first page
(the one nearly always asked for) read with the number of all of them in one query compiled
once (hms.prepared), where Django built a count and a page each time (~1.5 ms of the roster's
CPU on the large hospital, tests/bench/pages.py --profile)."""

from django.core.paginator import Page
from django.db.models import Count, QuerySet, Window
from django.http import HttpRequest

from accounts.models import Department
from hms import paging
from hms.prepared import Prepared
from hr import services


def staff(department: Department | None = None) -> QuerySet:
    """The people a roster holds (by name), with their department; of `department` if given."""
    people = services.rosterable_staff().select_related("department")
    return people.filter(department=department) if department is not None else people


def _counted(people: QuerySet) -> QuerySet:
    return people.annotate(rows_in_all=Window(Count("pk")))


class FirstPages:
    """The first `per_page` people, each row carrying the count of all (COUNT(*) OVER ()), of
    everyone or of a department: compiled once. Later pages are counted and read by Django."""

    def __init__(self, per_page: int) -> None:
        self.per_page = per_page
        self._everyone = Prepared(lambda: _counted(staff())[:per_page])
        self._of_department = Prepared(
            lambda department_id: _counted(staff().filter(department_id=department_id))[:per_page],
            department_id=-1,
        )

    def page(self, request: HttpRequest, department: Department | None) -> Page:
        """The page of people the request asks for (hms.paging.page_of)."""
        people = staff(department)
        if paging.page_number(request) != 1:
            return paging.page_of(request, people, self.per_page)
        if department is None:
            rows = self._everyone.all()
        else:
            rows = self._of_department.all(department_id=department.pk)
        count = rows[0].rows_in_all if rows else 0
        return paging.page_of(request, people, self.per_page, count=count, first_rows=lambda: rows)
