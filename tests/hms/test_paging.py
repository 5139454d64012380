"""A short panel is never cut silently and never counted twice: the rows it shows are its count
when there are fewer than it shows; a full one asks the database how many there are."""

from hms import audit, paging
from hms.models import AuditEntry
from hms.prepared import Prepared


def test_a_short_panel_is_its_own_count_in_one_query(staff, django_assert_num_queries):
    for n in range(3):
        audit.record(actor=staff.admin, action="test.note", after={"n": n})
    rows = AuditEntry.objects.filter(action="test.note").order_by("-id")

    with django_assert_num_queries(1):
        panel = paging.first_of(rows, 5)

    assert (panel.count, panel.shown, panel.cut) == (3, 3, False)


def test_a_full_panel_counts_every_row(staff, django_assert_num_queries):
    for n in range(7):
        audit.record(actor=staff.admin, action="test.note", after={"n": n})
    rows = AuditEntry.objects.filter(action="test.note").order_by("-id")

    with django_assert_num_queries(2):
        panel = paging.first_of(rows, 5)
    exactly_full = paging.first_of(rows, 7)

    assert (panel.count, panel.shown, panel.cut) == (7, 5, True)
    assert (exactly_full.count, exactly_full.cut) == (7, False)


def test_a_panel_read_by_a_prepared_query_counts_only_when_it_has_more(
    staff, django_assert_num_queries
):
    for n in range(7):
        audit.record(actor=staff.admin, action="test.note", after={"n": n})
    rows = AuditEntry.objects.filter(action="test.note").order_by("-id")
    newest = {size: Prepared(lambda size=size: rows[: size + 1]) for size in (5, 7)}

    with django_assert_num_queries(2):
        panel = paging.first_of(rows, 5, first_rows=newest[5].all)
    with django_assert_num_queries(1):
        exactly_full = paging.first_of(rows, 7, first_rows=newest[7].all)

    assert (panel.count, panel.shown, panel.cut) == (7, 5, True)
    assert [entry.pk for entry in panel] == [entry.pk for entry in rows[:5]]
    assert (exactly_full.count, exactly_full.shown, exactly_full.cut) == (7, 7, False)


def test_a_ranked_list_reads_its_page_and_its_count_in_one_query(
    staff, rf, django_assert_num_queries
):
    for n in range(12):
        audit.record(actor=staff.admin, action="test.note", after={"n": n})
    rows = AuditEntry.objects.filter(action="test.note").order_by("-id")

    with django_assert_num_queries(1):
        second = paging.ranked_page_of(rf.get("/", {"page": "2"}), rows, 5)
        labels = [entry.after["n"] for entry in second]
    last = paging.ranked_page_of(rf.get("/", {"page": "9"}), rows, 5)  # past the end
    none = paging.ranked_page_of(rf.get("/"), rows.filter(action="nothing"), 5)

    assert labels == [6, 5, 4, 3, 2]
    assert (second.paginator.count, second.number, second.paginator.num_pages) == (12, 2, 3)
    assert (second.start_index(), second.end_index()) == (6, 10)
    assert (last.number, [entry.after["n"] for entry in last]) == (3, [1, 0])
    assert (none.paginator.count, list(none)) == (0, [])


def test_a_short_lists_first_page_is_its_own_count(staff, rf, django_assert_num_queries):
    for n in range(7):
        audit.record(actor=staff.admin, action="test.note", after={"n": n})
    rows = AuditEntry.objects.filter(action="test.note").order_by("-id")

    with django_assert_num_queries(1):
        short = paging.page_of(rf.get("/"), rows, 10)
        assert (short.paginator.count, len(short.object_list)) == (7, 7)
    with django_assert_num_queries(2):
        full = paging.page_of(rf.get("/"), rows, 5)
        assert [entry.after["n"] for entry in full] == [6, 5, 4, 3, 2]
    second = paging.page_of(rf.get("/", {"page": "2"}), rows, 5)

    assert (full.paginator.count, full.paginator.num_pages, full.has_next()) == (7, 2, True)
    assert [entry.after["n"] for entry in second] == [1, 0]


def test_a_count_over_a_table_that_only_grows_stops_at_the_cap(
    staff, rf, django_assert_num_queries
):
    for n in range(12):
        audit.record(actor=staff.admin, action="test.note", after={"n": n})
    rows = AuditEntry.objects.filter(action="test.note").order_by("-id")

    assert paging.count_up_to(rows, 12) == (12, False)
    assert paging.count_up_to(rows, 11) == (11, True)
    with django_assert_num_queries(2):
        panel = paging.first_of(rows, 5, capped=True)
    short = paging.first_of(rows, 20, capped=True)
    with django_assert_num_queries(2):
        page = paging.page_of(rf.get("/", {"page": "3"}), rows, 4, capped=True)
        labels = [entry.after["n"] for entry in page]
    exact = paging.page_of(rf.get("/"), rows.filter(after__n__lt=3), 4, capped=True)

    assert (panel.count, panel.over, panel.cut) == (12, False, True)
    assert (short.count, short.over) == (12, False)
    assert labels == [3, 2, 1, 0]
    assert (page.paginator.count, page.paginator.over) == (12, False)
    assert (exact.paginator.count, exact.paginator.over, len(exact)) == (3, False, 3)


def test_past_the_cap_the_count_says_over_and_the_pages_stop_at_it(staff, rf, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 10)
    for n in range(12):
        audit.record(actor=staff.admin, action="test.note", after={"n": n})
    rows = AuditEntry.objects.filter(action="test.note").order_by("-id")

    panel = paging.first_of(rows, 5, capped=True)
    last = paging.page_of(rf.get("/", {"page": "9"}), rows, 4, capped=True)

    assert (panel.count, panel.over, panel.cut) == (10, True, True)
    assert (last.paginator.count, last.paginator.over, last.paginator.num_pages) == (10, True, 3)
    assert (last.number, [entry.after["n"] for entry in last]) == (3, [3, 2])
