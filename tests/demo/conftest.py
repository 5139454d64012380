"""The demo hospital, as `make run` leaves it, shared by this package's tests.

`seed_demo` is run twice (a second `make run` does that) once for the whole package, in a
transaction rolled back after its last test; each test runs in a savepoint inside it
(pytest-django's `db`), so what one test does is undone for the next. A first seed takes about
20 s on SQLite and more on PostgreSQL; each of these modules used to seed on its own. The package's
tests run on one xdist worker, one after another (`xdist_group("demo")`, given to each by the hook
below, before tests/conftest.py reads the groups), so the package fixture is made once.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction

from hr.models import LeaveRequest
from tests.hms.log_capture import json_logs

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class SeededDemo:
    """The seeded demo: what the first seed printed, what both seeds logged (JSON lines, DEBUG and
    up), and what a second seed must leave as the first left it (`first` == `second`)."""

    printed: str
    logged: str
    first: dict[str, object]
    second: dict[str, object]


def kept_by_a_second_seed() -> dict[str, object]:
    """Every table's row count, and each leave request's state and length (a seed that decided a
    request again would change no count)."""
    kept: dict[str, object] = {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models()
        if not model._meta.proxy and model._meta.managed
    }
    kept["leave requests"] = sorted(LeaveRequest.objects.values_list("pk", "status", "days"))
    return kept


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """This package's tests share one worker, so its demo is seeded once."""
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.xdist_group("demo"))


@pytest.fixture(scope="package")
def demo(django_db_setup, django_db_blocker) -> Iterator[SeededDemo]:
    with django_db_blocker.unblock(), transaction.atomic():
        printed = StringIO()
        with json_logs() as logged:
            call_command("seed_demo", stdout=printed)
            first = kept_by_a_second_seed()
            call_command("seed_demo", stdout=StringIO())
            second = kept_by_a_second_seed()
        yield SeededDemo(printed.getvalue(), logged.getvalue(), first, second)
        transaction.set_rollback(True)


@pytest.fixture
def seeded(demo, db) -> SeededDemo:
    """The demo hospital, this test in its own savepoint."""
    return demo
