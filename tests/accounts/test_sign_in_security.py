"""The ways past sign-in that an outside probe tried (issue 11): the second factor, the per-account
failure limit, and the password reset that must not tell who has an account."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from hms import rbac
from hms.models import AuditEntry
from messaging.models import Notification
from tests.accounts.test_second_factor import code_for, wrong_code_for
from tests.factories import PASSWORD, TOTPDeviceFactory
from tests.hms.test_permissions import project_urls, sample_kwargs, samples  # noqa: F401

LOGIN = "/accounts/login/"


def post_login(client: Client, login: str, password: str = PASSWORD, ip: str = "10.0.0.5"):
    return client.post(LOGIN, {"login": login, "password": password}, REMOTE_ADDR=ip)


@pytest.fixture
def half_signed_in_admin(make_user):
    """An administrator who typed the right password but not yet the code."""
    admin = make_user(rbac.ADMIN, username="boss", email="boss@hospital.test")
    device = TOTPDeviceFactory(user=admin)
    client = Client()
    post_login(client, "boss")
    return admin, device, client


# --- the second factor -------------------------------------------------------------------------


def test_enrolment_cannot_replace_the_app_with_the_password_alone(half_signed_in_admin):
    admin, device, client = half_signed_in_admin

    page = client.get(reverse("otp_setup"))
    attempt = client.post(reverse("otp_setup"), {"token": "123456"})

    assert page.status_code == 302 and page["Location"].startswith(reverse("otp_verify"))
    assert attempt.status_code == 302 and attempt["Location"].startswith(reverse("otp_verify"))
    assert list(TOTPDevice.objects.filter(user=admin).values_list("pk", flat=True)) == [device.pk]
    assert client.get(reverse("user_list")).status_code == 302


def test_a_half_signed_in_session_reaches_only_the_code_page_and_sign_out(
    half_signed_in_admin,
    samples,  # noqa: F811
):
    """Every URL of the project, GET and POST: only public pages, the code page and signing out
    answer; everything else sends the session to the code page."""
    _admin, _device, client = half_signed_in_admin
    kwargs_by_name = sample_kwargs(samples)
    reachable = {"otp_verify", "account_logout"}
    leaks = []

    for _route, pattern in project_urls():
        if pattern.callback.capability == rbac.PUBLIC or pattern.name in reachable:
            continue
        url = reverse(pattern.name, kwargs=kwargs_by_name.get(pattern.name, {}))
        for method in (client.get, client.post):
            response = method(url)
            goes_to_code = response.status_code == 302 and response["Location"].startswith(
                reverse("otp_verify")
            )
            if not goes_to_code:
                leaks.append((method.__name__, url, response.status_code))

    assert leaks == []


def test_the_code_signs_in_under_a_new_session_key(half_signed_in_admin):
    _admin, device, client = half_signed_in_admin
    key_after_password = client.session.session_key

    client.post(reverse("otp_verify"), {"token": code_for(device)})

    assert client.session.session_key != key_after_password
    assert client.get(reverse("user_list")).status_code == 200
    stolen = Client()
    stolen.cookies["sessionid"] = key_after_password
    assert stolen.get(reverse("user_list")).status_code == 302


def _verified(half_signed_in_admin):
    admin, device, client = half_signed_in_admin
    client.post(reverse("otp_verify"), {"token": code_for(device)})
    client.get(reverse("otp_setup") + "?replace=1")
    new_device = TOTPDevice.objects.get(user=admin, confirmed=False)
    return admin, device, new_device, client


def test_moving_the_app_to_a_new_phone_needs_the_password_again(half_signed_in_admin):
    admin, old, new, client = _verified(half_signed_in_admin)

    without = client.post(reverse("otp_setup"), {"token": code_for(new)})
    wrong = client.post(reverse("otp_setup"), {"token": code_for(new), "password": "not-it-123"})

    assert "This field is required" in without.content.decode()
    assert "password is not right" in wrong.content.decode()
    assert TOTPDevice.objects.get(user=admin, confirmed=True).pk == old.pk
    assert AuditEntry.objects.filter(action="auth.otp_replace_refused", actor=admin).exists()


def test_moving_the_app_is_audited_and_the_person_is_told(
    half_signed_in_admin, django_capture_on_commit_callbacks
):
    admin, old, new, client = _verified(half_signed_in_admin)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("otp_setup"), {"token": code_for(new), "password": PASSWORD})

    assert response.status_code == 302
    assert list(TOTPDevice.objects.filter(user=admin).values_list("pk", flat=True)) == [new.pk]
    assert AuditEntry.objects.filter(action="auth.otp_replaced", actor=admin).count() == 1
    told = Notification.objects.get(recipient=admin)
    assert "new authenticator app" in told.text and told.urgent
    assert [message.to for message in mail.outbox] == [["boss@hospital.test"]]


def test_the_right_code_straight_after_one_typo_is_accepted(half_signed_in_admin):
    _admin, device, client = half_signed_in_admin

    typo = client.post(reverse("otp_verify"), {"token": wrong_code_for(device)})
    right = client.post(reverse("otp_verify"), {"token": code_for(device)})

    assert "did not match" in typo.content.decode()
    assert right.status_code == 302
    assert client.get(reverse("user_list")).status_code == 200


def test_after_three_wrong_codes_the_wait_is_said_in_plain_words(half_signed_in_admin):
    _admin, device, client = half_signed_in_admin
    for _ in range(3):
        client.post(reverse("otp_verify"), {"token": wrong_code_for(device)})

    response = client.post(reverse("otp_verify"), {"token": code_for(device)})

    assert "Too many wrong codes in a row. Try again in 15 seconds." in response.content.decode()
    assert client.get(reverse("user_list")).status_code == 302


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(1, "1 second"), (15, "15 seconds"), (60, "1 minute"), (61, "2 minutes"), (900, "15 minutes")],
)
def test_waits_read_as_english(seconds, words):
    from accounts.services import duration_words

    assert duration_words(seconds) == words


# --- the failed sign-in limit ------------------------------------------------------------------


def test_the_limit_counts_the_account_whatever_name_or_address_is_typed(make_user):
    make_user(rbac.PHARMACIST, username="pharmacist", email="pharmacist@hospital.test")
    spellings = ["pharmacist", "PHARMACIST", "pharmacist@hospital.test", "Pharmacist@Hospital.Test"]
    for attempt in range(5):
        post_login(Client(), spellings[attempt % len(spellings)], password="wrong-password-1")

    for spelling in spellings:
        client = Client()
        response = post_login(client, spelling)
        assert response.status_code == 200, spelling
        assert "Too many failed login attempts" in response.content.decode(), spelling
        assert client.get(reverse("dashboard")).status_code == 302


def test_one_person_guessing_never_locks_the_shared_ward_address(make_user):
    """A whole ward signs in from one address: 120 wrong guesses at one account from it leave
    every colleague able to sign in from that same address."""
    make_user(rbac.PHARMACIST, username="pharmacist")
    make_user(rbac.NURSE, username="mercy")
    for _ in range(120):
        post_login(Client(), "pharmacist", password="wrong-password-1", ip="10.0.0.9")

    colleague = Client()
    response = post_login(colleague, "mercy", ip="10.0.0.9")

    assert response.status_code == 302
    assert colleague.get(reverse("dashboard")).status_code == 200


# --- password reset ----------------------------------------------------------------------------


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(make_user):
    make_user(rbac.NURSE, username="mercy", email="mercy@hospital.test")
    mail.outbox.clear()

    known = Client().post(reverse("account_reset_password"), {"email": "mercy@hospital.test"})
    known_mail = len(mail.outbox)
    unknown = Client().post(reverse("account_reset_password"), {"email": "nobody@hospital.test"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("account_reset_password_done")
    assert known_mail == 1 and len(mail.outbox) == 1  # nothing is sent to an unknown address
    assert mail.outbox[0].to == ["mercy@hospital.test"]
