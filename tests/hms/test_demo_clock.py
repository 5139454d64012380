"""The demo's clock (hms.demo_clock): inside it the services' "now" is the moment set, in that
thread only; nothing is announced or left for after the commit; outside it, the real time again."""

import threading
from datetime import datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from hms import audit, realtime
from hms.demo_clock import DemoClock
from hms.models import AuditEntry
from tests.factories import PatientFactory


def test_inside_the_clock_now_is_the_moment_set_and_only_in_this_thread(db):
    past = timezone.now() - timedelta(days=40)
    seen_elsewhere = []

    with DemoClock() as clock:
        clock.set(past)
        inside = timezone.now()
        other = threading.Thread(target=lambda: seen_elsewhere.append(timezone.now()))
        other.start()
        other.join()
        patient = PatientFactory()

    assert inside == past
    assert patient.registered_at == past  # auto_now_add takes it too
    assert seen_elsewhere[0] > past + timedelta(days=39)
    assert timezone.now() > past + timedelta(days=39)


def test_the_past_is_not_announced_nor_left_for_after_the_commit(
    db, monkeypatch, django_capture_on_commit_callbacks
):
    sent, ran = [], []
    monkeypatch.setattr(realtime, "publish_html", lambda group, html, **_: sent.append(group))

    with django_capture_on_commit_callbacks(execute=True):
        with DemoClock() as clock:
            clock.set(timezone.now() - timedelta(hours=3))
            realtime.publish("beds", "hms/signal.html", {"event": "in the past"})
            transaction.on_commit(lambda: ran.append("in the past"))
        realtime.publish("audit", "hms/signal.html", {"event": "now"})
        transaction.on_commit(lambda: ran.append("now"))

    assert sent == ["audit"]
    assert ran == ["now"]


def test_the_audit_row_of_an_action_in_the_past_is_of_that_moment_and_the_chain_holds(db):
    past = timezone.now() - timedelta(days=3)

    with DemoClock() as clock:
        clock.set(past)
        entry = audit.record(actor=None, action="demo.past", actor_username="system")

    assert AuditEntry.objects.get(pk=entry.pk).at == past
    assert audit.verify().ok


@pytest.mark.parametrize(
    "moment",
    [datetime(2026, 1, 1, 9), "future"],
    ids=["naive", "in the future"],
)
def test_the_clock_takes_only_aware_moments_not_after_now(db, moment):
    if moment == "future":
        moment = timezone.now() + timedelta(minutes=5)

    with DemoClock() as clock, pytest.raises(ValueError):
        clock.set(moment)
