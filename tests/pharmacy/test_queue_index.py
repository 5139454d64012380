"""The dispensing queue's partial index (`prescription_waiting_idx`, clinical migration 0023) holds
only what is still to give. PostgreSQL uses a partial index only for a query whose filters imply
its condition: if the queue's filters and the index's condition drift apart, the queue walks
every prescription ever dispensed again (19 ms against 1.2 ms on a 10,000-patient hospital,
docs/BENCHMARKS.md) with no error anywhere. These tests catch that drift."""

import pytest
from django.db import connection

from clinical.models import Prescription
from pharmacy import dispensing_selectors

INDEX = "prescription_waiting_idx"


def _index():
    return next(index for index in Prescription._meta.indexes if index.name == INDEX)


def _where(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    return sql.split(" WHERE ", 1)[1] % tuple(repr(p) for p in params)


def test_the_queue_filters_exactly_what_the_index_holds(db):
    """On any database: the queue's WHERE is the index's condition, clause for clause."""
    indexed = Prescription.objects.filter(_index().condition)

    assert _where(dispensing_selectors.waiting()) == _where(indexed)


@pytest.mark.postgres
@pytest.mark.parametrize("page", ["waiting", "queue", "count"])
def test_postgresql_can_answer_the_queue_from_the_index(db, page):
    """With sequential scans priced out (a test table is small enough for the planner to prefer
    one), the queue's scan of the prescriptions is the partial index: its filters imply the
    index's condition."""
    queryset = {
        "waiting": dispensing_selectors.waiting().order_by("created_at", "id"),
        "queue": dispensing_selectors.queue(),
        "count": dispensing_selectors.waiting(),
    }[page]
    sql, params = (
        queryset.query.sql_with_params()
        if page != "count"
        else queryset.values("pk").query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert INDEX in plan, plan
