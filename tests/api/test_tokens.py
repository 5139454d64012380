"""Signing in to the API: tokens, their life and their end (docs/API.md)."""

from datetime import timedelta

from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts import services as accounts
from hms import rbac
from hms.models import AuditEntry
from tests.accounts.test_second_factor import code_for, wrong_code_for
from tests.api.conftest import tokens_for
from tests.factories import PASSWORD, TOTPDeviceFactory

TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/refresh/"
REVOKE = "/api/v1/auth/revoke/"
ME = "/api/v1/me/"


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def test_the_patient_gets_tokens_with_their_password_and_the_access_token_opens_their_profile(
    staff,
):
    tokens = tokens_for(staff.patient_user)

    me = bearer(tokens["access"]).get(ME)

    assert me.status_code == 200
    assert me.json()["username"] == staff.patient_user.username
    assert me.json()["role"] == rbac.PATIENT
    assert me.json()["patient_id"] == str(staff.patient.pk)
    assert "appointments.book" in me.json()["capabilities"]
    assert "users.manage" not in me.json()["capabilities"]
    assert AuditEntry.objects.filter(action="auth.api_token", actor=staff.patient_user).count() == 1


def test_a_wrong_password_is_refused_as_problem_details_and_audited(staff):
    answer = APIClient().post(
        TOKEN, {"username": staff.nurse.username, "password": "not-it"}, format="json"
    )

    assert answer.status_code == 401
    assert answer["Content-Type"] == "application/problem+json"
    problem = answer.json()
    assert problem["status"] == 401 and problem["title"] == "Unauthorized"
    assert problem["detail"] == "The username or password is not right."
    assert problem["instance"] == TOKEN
    assert AuditEntry.objects.filter(action="auth.login_failed").count() == 1


def test_a_missing_field_is_named_in_the_problem(staff):
    answer = APIClient().post(TOKEN, {"username": staff.nurse.username}, format="json")

    assert answer.status_code == 400
    assert answer.json()["errors"] == [{"field": "password", "message": "This field is required."}]


def test_an_account_with_an_authenticator_needs_its_code(staff):
    device = TOTPDeviceFactory(user=staff.admin)
    given = {"username": staff.admin.username, "password": PASSWORD}

    without = APIClient().post(TOKEN, given, format="json")
    wrong = APIClient().post(TOKEN, given | {"otp": wrong_code_for(device)}, format="json")
    right = APIClient().post(TOKEN, given | {"otp": code_for(device)}, format="json")

    assert without.status_code == 401 and "authenticator app" in without.json()["detail"]
    assert wrong.status_code == 401 and "did not match" in wrong.json()["detail"]
    assert right.status_code == 200 and right.json()["access"]


def test_a_role_that_needs_an_authenticator_but_has_none_gets_no_token(staff):
    answer = APIClient().post(
        TOKEN, {"username": staff.accountant.username, "password": PASSWORD}, format="json"
    )

    assert answer.status_code == 401
    assert "set it up on the website first" in answer.json()["detail"]


def test_a_one_time_password_must_be_changed_on_the_website_first(staff):
    staff.nurse.must_change_password = True
    staff.nurse.save()

    answer = APIClient().post(
        TOKEN, {"username": staff.nurse.username, "password": PASSWORD}, format="json"
    )

    assert answer.status_code == 401 and "one-time password" in answer.json()["detail"]


def test_an_expired_access_token_is_refused_and_the_refresh_token_gives_a_new_one(staff):
    tokens = tokens_for(staff.nurse)
    expired = AccessToken.for_user(staff.nurse)
    expired.set_exp(lifetime=-timedelta(seconds=1))

    refused = bearer(str(expired)).get(ME)
    renewed = APIClient().post(REFRESH, {"refresh": tokens["refresh"]}, format="json")

    assert refused.status_code == 401
    assert refused.json()["detail"] == "Given token not valid for any token type"
    assert renewed.status_code == 200
    assert bearer(renewed.json()["access"]).get(ME).status_code == 200


def test_a_refresh_token_is_spent_by_its_use_and_a_replay_is_refused(staff):
    tokens = tokens_for(staff.nurse)

    first = APIClient().post(REFRESH, {"refresh": tokens["refresh"]}, format="json")
    replay = APIClient().post(REFRESH, {"refresh": tokens["refresh"]}, format="json")

    assert first.status_code == 200 and first.json()["refresh"] != tokens["refresh"]
    assert replay.status_code == 401
    second = APIClient().post(REFRESH, {"refresh": first.json()["refresh"]}, format="json")
    assert second.status_code == 200


def test_signing_out_revokes_the_refresh_token(staff):
    tokens = tokens_for(staff.nurse)

    revoked = APIClient().post(REVOKE, {"refresh": tokens["refresh"]}, format="json")
    after = APIClient().post(REFRESH, {"refresh": tokens["refresh"]}, format="json")

    assert revoked.status_code == 204
    assert after.status_code == 401


def test_a_deactivated_account_is_refused_at_once_with_either_token(staff):
    tokens = tokens_for(staff.nurse)
    accounts.user_set_active(actor=staff.admin, user=staff.nurse, active=False)

    assert bearer(tokens["access"]).get(ME).status_code == 401
    assert (
        APIClient().post(REFRESH, {"refresh": tokens["refresh"]}, format="json").status_code == 401
    )


def test_a_password_change_revokes_the_tokens_issued_before_it(staff):
    tokens = tokens_for(staff.nurse)
    staff.nurse.set_password("a-new-password-2026!")
    staff.nurse.save()

    assert bearer(tokens["access"]).get(ME).status_code == 401


def test_guessing_passwords_is_slowed_to_ten_a_minute(staff):
    answers = [
        APIClient().post(
            TOKEN, {"username": staff.nurse.username, "password": f"guess-{n}"}, format="json"
        )
        for n in range(11)
    ]

    assert [answer.status_code for answer in answers[:10]] == [401] * 10
    assert answers[10].status_code == 429
    assert int(answers[10]["Retry-After"]) > 0
    assert answers[10].json()["retry_after_seconds"] > 0
    # Even the right password waits now.
    right = APIClient().post(
        TOKEN, {"username": staff.nurse.username, "password": PASSWORD}, format="json"
    )
    assert right.status_code == 429


def test_the_api_shares_the_sign_in_pages_limit_of_wrong_passwords_per_account(staff):
    """Five wrong passwords for one account in five minutes, through the API: the right one is
    refused next, here and on the sign-in page (the per-address throttle above is for many
    accounts; this one is for one)."""
    wrong = [
        APIClient().post(
            TOKEN, {"username": staff.nurse.username, "password": f"guess-{n}"}, format="json"
        )
        for n in range(5)
    ]
    right = APIClient().post(
        TOKEN, {"username": staff.nurse.username, "password": PASSWORD}, format="json"
    )
    page = APIClient().post(
        "/accounts/login/", {"login": staff.nurse.username, "password": PASSWORD}
    )

    assert [answer.status_code for answer in wrong] == [401] * 5
    assert right.status_code == 401
    assert right.json()["detail"].startswith("Too many wrong passwords")
    assert "_auth_user_id" not in page.wsgi_request.session
