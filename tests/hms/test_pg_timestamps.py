"""On PostgreSQL, timestamps with time zone are read by psycopg's own loader (hms.apps): the same
aware datetimes as Django's loader gives, instant and tzinfo (issue 14, session 29)."""

import datetime

import pytest
from django.db import connection

from tests.conftest import ON_POSTGRES

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not ON_POSTGRES, reason="PostgreSQL's loaders (the suite's second run)"),
]

MOMENTS = [
    "2026-12-04 07:03:56.123456+03",
    "2026-03-29 01:30:00+00",
    "2024-02-29 23:59:59.999999-11",
    "1970-01-01 00:00:00+00",
    "9999-12-31 23:59:59+00",
]


def _read(cursor) -> list:
    cursor.execute("SELECT " + ", ".join("%s::timestamptz" for _ in MOMENTS), MOMENTS)
    return list(cursor.fetchone())


def test_every_moment_reads_as_djangos_own_loader_reads_it():
    from django.db.backends.postgresql.psycopg_any import register_tzloader

    with connection.cursor() as cursor:
        ours = _read(cursor)
    with connection.cursor() as cursor:
        register_tzloader(connection.timezone, cursor.cursor)
        djangos = _read(cursor)

    assert ours == djangos
    assert [moment.tzinfo for moment in ours] == [moment.tzinfo for moment in djangos]
    assert all(moment.tzinfo is datetime.UTC for moment in ours)
    assert ours[0] == datetime.datetime(2026, 12, 4, 4, 3, 56, 123456, tzinfo=datetime.UTC)


def test_a_saved_moment_reads_back_the_same(staff):
    from hms.audit import record
    from hms.models import AuditEntry

    entry = record(actor=staff.nurse, action="test.moment")
    again = AuditEntry.objects.get(pk=entry.pk)

    assert again.at == entry.at
    assert again.at.tzinfo is datetime.UTC
