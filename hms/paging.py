"""Lists shown a page at a time, always saying how many there are (STYLE habit 17).

A list is never cut silently: either it is paged (`page_of`, shown with hms/pagination.html:
"51–100 of 180") or, for a dashboard's deliberately short panel, it shows its first few and says
how many there are with a link to the full list (`first_of`, shown with hms/more.html).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window
from django.http import HttpRequest

from hms import params

# Past this many rows a count says "over 10,000" instead of reading every row: counting a table
# that only grows (the audit log, the sales) costs a read of all of it, on every load.
COUNT_CAP = 10_000


def count_up_to(queryset: QuerySet, cap: int | None = None) -> tuple[int, bool]:
    """How many rows `queryset` has, read no further than `cap` (default COUNT_CAP) + 1 rows
    (its order dropped: a LIMIT over an unordered scan stops early): (the count, False), or
    (`cap`, True) when there are more."""
    cap = COUNT_CAP if cap is None else cap
    counted = queryset.order_by()[: cap + 1].count()
    return (cap, True) if counted > cap else (counted, False)


def page_number(request: HttpRequest, name: str = "page") -> int:
    """The page asked for; the first for a missing or odd value ("x", "-1", 20 digits)."""
    return params.db_id(request.GET.get(name)) or 1


def page_of(
    request: HttpRequest,
    object_list,
    per_page: int,
    *,
    name: str = "page",
    count: int | None = None,
    first_rows: Callable[[], list] | None = None,
    capped: bool = False,
) -> Page:
    """The page of `object_list` the request asks for (past the last: the last page). Counting
    is one query in the database over every row, whatever the page; a page that has counted
    its rows already (a tab's badge) passes `count` and saves it. The first page of a short
    list is its own count: its rows are read with one more, and a list that fits on the page
    asks no count at all (a full one is counted as before, its rows kept for the page).
    `first_rows`, `capped`: see page_at."""
    return page_at(
        object_list,
        per_page,
        page_number(request, name),
        count=count,
        first_rows=first_rows,
        capped=capped,
    )


def page_at(
    object_list,
    per_page: int,
    number: int,
    *,
    count: int | None = None,
    first_rows: Callable[[], list] | None = None,
    capped: bool = False,
) -> Page:
    """page_of for a page number already read (a selector's `page` argument). `first_rows`,
    when given, reads the list's first `per_page + 1` rows another way than slicing
    `object_list` (a hms.prepared query: the first page is the one nearly always asked for);
    with `count` known, only its first `per_page` are shown, and none is read for a count of 0.

    `capped` (a QuerySet over a table that only grows, the audit log): counted no further than
    COUNT_CAP rows; past it the pages stop there and `page.paginator.over` is True, which
    hms/pagination.html shows as "of over 10,000" (the filters reach the rest)."""
    paginator = Paginator(object_list, per_page)
    paginator.over = False
    if capped and count is None and isinstance(object_list, QuerySet):
        count, paginator.over = count_up_to(object_list)
    if count is None and number == 1 and isinstance(object_list, QuerySet):
        rows = first_rows() if first_rows else list(object_list[: per_page + 1])
        paginator.count = len(rows) if len(rows) <= per_page else object_list.count()
        return Page(rows[:per_page], 1, paginator)
    if count is not None:
        paginator.count = count  # the cached property, filled in
        if number == 1 and first_rows:
            return Page(first_rows()[:per_page] if count else [], 1, paginator)
    return paginator.get_page(number)


def ranked_page_of(request: HttpRequest, object_list, per_page: int, *, name: str = "page") -> Page:
    """page_of for a list whose order makes the database read every row anyway (matches ranked
    by a score): the page's rows carry the number of all rows (COUNT(*) OVER ()), one query
    instead of a count and a page. A list an index serves in order keeps page_of: a count over
    its window would make the database read every row it otherwise skips. Past the last page,
    or for a list that is not a QuerySet, it is page_of."""
    if not isinstance(object_list, QuerySet):
        return page_of(request, object_list, per_page, name=name)
    number = page_number(request, name)
    start = (number - 1) * per_page
    rows = list(object_list.annotate(rows_in_all=Window(Count("pk")))[start : start + per_page])
    if not rows and number > 1:
        return page_of(request, object_list, per_page, name=name)
    paginator = Paginator(object_list, per_page)
    paginator.count = rows[0].rows_in_all if rows else 0
    return Page(rows, number, paginator)


@dataclass(frozen=True)
class FirstFew:
    """The first `len(items)` rows of a list and how many rows the whole list has."""

    items: list
    count: int
    over: bool = False  # more than `count` (COUNT_CAP) rows: first_of(capped=True)

    @property
    def shown(self) -> int:
        return len(self.items)

    @property
    def cut(self) -> bool:
        return self.count > len(self.items)

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


def first_of(
    queryset,
    size: int,
    *,
    first_rows: Callable[[], list] | None = None,
    capped: bool = False,
) -> FirstFew:
    """A short panel's rows (the first `size`) and the count of all of them: one query when the
    panel is not full (the rows are all there are), two when it is, whatever the number of rows
    (a page's query count never grows with the data). `first_rows`, when given, reads the first
    `size + 1` rows another way (a hms.prepared query): `size` or fewer are all there are.
    `capped` (a table that only grows): counted no further than COUNT_CAP rows, `over` past it
    (hms/more.html: "8 of over 10,000")."""
    if first_rows is not None:
        rows = first_rows()
        items = rows[:size]
        full = len(rows) > size
    else:
        items = list(queryset[:size])
        full = len(items) == size
    if not full:
        return FirstFew(items, len(items))
    if capped:
        return FirstFew(items, *count_up_to(queryset))
    return FirstFew(items, queryset.count())
