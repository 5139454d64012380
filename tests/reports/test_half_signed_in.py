"""The analytics dashboard and the audit log viewer reached by a session that is not (or no
longer) fully signed in: a password without the second factor is sent to the code page (or to
enrolment), a deactivated user's session to the sign-in page; nothing is served and no export
is written down as done."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts import services as accounts
from hms import rbac
from hms.models import AuditEntry
from tests.conftest import sign_in
from tests.factories import PASSWORD, TOTPDeviceFactory

pytestmark = pytest.mark.django_db

ANALYTICS_URLS = [
    reverse("analytics_dashboard") + "?period=7d",
    reverse("analytics_csv") + "?metric=revenue&period=7d",
    reverse("analytics_xlsx") + "?period=7d",
]
AUDIT_URLS = [
    reverse("audit_list") + "?role=nurse",
    reverse("audit_export") + "?role=nurse",
    reverse("audit_verify"),
]


def exports_written() -> int:
    return AuditEntry.objects.filter(action__in=["analytics.export", "audit.export"]).count()


def password_only(user) -> Client:
    """A browser that has typed the password and not yet the 6-digit code."""
    client = Client()
    response = client.post("/accounts/login/", {"login": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def goes_to(response, url_name: str) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse(url_name))


@pytest.mark.parametrize("role", [rbac.ADMIN, rbac.ACCOUNTANT])
@pytest.mark.parametrize("url", ANALYTICS_URLS + AUDIT_URLS)
def test_a_password_without_the_code_is_sent_to_the_code_page(make_user, role, url):
    user = make_user(role)
    TOTPDeviceFactory(user=user)
    client = password_only(user)

    response = client.get(url)
    posted = client.post(url)

    assert goes_to(response, "otp_verify"), response.status_code
    assert f"next={url.split('?')[0].replace('/', '%2F')}" in response["Location"]
    assert goes_to(posted, "otp_verify")
    assert exports_written() == 0


@pytest.mark.parametrize("url", ANALYTICS_URLS + AUDIT_URLS)
def test_an_admin_without_an_authenticator_is_sent_to_enrol_one(make_user, url):
    client = password_only(make_user(rbac.ADMIN))

    assert goes_to(client.get(url), "otp_setup")
    assert exports_written() == 0


@pytest.mark.parametrize("url", [ANALYTICS_URLS[0], AUDIT_URLS[0]])
def test_the_period_swap_of_a_half_signed_in_page_reloads_to_the_code_page(make_user, url):
    """An htmx request (the period picker, a page of the log) must not get the code page
    swapped into the panels: the whole page goes there."""
    user = make_user(rbac.ADMIN)
    TOTPDeviceFactory(user=user)
    client = password_only(user)

    response = client.get(url, headers={"HX-Request": "true", "HX-Target": "analytics-body"})

    assert response["HX-Redirect"].startswith(reverse("otp_verify"))
    assert "Analytics" not in response.content.decode()


@pytest.mark.parametrize("url", ANALYTICS_URLS + AUDIT_URLS)
def test_a_deactivated_users_session_is_sent_to_sign_in(staff, url):
    client = sign_in(Client(), staff.admin)
    staff.admin.is_active = False  # set by hand (the admin site, a script): no service ran
    staff.admin.save(update_fields=["is_active"])

    response = client.get(url)

    assert response.status_code == 302 and "/login" in response["Location"]
    assert exports_written() == 0


def test_a_deactivated_accountants_session_ends_with_the_deactivation(staff):
    client = sign_in(Client(), staff.accountant)
    assert client.get(ANALYTICS_URLS[0]).status_code == 200

    accounts.user_set_active(actor=staff.admin, user=staff.accountant, active=False)

    response = client.get(ANALYTICS_URLS[2])
    assert response.status_code == 302 and "/login" in response["Location"]
    assert exports_written() == 0


@pytest.mark.parametrize("url", AUDIT_URLS)
def test_the_accountant_may_not_open_the_audit_log(staff, url):
    client = sign_in(Client(), staff.accountant)

    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert exports_written() == 0
