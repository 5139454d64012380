"""TOTP second factor: required for admin and accountant, optional for the other roles."""

import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.backends import UserBackend, has_confirmed_device
from hms import rbac
from hms.models import AuditEntry
from tests.factories import PASSWORD, TOTPDeviceFactory


def code(device: TOTPDevice, at: float) -> int:
    generator = TOTP(device.bin_key, device.step, device.t0, device.digits)
    generator.time = at
    return generator.token()


def code_for(device: TOTPDevice) -> str:
    """The code the user's phone shows now."""
    return f"{code(device, time.time()):06d}"


def wrong_code_for(device: TOTPDevice) -> str:
    return f"{(code(device, time.time()) + 500_000) % 10**6:06d}"


def password_login(client: Client, username: str):
    return client.post("/accounts/login/", {"login": username, "password": PASSWORD})


@pytest.mark.parametrize("role", [rbac.ADMIN, rbac.ACCOUNTANT])
def test_a_required_role_without_an_app_is_taken_to_enrolment(make_user, role):
    make_user(role, username="newboss")
    client = Client()

    password_login(client, "newboss")
    response = client.get(reverse("dashboard"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("otp_setup"))
    assert client.get(reverse("user_list")).status_code == 302


def test_enrolment_with_the_right_code_turns_it_on_and_opens_the_dashboard(make_user):
    admin = make_user(rbac.ADMIN, username="newboss")
    client = Client()
    password_login(client, "newboss")
    setup_page = client.get(reverse("otp_setup"))
    device = TOTPDevice.objects.get(user=admin, confirmed=False)

    response = client.post(reverse("otp_setup"), {"token": code_for(device)})

    assert "<svg" in setup_page.content.decode()
    assert response.status_code == 302
    assert TOTPDevice.objects.get(user=admin).confirmed
    assert client.get(reverse("dashboard")).status_code == 200
    assert AuditEntry.objects.filter(action="auth.otp_enrolled", actor=admin).exists()


def test_enrolment_with_a_wrong_code_says_so_and_keeps_it_off(make_user):
    admin = make_user(rbac.ADMIN, username="newboss")
    client = Client()
    password_login(client, "newboss")
    client.get(reverse("otp_setup"))
    device = TOTPDevice.objects.get(user=admin)

    response = client.post(reverse("otp_setup"), {"token": wrong_code_for(device)})

    assert response.status_code == 200
    assert "did not match" in response.content.decode()
    assert not TOTPDevice.objects.get(user=admin).confirmed
    assert client.get(reverse("dashboard")).status_code == 302


def test_an_enrolled_user_is_asked_for_the_code_after_the_password(make_user):
    admin = make_user(rbac.ADMIN, username="boss")
    device = TOTPDeviceFactory(user=admin)
    client = Client()

    password_login(client, "boss")
    redirected = client.get(reverse("user_list"))
    wrong = client.post(reverse("otp_verify"), {"token": wrong_code_for(device)})
    right = client.post(
        reverse("otp_verify") + "?next=" + reverse("user_list"), {"token": code_for(device)}
    )

    assert redirected["Location"].startswith(reverse("otp_verify"))
    assert "did not match" in wrong.content.decode()
    assert AuditEntry.objects.filter(action="auth.otp_failed", actor=admin).exists()
    assert right.status_code == 302 and right["Location"] == reverse("user_list")
    assert client.get(reverse("user_list")).status_code == 200


def test_a_code_cannot_be_used_twice(make_user):
    admin = make_user(rbac.ADMIN, username="boss")
    device = TOTPDeviceFactory(user=admin)
    code = code_for(device)
    first, second = Client(), Client()
    password_login(first, "boss")
    password_login(second, "boss")

    first.post(reverse("otp_verify"), {"token": code})
    replay = second.post(reverse("otp_verify"), {"token": code})

    assert first.get(reverse("dashboard")).status_code == 200
    assert replay.status_code == 200 and "did not match" in replay.content.decode()


def test_repeated_wrong_codes_are_throttled(make_user):
    admin = make_user(rbac.ADMIN, username="boss")
    device = TOTPDeviceFactory(user=admin)
    client = Client()
    password_login(client, "boss")
    for _ in range(3):
        client.post(reverse("otp_verify"), {"token": wrong_code_for(device)})
    response = client.post(reverse("otp_verify"), {"token": code_for(device)})

    assert "Too many wrong codes" in response.content.decode()
    assert client.get(reverse("dashboard")).status_code == 302


def test_a_nurse_may_sign_in_without_an_app_and_may_turn_one_off(make_user, client_for):
    nurse = make_user(rbac.NURSE)
    TOTPDeviceFactory(user=nurse)
    client = Client()
    client.force_login(nurse)

    assert client.get(reverse("dashboard")).status_code == 302  # device present: code needed
    device = TOTPDevice.objects.get(user=nurse)
    client.post(reverse("otp_verify"), {"token": code_for(device)})
    client.post(reverse("otp_remove"))

    assert not TOTPDevice.objects.filter(user=nurse).exists()
    assert client_for(make_user(rbac.NURSE)).get(reverse("dashboard")).status_code == 200


def test_an_admin_cannot_turn_the_required_factor_off(make_user, client_for):
    admin = make_user(rbac.ADMIN)
    client = client_for(admin)

    client.post(reverse("otp_remove"))

    assert TOTPDevice.objects.filter(user=admin, confirmed=True).exists()


def test_a_one_time_password_must_be_changed_before_anything_else(make_user):
    make_user(rbac.RECEPTIONIST, username="faith", must_change_password=True)
    client = Client()
    password_login(client, "faith")

    blocked = client.get(reverse("dashboard"))
    changed = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "A-new-password-for-faith",
            "password2": "A-new-password-for-faith",
        },
    )

    assert blocked["Location"].startswith(reverse("account_change_password"))
    assert changed.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200
    assert AuditEntry.objects.filter(action="auth.password_changed").exists()


