"""Idle logoff, and the headers of pages that show patient data."""

import time

from django.urls import reverse

from hms import rbac
from hms.middleware import LAST_ACTIVITY_KEY
from hms.models import AuditEntry


def _age_session(client, seconds: int) -> None:
    session = client.session
    session[LAST_ACTIVITY_KEY] = int(time.time()) - seconds
    session.save()


def test_a_session_idle_longer_than_the_limit_is_signed_out(client_for, make_user, settings):
    settings.IDLE_TIMEOUT_SECONDS = 15 * 60
    client = client_for(make_user(rbac.NURSE))
    client.get(reverse("dashboard"))
    _age_session(client, 16 * 60)

    response = client.get(reverse("dashboard"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.filter(action="auth.logout").latest("id")
    assert entry.after == {"reason": "idle"}


def test_an_idle_htmx_request_is_sent_to_the_login_page_not_given_a_form(client_for, make_user):
    client = client_for(make_user(rbac.NURSE))
    client.get(reverse("dashboard"))
    _age_session(client, 16 * 60)

    response = client.get(
        reverse("dashboard"),
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/dashboard/"},
    )

    assert response.status_code == 200
    assert response.headers["HX-Redirect"].startswith(reverse("account_login") + "?next=")
    assert response.content == b""


def test_background_polls_do_not_keep_a_session_alive(client_for, make_user):
    client = client_for(make_user(rbac.NURSE))
    client.get(reverse("dashboard"))
    _age_session(client, 14 * 60)
    stamp = client.session[LAST_ACTIVITY_KEY]

    client.get(reverse("dashboard"), headers={"X-HMS-Background": "1"})

    assert client.session[LAST_ACTIVITY_KEY] == stamp
    _age_session(client, 16 * 60)
    assert client.get(reverse("dashboard")).status_code == 302


def test_a_click_within_the_limit_keeps_the_session(client_for, make_user):
    client = client_for(make_user(rbac.NURSE))
    client.get(reverse("dashboard"))
    _age_session(client, 14 * 60)

    assert client.get(reverse("dashboard")).status_code == 200
    assert int(time.time()) - client.session[LAST_ACTIVITY_KEY] < 5


def test_signed_in_pages_are_never_cached_and_vary_on_htmx(client_for, make_user):
    client = client_for(make_user(rbac.ADMIN))

    response = client.get(reverse("user_list"))

    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert "HX-Request" in response["Vary"]


def test_pages_carry_the_security_headers(client):
    response = client.get(reverse("account_login"))

    assert response["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_htmx_requests_send_the_csrf_token_from_the_body(client_for, make_user):
    page = client_for(make_user(rbac.NURSE)).get(reverse("dashboard")).content.decode()

    assert 'hx-headers=\'{"X-CSRFToken": "' in page


# --- a shared tablet: the sign-in page's `next` belongs to the person signed out ----------------


def test_after_an_idle_sign_out_the_next_person_lands_on_their_own_dashboard(make_user):
    from django.test import Client

    doctor = make_user(rbac.DOCTOR, username="amina")
    make_user(rbac.NURSE, username="joseph")
    tablet = Client()
    tablet.force_login(doctor)
    tablet.get(reverse("dashboard"))
    _age_session(tablet, 16 * 60)

    signed_out = tablet.get(reverse("patient_list"))
    nurse = tablet.post(signed_out["Location"], {"login": "joseph", "password": _password()})

    assert "next=" in signed_out["Location"]
    assert nurse.status_code == 302 and nurse["Location"] == reverse("dashboard")


def test_after_an_idle_sign_out_the_same_person_goes_back_to_their_page(make_user):
    from django.test import Client

    doctor = make_user(rbac.DOCTOR, username="amina")
    tablet = Client()
    tablet.force_login(doctor)
    tablet.get(reverse("dashboard"))
    _age_session(tablet, 16 * 60)

    signed_out = tablet.get(reverse("patient_list"))
    again = tablet.post(signed_out["Location"], {"login": "amina", "password": _password()})

    assert again.status_code == 302 and again["Location"] == reverse("patient_list")


def test_after_a_session_ended_on_the_server_next_is_not_honoured(make_user):
    """Deactivation, a password reset by the administrator or expiry end the session on the server:
    whoever signs in on that browser next lands on their own dashboard."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.sessions.models import Session
    from django.test import Client

    doctor = make_user(rbac.DOCTOR, username="amina")
    make_user(rbac.NURSE, username="joseph")
    tablet = Client()
    tablet.force_login(doctor)
    # Ended as the server ends it: through the session store (its cached copy too, cached_db).
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in Session.objects.values_list("session_key", flat=True):
        store(key).delete()

    signed_out = tablet.get(reverse("patient_list"))
    nurse = tablet.post(signed_out["Location"], {"login": "joseph", "password": _password()})

    assert "next=" in signed_out["Location"]
    assert nurse["Location"] == reverse("dashboard")


def test_a_fresh_browser_following_a_link_still_returns_to_it_after_signing_in(make_user):
    from django.test import Client

    make_user(rbac.NURSE, username="joseph")
    browser = Client()

    sent = browser.get(reverse("patient_list"))
    signed_in = browser.post(sent["Location"], {"login": "joseph", "password": _password()})

    assert signed_in["Location"] == reverse("patient_list")


def _password() -> str:
    from tests.factories import PASSWORD

    return PASSWORD


def test_the_sign_in_page_says_why_on_every_showing_until_someone_signs_in(make_user):
    """The timed-out page may load the sign-in page twice (its reload and its socket's); the
    reason must be on the one the person sees, however many showings came before it."""
    from django.test import Client

    doctor = make_user(rbac.DOCTOR, username="amina")
    tablet = Client()
    tablet.force_login(doctor)
    tablet.get(reverse("dashboard"))
    _age_session(tablet, 16 * 60)

    sign_in = tablet.get(reverse("patient_list"))["Location"]
    showings = [tablet.get(sign_in).content.decode() for _ in range(3)]
    tablet.post(sign_in, {"login": "amina", "password": _password()})
    tablet.post(reverse("account_logout"))

    assert all("You were signed out after 15 minutes without activity" in s for s in showings)
    assert "signed out after" not in tablet.get(sign_in).content.decode()
