"""The page of a failure: a lost database connection says nothing was saved (503, try again);
anything else is the plain 500 page. The real drill, PostgreSQL stopped under the running stack,
is tests/e2e/test_local_stack.py."""

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
