"""With Redis stopped, the cache degrades instead of failing the hospital: people still sign in
through the real form (allauth's rate limiter locks through the cache), pages load, and the
cache's reads are misses and its writes no-ops."""

import pytest
from django.core.cache import caches
from django.test import Client, override_settings

from hms import rbac
from tests.factories import PASSWORD

# Nothing listens on port 1: a real, refused connection, as with Redis stopped.
STOPPED_REDIS = {
    "default": {
        "BACKEND": "hms.redis_cache.DegradingRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
    }
}


@pytest.fixture
def redis_stopped():
    with override_settings(
        CACHES=STOPPED_REDIS, SESSION_ENGINE="django.contrib.sessions.backends.cached_db"
    ):
        yield caches["default"]


def test_reads_miss_and_writes_are_skipped_without_an_error(redis_stopped):
    cache = redis_stopped

    cache.set("hms:test", 1)

    assert cache.get("hms:test") is None
    assert cache.get("hms:test", "default") == "default"
    assert cache.add("hms:test", 1) is True  # a lock taken: nobody is kept waiting
    assert cache.incr("hms:count") is None


def test_a_nurse_signs_in_through_the_form_and_opens_her_pages(redis_stopped, make_user):
    nurse = make_user(rbac.NURSE)
    client = Client()

    signed_in = client.post(
        "/accounts/login/", {"login": nurse.username, "password": PASSWORD}, follow=True
    )
    dashboard = client.get("/dashboard/")
    patients = client.get("/patients/")

    assert signed_in.status_code == 200
    assert signed_in.redirect_chain[-1][0] == "/dashboard/"
    assert dashboard.status_code == 200 and patients.status_code == 200
