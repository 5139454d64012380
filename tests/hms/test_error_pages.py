"""The page of a failure: a lost database connection says nothing was saved (503, try again); a
save that collided with a colleague's says the same (409, do it again); anything else is the plain
500 page. The real drill, PostgreSQL stopped under the running stack,
is tests/e2e/test_local_stack.py."""

import sqlite3

import psycopg
from django.db import InterfaceError, OperationalError

from hms.views import server_error


def _page_of(error: Exception, rf):
    try:
        raise error
    except Exception:  # noqa: BLE001 - Django calls handler500 inside its except block
        return server_error(rf.post("/patients/register/"))


def test_a_lost_database_connection_answers_503_saying_what_was_done_was_not_saved(rf):
    for error in (
        OperationalError("server closed the connection unexpectedly"),
        InterfaceError("connection already closed"),
    ):
        response = _page_of(error, rf)
        assert response.status_code == 503
        assert response["Retry-After"] == "30"
        page = response.content.decode()
        assert "The hospital&#x27;s database is not answering" in page or (
            "The hospital's database is not answering" in page
        )
        assert "What you just did was not saved." in page


def test_any_other_failure_answers_the_plain_500_page_without_touching_the_database(rf):
    # No db fixture: pytest-django refuses any query, so the page must render without one.
    response = _page_of(ValueError("a bug"), rf)
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert "Retry-After" not in response


def _wrapped(cause: Exception) -> OperationalError:
    """The error Django raises for a driver's: its OperationalError, the driver's as the cause."""
    try:
        raise OperationalError(str(cause)) from cause
    except OperationalError as error:
        return error


def _sqlite_busy(tmp_path) -> sqlite3.OperationalError:
    """SQLite's own "database is locked": a second writer that will not wait for the first."""
    path = tmp_path / "busy.sqlite3"
    first = sqlite3.connect(path, isolation_level=None)
    second = sqlite3.connect(path, isolation_level=None, timeout=0)
    first.execute("BEGIN IMMEDIATE")
    try:
        second.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as busy:
        return busy
    finally:
        first.close()
        second.close()
    raise AssertionError("the second writer was let in")


def test_a_save_that_collided_with_a_colleagues_answers_409_saying_do_it_again(rf, tmp_path):
    """A deadlock or a lock not had is not the database being down: the page says what happened
    and that a second try will do (the load test's deadlocked order showed "not answering")."""
    for cause in (
        psycopg.errors.DeadlockDetected("deadlock detected"),
        psycopg.errors.SerializationFailure("could not serialize access"),
        psycopg.errors.LockNotAvailable("could not obtain lock on row"),
        _sqlite_busy(tmp_path),
    ):
        response = _page_of(_wrapped(cause), rf)

        assert response.status_code == 409, cause
        assert "Retry-After" not in response
        page = response.content.decode()
        assert "Someone else was saving the same thing at the same moment" in page
        assert "What you just did was not saved." in page
        assert "do it again" in page


def test_other_database_failures_still_say_the_database_is_not_answering(rf):
    for cause in (
        psycopg.errors.AdminShutdown("terminating connection due to administrator command"),
        psycopg.errors.DiskFull("could not extend file"),
    ):
        assert _page_of(_wrapped(cause), rf).status_code == 503, cause