def test_a_device_set_up_elsewhere_asks_an_open_session_for_the_code_on_its_next_page(make_user):
    """Whether the user has a device is read with the user on every request (one query, not
    two): a session signed in without one is asked for the code as soon as one is confirmed,
    and until then no page asks the device table anything."""
    nurse = make_user(rbac.NURSE)
    client = Client()
    client.force_login(nurse)
    client.get(reverse("notification_bell"))  # warm: the session's first use

    with CaptureQueriesContext(connection) as queries:
        before = client.get(reverse("notification_bell"))
    # The user's own query asks (a subquery of it); no query of the device table's own does.
    sql = [q["sql"] for q in queries]  # read now: the next request empties the log
    own_device_queries = [q for q in sql if "otp_totp_totpdevice" in q and "accounts_user" not in q]
    TOTPDeviceFactory(user=nurse)  # confirmed on her phone, from another session
    after = client.get(reverse("notification_bell"), HTTP_HX_REQUEST="true")

    assert before.status_code == 200 and sql and own_device_queries == []
    assert after["HX-Redirect"].startswith(reverse("otp_verify"))


def test_has_confirmed_device_asks_the_database_for_a_user_not_loaded_by_a_request(make_user):
    nurse = make_user(rbac.NURSE)
    assert not has_confirmed_device(nurse)
    TOTPDeviceFactory(user=nurse, confirmed=False)
    assert not has_confirmed_device(nurse)
    TOTPDeviceFactory(user=nurse)
    assert has_confirmed_device(nurse)


def test_the_user_as_each_request_loads_them_knows_their_device_as_django_otp_does(make_user):
    nobody, unconfirmed, confirmed = (make_user(rbac.NURSE) for _ in range(3))
    TOTPDeviceFactory(user=unconfirmed, confirmed=False)
    TOTPDeviceFactory(user=confirmed)
    TOTPDeviceFactory(user=confirmed, confirmed=False)

    loaded = {user: UserBackend().get_user(user.pk) for user in (nobody, unconfirmed, confirmed)}

    assert [loaded[user].has_confirmed_device for user in loaded] == [False, False, True]
    assert [user_has_device(user, confirmed=True) for user in loaded] == [False, False, True]
    assert all(loaded[user].department == user.department for user in loaded)


def test_a_verified_session_whose_app_is_removed_must_enrol_again(make_user):
    """The session's device is read on each request (accounts.middleware): once it is gone, the
    next page asks for the second factor again; a session holding a device id that is not a
    number, or another user's device, is not verified either (and no page fails)."""
    admin = make_user(rbac.ADMIN, username="boss")
    other = make_user(rbac.ADMIN, username="other")
    device = TOTPDeviceFactory(user=admin)
    others_device = TOTPDeviceFactory(user=other)
    client = Client()
    password_login(client, "boss")
    client.post(reverse("otp_verify"), {"token": code_for(device)})
    verified = client.get(reverse("user_list"))

    session = client.session
    for persistent_id in ("otp_totp.totpdevice/x", others_device.persistent_id):
        session[DEVICE_ID_SESSION_KEY] = persistent_id
        session.save()
        assert client.get(reverse("user_list"))["Location"].startswith(reverse("otp_verify"))
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    again = client.get(reverse("user_list"))
    device.delete()
    removed = client.get(reverse("user_list"))

    assert verified.status_code == 200 and again.status_code == 200
    assert removed["Location"].startswith(reverse("otp_setup"))
