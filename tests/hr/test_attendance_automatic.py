"""Automatic attendance: signing in opens an interval, signing out or the idle sign-out closes it
(at the last activity), a tablet never seen again is closed by the periodic task or the next
sign-in; two devices at once never count twice. Through the real sign-in page and middleware."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.test import Client
from django.urls import reverse

from hms import rbac
from hr import attendance_rules, tasks
from hr.models import Attendance, Ended, Started
from tests.factories import PASSWORD

NAIROBI = ZoneInfo("Africa/Nairobi")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=NAIROBI)


def sign_in_at(moment: datetime, user) -> Client:
    client = Client()
    with time_machine.travel(moment, tick=False):
        response = client.post(
            reverse("account_login"), {"login": user.username, "password": PASSWORD}
        )
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def get_at(client: Client, moment: datetime, name: str = "dashboard"):
    with time_machine.travel(moment, tick=False):
        return client.get(reverse(name))


def intervals(user):
    return list(
        Attendance.objects.filter(user=user, started_by=Started.SIGN_IN).order_by("time_in")
    )


def test_signing_in_records_arrival_and_signing_out_departure(make_user, settings):
    settings.IDLE_TIMEOUT_SECONDS = 15 * 60
    nurse = make_user(rbac.NURSE)
    tablet = sign_in_at(at(23, 7, 2), nurse)
    get_at(tablet, at(23, 7, 10))

    with time_machine.travel(at(23, 7, 20), tick=False):
        tablet.post(reverse("account_logout"))

    (interval,) = intervals(nurse)
    assert (interval.time_in, interval.time_out) == (at(23, 7, 2), at(23, 7, 20))
    assert (interval.date.isoformat(), interval.ended_by) == ("2026-11-23", Ended.SIGN_OUT)


def test_the_idle_sign_out_closes_at_the_last_activity_not_when_noticed(make_user, settings):
    settings.IDLE_TIMEOUT_SECONDS = 15 * 60
    nurse = make_user(rbac.NURSE)
    tablet = sign_in_at(at(23, 7, 0), nurse)
    get_at(tablet, at(23, 9, 30))  # the last thing she did on the tablet

    page = get_at(tablet, at(23, 11, 0))  # noticed an hour and a half later

    assert page.status_code == 302 and reverse("account_login") in page["Location"]
    (interval,) = intervals(nurse)
    assert (interval.time_out, interval.ended_by) == (at(23, 9, 30), Ended.IDLE)


def test_a_tablet_switched_off_is_closed_by_the_task_at_last_activity_plus_timeout(
    make_user, settings
):
    settings.IDLE_TIMEOUT_SECONDS = 15 * 60
    nurse = make_user(rbac.NURSE)
    tablet = sign_in_at(at(23, 7, 0), nurse)
    get_at(tablet, at(23, 12, 40))  # then the tablet was switched off

    with time_machine.travel(at(23, 12, 50), tick=False):
        assert tasks.close_forgotten_attendance.call_local() == 0  # not idle long enough yet
    with time_machine.travel(at(23, 13, 5), tick=False):
        assert tasks.close_forgotten_attendance.call_local() == 1

    (interval,) = intervals(nurse)
    assert (interval.time_out, interval.ended_by) == (at(23, 12, 55), Ended.IDLE)


def test_signing_in_again_closes_the_forgotten_tablet_but_not_one_in_use(make_user, settings):
    settings.IDLE_TIMEOUT_SECONDS = 15 * 60
    doctor = make_user(rbac.DOCTOR)
    forgotten = sign_in_at(at(23, 8, 0), doctor)
    get_at(forgotten, at(23, 8, 30))
    in_use = sign_in_at(at(23, 9, 0), doctor)
    get_at(in_use, at(23, 9, 50))

    sign_in_at(at(23, 10, 0), doctor)  # a third device

    first, second, third = intervals(doctor)
    assert (first.time_out, first.ended_by) == (at(23, 8, 45), Ended.IDLE)
    assert (second.time_out, third.time_out) == (None, None)


def test_two_tablets_signed_in_at_once_count_once(make_user, settings):
    settings.IDLE_TIMEOUT_SECONDS = 60 * 60
    nurse = make_user(rbac.NURSE)
    ward_tablet = sign_in_at(at(23, 7, 0), nurse)
    get_at(ward_tablet, at(23, 7, 30))
    desk_tablet = sign_in_at(at(23, 8, 0), nurse)
    for hour in (8, 9, 10, 11):
        get_at(ward_tablet, at(23, hour, 20))
    with time_machine.travel(at(23, 12, 0), tick=False):
        desk_tablet.post(reverse("account_logout"))
    for hour in (12, 13, 14):
        get_at(ward_tablet, at(23, hour, 10))
    with time_machine.travel(at(23, 15, 0), tick=False):
        ward_tablet.post(reverse("account_logout"))

    spans = [(i.time_in, i.time_out) for i in intervals(nurse)]

    assert len(spans) == 2
    assert attendance_rules.union_length(spans) == timedelta(hours=8)  # not 12
    page = get_at(ward_tablet, at(23, 15, 1), "my_attendance")
    assert page.status_code == 302  # signed out: the page needs a sign-in
    again = sign_in_at(at(23, 16, 0), nurse)
    mine = get_at(again, at(23, 16, 0), "my_attendance").content.decode()
    assert 'data-testid="day-total-2026-11-23"' in mine
    assert "8 h 00 min" in mine.split('data-testid="day-total-2026-11-23"')[1][:80]


def test_patients_and_the_administrator_account_have_no_attendance(make_user, settings):
    patient = make_user(rbac.PATIENT)
    admin = make_user(rbac.ADMIN)
    sign_in_at(at(23, 9), patient)
    client = Client()
    client.force_login(admin)

    assert not Attendance.objects.exists()


def test_signing_in_does_not_touch_the_buttons_attendance(make_user, client_for):
    doctor = make_user(rbac.DOCTOR)
    with time_machine.travel(at(23, 8), tick=False):
        client_for(doctor).post(reverse("attendance_mark"))
    sign_in_at(at(23, 9), doctor)

    clicked = Attendance.objects.get(user=doctor, started_by=Started.CLICK)
    assert (clicked.time_out, clicked.no_clock_out) == (None, False)
