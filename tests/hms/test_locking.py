"""Row locks (hms.locking): every service takes them one way, and that way keeps two people
acting on one row in turn without holding back anybody's insert that only points to it."""

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.db.utils import OperationalError

from clinical.models import Patient
from hms.locking import locked
from lab.models import LabTest, TestOrder
from tests.factories import LabOrderFactory
from tests.races import race

ROOT = Path(__file__).resolve().parents[2]


def _lock_calls_in(path: Path) -> list[int]:
    """The lines of `path` that call `.select_for_update(...)` (a mention in a docstring or a
    comment is no call)."""
    tree = ast.parse(path.read_text())
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "select_for_update"
    ]


def _lock_calls() -> list[str]:
    """Every `.select_for_update(...)` call in the project's own apps, as "path:line"."""
    calls = []
    for config in apps.get_app_configs():
        folder = Path(config.path)
        if not folder.is_relative_to(ROOT) or "site-packages" in folder.parts:
            continue  # Django's and the libraries' apps (the virtualenv may be in the checkout)
        for path in sorted(folder.rglob("*.py")):
            calls += [f"{path.relative_to(ROOT)}:{line}" for line in _lock_calls_in(path)]
    return calls


def test_every_row_lock_of_the_apps_is_taken_through_hms_locking():
    """A `select_for_update()` of its own would be FOR UPDATE of every joined table again: the
    lock that deadlocked a doctor's test order against a technician's step."""
    calls = _lock_calls()

    assert len(calls) == 1 and calls[0].startswith("hms/locking.py:"), calls


def test_the_scan_finds_a_call_and_not_a_mention(tmp_path):
    module = tmp_path / "services.py"
    module.write_text(
        '"""Each bed is read with select_for_update."""\n'
        "# select_for_update() here would be wrong\n"
        "def bed(pk):\n"
        "    return Bed.objects.select_for_update().get(pk=pk)\n"
    )

    assert _lock_calls_in(module) == [4]


def _other_connection_takes(sql: str, params: list) -> bool:
    """Whether another connection gets the lock `sql` asks for (NOWAIT: at once, or not at all)."""

    def take(_runner: int) -> bool:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, params)
        return True

    outcome = race(take, runners=1)[0]
    if isinstance(outcome, OperationalError):  # psycopg's LockNotAvailable, through Django
        return False
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_locked_row_keeps_other_lockers_out_and_lets_inserts_point_to_it():
    order = LabOrderFactory()
    key_share = "SELECT 1 FROM {} WHERE id = %s FOR KEY SHARE NOWAIT"
    no_key_update = "SELECT 1 FROM {} WHERE id = %s FOR NO KEY UPDATE NOWAIT"
    orders, tests, patients = (model._meta.db_table for model in (TestOrder, LabTest, Patient))

    with transaction.atomic():
        locked(TestOrder.objects).select_related("test", "patient").get(pk=order.pk)

        # Another service locking the same order waits its turn...
        assert not _other_connection_takes(no_key_update.format(orders), [order.pk])
        # ...but a new row pointing to the order, its test or its patient is checked at once
        # (Django's deferred foreign-key check at COMMIT takes FOR KEY SHARE)...
        assert _other_connection_takes(key_share.format(orders), [order.pk])
        assert _other_connection_takes(key_share.format(tests), [order.test_id])
        assert _other_connection_takes(key_share.format(patients), [order.patient_id])
        # ...and the rows read beside it are not locked at all: another order of the same test,
        # or of the same patient, goes ahead.
        assert _other_connection_takes(no_key_update.format(tests), [order.test_id])
        assert _other_connection_takes(no_key_update.format(patients), [order.patient_id])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_row_locked_to_be_deleted_holds_back_inserts_that_would_point_to_it():
    order = LabOrderFactory()

    with transaction.atomic():
        locked(TestOrder.objects, deleting=True).get(pk=order.pk)

        assert not _other_connection_takes(
            f"SELECT 1 FROM {TestOrder._meta.db_table} WHERE id = %s FOR KEY SHARE NOWAIT",
            [order.pk],
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_relation_named_in_also_is_locked_with_the_row():
    order = LabOrderFactory()

    with transaction.atomic():
        locked(TestOrder.objects, also=("patient",)).select_related("patient").get(pk=order.pk)

        assert not _other_connection_takes(
            f"SELECT 1 FROM {Patient._meta.db_table} WHERE id = %s FOR NO KEY UPDATE NOWAIT",
            [order.patient_id],
        )
        assert _other_connection_takes(
            f"SELECT 1 FROM {Patient._meta.db_table} WHERE id = %s FOR KEY SHARE NOWAIT",
            [order.patient_id],
        )
