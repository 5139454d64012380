"""A list of people's ids as one value of a query, so the attendance screens' queries have the
same SQL whatever the number of people and can be compiled once (hms.prepared refuses an `__in`
list: its length is in the SQL). Over ~50 values psycopg neither caches a query's parsing nor
lets PostgreSQL keep it prepared, and Django prepares each id of a list: the team's day of a
large hospital wrote ~290 ids into each of its three queries (docs/BENCHMARKS.md, issue 14)."""

from collections.abc import Iterable

from django.db import connection
from django.db.models.expressions import RawSQL


def written(user_ids: Iterable[int]) -> str:
    """The ids as the one value `among` reads: "3,17,42"."""
    return ",".join(str(int(user_id)) for user_id in user_ids)


def among(ids: str) -> RawSQL:
    """The ids `written` as a subquery: `filter(user_id__in=among(ids))`."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(string_to_array(%s, ','))::bigint", [ids])
    return RawSQL("SELECT value FROM json_each('[' || %s || ']')", [ids])
