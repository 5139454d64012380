"""The session engines read a session by a prepared query (hms/sessions/) and answer as Django's
own: a live session's data, nothing for an expired or unknown key."""

from datetime import timedelta
from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DjangosStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from hms.sessions import cached_db, db

pytestmark = pytest.mark.django_db


def test_the_configured_engine_is_ours():
    assert import_module(settings.SESSION_ENGINE).SessionStore in {
        db.SessionStore,
        cached_db.SessionStore,
    }


@pytest.mark.parametrize("store", [db.SessionStore, cached_db.SessionStore])
def test_a_live_session_reads_as_djangos_own(store):
    written = DjangosStore()
    written["ward"] = "Ward 3 <female>"
    written.save()

    ours = store(written.session_key)

    assert ours["ward"] == "Ward 3 <female>"
    assert ours.session_key == written.session_key
    assert dict(ours.items()) == dict(DjangosStore(written.session_key).items())


@pytest.mark.parametrize("store", [db.SessionStore, cached_db.SessionStore])
def test_an_expired_or_unknown_session_reads_as_empty_and_its_key_is_dropped(store):
    expired = DjangosStore()
    expired["ward"] = "Ward 3"
    expired.save()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    for key in (expired.session_key, "x" * 32):
        ours = store(key)
        assert dict(ours.items()) == {}
        assert ours.session_key is None


def test_a_signed_in_page_keeps_its_session_across_requests(client, staff):
    client.force_login(staff.nurse)

    first = client.get("/dashboard/")
    second = client.get("/dashboard/")

    assert first.status_code == second.status_code == 200
    assert second.wsgi_request.user == staff.nurse
