"""A lab step and a new order of the same test at the same moment, two real transactions on
PostgreSQL: the deadlock the 200-user load test met (session 19), and why it cannot come back
(hms.locking)."""

import threading

import pytest
from django.db import connection

from lab import services
from lab.models import OrderStatus, TestOrder
from tests.lab.conftest import advance, make_patient, order


def _backend_pid() -> int:
    connection.ensure_connection()
    return connection.connection.info.backend_pid


def _waits_for_a_lock(pid: int) -> bool:
    """Whether the backend `pid` is blocked on a lock (a row, a transaction, an advisory lock),
    read from the test's own connection (autocommit: each read a fresh snapshot)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return bool(row) and row[0] == "Lock"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_technician_collecting_a_sample_and_a_doctor_ordering_the_same_test_both_save(
    staff, catalog, monkeypatch
):
    """The technician's step locks its order, then audits; the doctor's order of the same test
    for another patient audits, then, at COMMIT, checks its reference to the test. With the
    order locked FOR UPDATE together with its test (a select_related), the doctor's COMMIT waited
    for the technician while holding the audit log's lock the technician waited for: PostgreSQL
    failed one of them ("deadlock detected", the doctor's page a 500 in the load test). Now the
    doctor's order saves without waiting, and so does the technician's step."""
    (waiting,) = order(staff, catalog, make_patient(), "CBC")
    other_patient = make_patient()
    step_locked, go_on, order_done = threading.Event(), threading.Event(), threading.Event()
    outcome: dict[str, object] = {}
    pids: dict[str, int] = {}
    lock_the_order = services._locked

    def paused_after_the_lock(order_: TestOrder) -> TestOrder:
        locked_order = lock_the_order(order_)
        step_locked.set()
        go_on.wait()
        return locked_order

    monkeypatch.setattr(services, "_locked", paused_after_the_lock)

    def technician() -> None:
        try:
            outcome["step"] = advance(waiting, OrderStatus.COLLECTED, staff["tech"])
        except Exception as error:  # reported by the assertions
            outcome["step"] = error
        finally:
            connection.close()

    def doctor() -> None:
        try:
            pids["doctor"] = _backend_pid()
            outcome["order"] = order(staff, catalog, other_patient, "CBC")
        except Exception as error:  # reported by the assertions
            outcome["order"] = error
        finally:
            order_done.set()
            connection.close()

    step = threading.Thread(target=technician)
    step.start()
    step_locked.wait()
    placing = threading.Thread(target=doctor)
    placing.start()
    # The doctor's order either saves, or waits on a lock the technician holds: then let the
    # technician go on to its audit, which is where the two used to deadlock.
    while not order_done.wait(0.05):
        if "doctor" in pids and _waits_for_a_lock(pids["doctor"]):
            break
    go_on.set()
    step.join()
    placing.join()

    assert isinstance(outcome["order"], list), outcome
    assert isinstance(outcome["step"], TestOrder), outcome
    assert TestOrder.objects.get(pk=waiting.pk).status == OrderStatus.COLLECTED
    assert TestOrder.objects.filter(patient=other_patient, test=catalog["CBC"]).count() == 1
