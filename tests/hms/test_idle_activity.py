"""Idle logoff counts the person, not the page: a doctor typing a long note (reported by the page
at most once a minute to /activity/) stays signed in; a page left alone is signed out however
often it polls. Frozen clock (time-machine)."""

from datetime import timedelta

import time_machine
from django.urls import reverse
from django.utils import timezone

from hms import rbac

ACTIVITY = "/activity/"


def test_a_doctor_typing_for_forty_minutes_stays_signed_in(client_for, make_user, settings):
    settings.IDLE_TIMEOUT_SECONDS = 15 * 60
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = client_for(make_user(rbac.DOCTOR))
        client.get(reverse("dashboard"))
        for _minute in range(40):
            clock.shift(timedelta(minutes=1))
            typing = client.post(ACTIVITY)
            assert typing.status_code == 200
            assert typing.json()["seconds_left"] == 15 * 60

        assert client.get(reverse("dashboard")).status_code == 200


def test_a_page_left_alone_is_signed_out_however_often_it_polls(client_for, make_user, settings):
    settings.IDLE_TIMEOUT_SECONDS = 15 * 60
    background = {"X-HMS-Background": "1"}
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = client_for(make_user(rbac.DOCTOR))
        client.get(reverse("dashboard"))
        left = []
        for _minute in range(14):
            clock.shift(timedelta(minutes=1))
            left.append(client.get(ACTIVITY, headers=background).json()["seconds_left"])
        clock.shift(timedelta(minutes=2))

        signed_out = client.get(reverse("dashboard"))

    assert left[0] == 14 * 60 and left[-1] == 60  # the page's "Still there?" shows at 60
    assert signed_out.status_code == 302
    assert signed_out["Location"].startswith(reverse("account_login"))


def test_reporting_activity_after_the_limit_does_not_bring_the_session_back(
    client_for, make_user, settings
):
    settings.IDLE_TIMEOUT_SECONDS = 15 * 60
    with time_machine.travel(timezone.now(), tick=False) as clock:
        client = client_for(make_user(rbac.NURSE))
        client.get(reverse("dashboard"))
        clock.shift(timedelta(minutes=16))

        late = client.post(ACTIVITY)

        assert late.status_code == 302 and "_auth_user_id" not in client.session
