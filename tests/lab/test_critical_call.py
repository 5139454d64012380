"""The lab records the critical-value telephone call (issue 19, item 4): who was called, when,
read back yes or no; audited and shown on the result. The critical notification of one result
version is one event, so one acknowledgement settles it."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse

from hms.models import AuditEntry
from lab import services
from lab.models import CriticalCall, OrderStatus
from messaging.models import Notification
from tests.lab.conftest import CBC_NORMAL, field_values, make_patient, order, walk

NAIROBI = ZoneInfo("Africa/Nairobi")
NOON = datetime(2026, 11, 24, 12, tzinfo=NAIROBI)
CRITICAL = {"Haemoglobin": "5.8", "White_cells": "6", "Platelets": "250"}


def _critical_cbc(staff, catalog, at=None):
    """A CBC with a critical result, entered at `at` (default now)."""
    patient = make_patient(sex="M", age=50, first_name="Juma", last_name="Mwangi")
    (cbc,) = order(staff, catalog, patient, "CBC")
    walk(cbc, OrderStatus.IN_PROGRESS, staff)
    with time_machine.travel(at or datetime.now(tz=NAIROBI), tick=at is None):
        services.results_enter(actor=staff["tech"], order=cbc, values=field_values(cbc, **CRITICAL))
    return cbc


def test_the_technician_records_the_call_and_everyone_sees_it_on_the_result(
    staff, catalog, client_for
):
    cbc = _critical_cbc(staff, catalog, at=NOON - timedelta(minutes=20))
    url = reverse("lab_critical_call", args=[cbc.pk])

    with time_machine.travel(NOON, tick=False):
        response = client_for(staff["tech"]).post(
            url,
            {
                "called_person": "Dr Amina Otieno, medical ward",
                "called_time": "11:50",
                "read_back": "yes",
            },
        )

    assert response.status_code == 302
    call = CriticalCall.objects.get(order=cbc)
    assert call.called_person == "Dr Amina Otieno, medical ward" and call.read_back
    assert call.called_at == datetime(2026, 11, 24, 11, 50, tzinfo=NAIROBI)
    assert call.recorded_by == staff["tech"] and call.result_version == 1
    entry = AuditEntry.objects.get(action="lab.critical_call")
    assert entry.actor == staff["tech"] and entry.after["read_back"] is True
    page = client_for(staff["doctor"]).get(reverse("lab_order", args=[cbc.pk])).content.decode()
    assert "Dr Amina Otieno, medical ward called by Peter Kamau" in page
    assert f'action="{url}"' not in page  # the doctor sees the call, not the form


def test_a_refused_call_keeps_what_was_typed_and_saves_nothing(staff, catalog, client_for):
    cbc = _critical_cbc(staff, catalog)

    response = client_for(staff["tech"]).post(
        reverse("lab_critical_call", args=[cbc.pk]),
        {"called_person": "  ", "called_time": "11:50", "read_back": "no"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="call-person-error"' in page and "Name the person called." in page
    assert 'value="11:50"' in page and 'value="no" checked' in page
    assert not CriticalCall.objects.exists()
    assert not AuditEntry.objects.filter(action="lab.critical_call").exists()


def test_there_is_no_call_to_record_for_a_result_without_a_critical_value(
    staff, catalog, client_for
):
    patient = make_patient()
    (cbc,) = order(staff, catalog, patient, "CBC")
    walk(cbc, OrderStatus.IN_PROGRESS, staff)
    services.results_enter(actor=staff["tech"], order=cbc, values=field_values(cbc, **CBC_NORMAL))

    response = client_for(staff["tech"]).post(
        reverse("lab_critical_call", args=[cbc.pk]),
        {"called_person": "Dr Otieno", "called_time": "00:01", "read_back": "yes"},
        follow=True,
    )

    assert "has no critical value to call about" in response.content.decode()
    assert not CriticalCall.objects.exists()


def test_only_the_lab_records_the_call(staff, catalog, client_for):
    cbc = _critical_cbc(staff, catalog)

    for role in ("doctor", "nurse"):
        response = client_for(staff[role]).post(
            reverse("lab_critical_call", args=[cbc.pk]),
            {"called_person": "Dr Otieno", "called_time": "00:01", "read_back": "yes"},
        )
        assert response.status_code == 403

    assert not CriticalCall.objects.exists()


def test_the_critical_notification_is_urgent_of_its_kind_and_names_its_event(staff, catalog):
    cbc = _critical_cbc(staff, catalog)

    [alert] = Notification.objects.filter(recipient=staff["doctor"], urgent=True)

    assert alert.kind == "critical_result"
    assert alert.event == f"critical_result:{cbc.pk}:1"


def test_a_call_before_the_result_was_entered_is_refused(staff, catalog, client_for):
    # Entered at 00:24; at 00:25 a call "at 23:59" would be yesterday's, before the result.
    entered = datetime(2026, 11, 24, 0, 24, 30, tzinfo=NAIROBI)
    cbc = _critical_cbc(staff, catalog, at=entered)
    url = reverse("lab_critical_call", args=[cbc.pk])
    typed = {"called_person": "Dr Amina Otieno", "called_time": "23:59", "read_back": "yes"}

    with time_machine.travel(entered + timedelta(seconds=30), tick=False):
        refused = client_for(staff["tech"]).post(url, typed)
        done = client_for(staff["tech"]).post(url, typed | {"called_time": "00:24"})

    assert refused.status_code == 200
    errors = refused.context["call_form"].errors
    assert "before the result was entered (00:24 today)" in " ".join(errors["called_time"])
    assert done.status_code == 302
    call = CriticalCall.objects.get(order=cbc)
    assert call.called_at == datetime(2026, 11, 24, 0, 24, tzinfo=NAIROBI)
