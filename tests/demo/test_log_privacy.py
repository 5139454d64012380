"""No patient in the logs: the demo hospital's main screens, opened, searched, posted to and
refused, with every log line captured at DEBUG as JSON, name none of the demo patients nor their
phone numbers (tests/log_privacy.py; .ci/run checks a whole test run's log the same way)."""

import json

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import User
from clinical.models import Patient
from hms.api import is_api_view
from tests.conftest import sign_in
from tests.hms.log_capture import json_logs
from tests.log_privacy import demo_patient_markers, leaks

# Would end the session or leave the page; not what this walk is after.
NOT_WALKED = {"account_logout", "metrics"}


def _screens(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _screens(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and not is_api_view(entry.callback):
            yield entry


def _plain_screens() -> list[str]:
    """Every GET screen that takes no argument."""
    return [
        reverse(pattern.name)
        for pattern in _screens(get_resolver().url_patterns)
        if pattern.name
        and pattern.name not in NOT_WALKED
        and not pattern.pattern.regex.groupindex
        and not getattr(pattern.callback, "post_only", False)
    ]


@pytest.fixture(scope="module")
def demo_logs(demo, django_db_blocker):
    """What the demo hospital logged (JSON lines, DEBUG and up) while it was seeded and then
    used through its screens; what the walk changed is rolled back after the module."""
    with django_db_blocker.unblock(), transaction.atomic(), json_logs() as captured:
        users = {user.username: user for user in User.objects.all()}
        patients = list(Patient.objects.all())
        wanjiru = Patient.objects.get(first_name="Wanjiru", last_name="Kamau")
        clients = {name: sign_in(Client(), users[name]) for name in users}
        statuses = {}

        for url in _plain_screens():
            statuses[url] = clients["admin"].get(url).status_code
        for username in ("doctor", "nurse", "reception", "lab", "pharmacist", "accountant"):
            for url in ("/dashboard/", "/patients/", "/appointments/", "/wards/", "/chat/"):
                clients[username].get(url)
        for patient in patients:
            clients["doctor"].get(reverse("patient_chart", kwargs={"pk": patient.pk}))
        clients["patient"].get("/dashboard/")
        # Searches by name and by number, as the desk types them.
        for query in ("Wanjiru Kamau", "0712 100 003", "+254712100003", "Kamau"):
            clients["reception"].get("/patients/", {"q": query})
        # A 404 and a page refused to a role (403, audited), both asked with a search (Django
        # logs them with the request, whose text holds the query string), and another patient's
        # chart asked by the portal.
        statuses["404"] = (
            clients["reception"].get("/patients/no-such-page/", {"q": "0712 100 003"}).status_code
        )
        statuses["403"] = clients["patient"].get("/wards/", {"q": "Wanjiru Kamau"}).status_code
        statuses["other chart"] = (
            clients["patient"].get(reverse("patient_chart", kwargs={"pk": wanjiru.pk})).status_code
        )
        # A refused form: a registration with the patient's name and phone but no birth date.
        statuses["refused form"] = (
            clients["reception"]
            .post(
                reverse("patient_register"),
                {"first_name": "Wanjiru", "last_name": "Kamau", "phone": "0712 100 003"},
            )
            .status_code
        )
        # Error paths: a wrong password for the portal patient, a form without its CSRF token,
        # a field holding a NUL byte.
        Client().post(
            reverse("account_login"), {"login": "patient", "password": "Wanjiru Kamau 0712100003"}
        )
        statuses["csrf"] = (
            sign_in(Client(enforce_csrf_checks=True), users["reception"])
            .post(reverse("patient_register"), {"first_name": "Wanjiru", "last_name": "Kamau"})
            .status_code
        )
        statuses["nul"] = (
            clients["reception"].get("/patients/", {"q": "Wanjiru\x00Kamau"}).status_code
        )
        transaction.set_rollback(True)
    return {"text": demo.logged + captured.getvalue(), "statuses": statuses}


@pytest.fixture
def walked(demo_logs, db) -> dict:
    return demo_logs


def test_the_walk_really_saw_the_screens_and_the_refusals(walked):
    statuses = walked["statuses"]

    assert sum(status == 200 for status in statuses.values()) > 50
    assert statuses["404"] == 404
    assert statuses["403"] == 403
    assert statuses["other chart"] in (403, 404)
    assert statuses["refused form"] == 200  # re-rendered with its errors
    assert statuses["csrf"] == 403
    assert statuses["nul"] == 400


def test_every_line_is_json_with_its_request_id(walked):
    lines = [json.loads(line) for line in walked["text"].splitlines()]

    assert lines, "the walk logged something (a 404, the refusals)"
    assert all({"time", "level", "logger", "request_id", "message"} <= set(line) for line in lines)
    not_found = [line for line in lines if line["message"].startswith("Not Found:")]
    assert not_found and all(len(line["request_id"]) == 32 for line in not_found)


def test_no_demo_patient_name_or_phone_is_logged(walked):
    markers = demo_patient_markers()

    found = leaks(walked["text"], markers)

    assert found == []


def test_the_search_for_a_leak_finds_one():
    markers = demo_patient_markers()
    line = json.dumps({"message": "looked up Wanjir\u016b", "phone": "+254712100003"})

    found = leaks(line + "\nKamau Wanjiru came in\n", markers)

    assert any("+254712100003" in item for item in found)
    assert any("'Kamau Wanjiru'" in item for item in found)
