"""Signing in through the real forms: every role's dashboard, 403 pages, TOTP enrolment, tablets."""

import base64
import re
import time

import pytest
from django_otp.oath import hotp, totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from hms import rbac
from tests.e2e.conftest import (
    arrive,
    assert_fits,
    login,
    next_totp_code,
    snapshot,
    wait_out_otp_throttle,
)
from tests.factories import PASSWORD, TOTPDeviceFactory, UserFactory

DASHBOARD = re.compile(r"/dashboard/$")
SIGN_IN = re.compile(r"/accounts/login/")
OTP_SETUP = re.compile(r"/accounts/2fa/setup/")
OTP_VERIFY = re.compile(r"/accounts/2fa/verify/")


def make_user(role: str):
    """A user of `role` and the hex key of their authenticator when the role requires one."""
    user = UserFactory(role=role)
    if not user.second_factor_required:
        return user, None
    return user, TOTPDeviceFactory(user=user).key


def dashboard_heading(user) -> str:
    if user.role == rbac.ADMIN:
        return "Administration"
    if user.role == rbac.PATIENT:  # the portal greets the patient (issue 15, item 8)
        return f"Hello, {user.first_name}"
    return f"{user.role_label} dashboard"


def a_wrong_code(device) -> str:
    """Six digits that match none of the codes the device would accept around now."""
    step = int((time.time() - device.t0) // device.step)
    near = {f"{hotp(device.bin_key, s):06d}" for s in range(step - 3, step + 4)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in near)


@pytest.mark.browser
def test_the_sign_in_page_shows_the_hospital_and_the_form(page, live_server_url, transactional_db):
    page.goto(f"{live_server_url}/dashboard/")

    arrive(page, SIGN_IN)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text("HMS Demo Hospital")).to_be_visible()
    expect(page.locator("input[name=login]")).to_be_visible()
    expect(page.locator("input[name=password]")).to_be_visible()
    snapshot(page, "login")


@pytest.mark.browser
def test_a_wrong_password_keeps_the_user_on_the_sign_in_page_with_an_error(
    page, live_server_url, transactional_db
):
    nurse = UserFactory(role=rbac.NURSE)
    page.goto(f"{live_server_url}/accounts/login/")

    page.locator("input[name=login]").fill(nurse.username)
    page.locator("input[name=password]").fill("not-the-password")
    page.get_by_role("button", name="Sign in", exact=True).click()

    expect(page.get_by_text("not correct")).to_be_visible()
    arrive(page, SIGN_IN)
    snapshot(page, "login-wrong-password")


@pytest.mark.browser
@pytest.mark.parametrize("role", rbac.ROLES)
def test_each_role_signs_in_through_the_form_and_lands_on_its_own_dashboard(
    role, page, live_server_url, transactional_db
):
    user, totp_key = make_user(role)

    login(page, live_server_url, user.username, PASSWORD, totp_key)

    arrive(page, DASHBOARD)
    expect(page.get_by_test_id("dashboard-title")).to_be_visible()
    expect(page.get_by_test_id("dashboard-title")).to_have_text(dashboard_heading(user))
    expect(page.get_by_test_id("user-menu")).to_contain_text(user.first_name)
    snapshot(page, f"dashboard-{role}")


@pytest.mark.browser
def test_a_nurse_opening_user_management_sees_the_not_allowed_page(
    page, live_server_url, transactional_db, browser_errors
):
    browser_errors.allow(r"status of 403")  # Chromium logs the 403 answer itself
    nurse, _ = make_user(rbac.NURSE)
    login(page, live_server_url, nurse.username, PASSWORD)

    response = page.goto(f"{live_server_url}/users/")

    assert response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.get_by_role("link", name="Back to my dashboard")).to_be_visible()
    snapshot(page, "403-nurse-users")


@pytest.mark.browser
def test_the_admin_opens_user_management(page, live_server_url, transactional_db):
    admin, totp_key = make_user(rbac.ADMIN)
    login(page, live_server_url, admin.username, PASSWORD, totp_key)

    response = page.goto(f"{live_server_url}/users/")

    assert response.status == 200
    expect(page.get_by_text("Not allowed")).to_have_count(0)
    expect(page.get_by_text(admin.username)).not_to_have_count(0)
    snapshot(page, "users-admin")


@pytest.mark.browser
def test_an_admin_without_an_authenticator_enrols_one_then_needs_its_code_at_every_sign_in(
    page, live_server_url, transactional_db
):
    admin = UserFactory(role=rbac.ADMIN)

    # First sign-in: the password alone leads to the enrolment page.
    login(page, live_server_url, admin.username, PASSWORD)

    arrive(page, OTP_SETUP)
    expect(page.get_by_test_id("otp-qr").locator("svg")).to_be_visible()
    secret = page.get_by_test_id("otp-secret").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]+=*", secret)
    snapshot(page, "otp-setup")

    page.get_by_label("6-digit code").fill(f"{totp(base64.b32decode(secret)):06d}")
    page.get_by_role("button", name="Turn on two-step sign-in").click()

    arrive(page, DASHBOARD)
    expect(page.get_by_test_id("dashboard-title")).to_have_text("Administration")

    # Sign out, and in again: now the 6-digit code page comes after the password.
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Sign out").click()
    arrive(page, SIGN_IN)
    login(page, live_server_url, admin.username, PASSWORD)
    arrive(page, OTP_VERIFY)
    snapshot(page, "otp-verify")

    device = TOTPDevice.objects.get(user=admin, confirmed=True)
    page.get_by_label("6-digit code").fill(a_wrong_code(device))
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_text("That code did not match")).to_be_visible()
    arrive(page, OTP_VERIFY)
    snapshot(page, "otp-verify-wrong-code")

    # The code just used to enrol is refused as a replay; the next one is not.
    wait_out_otp_throttle(device)
    page.get_by_label("6-digit code").fill(next_totp_code(device))
    page.get_by_role("button", name="Continue").click()

    arrive(page, DASHBOARD)
    expect(page.get_by_test_id("dashboard-title")).to_have_text("Administration")


@pytest.mark.browser
def test_the_nurse_dashboard_fits_a_ward_tablet_with_every_menu_entry_in_sight(
    tablet_page, live_server_url, transactional_db
):
    """A 10-inch tablet held upright (800 px) shows the whole menu without a Menu button; only
    a phone folds it (tests/e2e/test_tablet_and_phone.py opens it there)."""
    nurse, _ = make_user(rbac.NURSE)
    login(tablet_page, live_server_url, nurse.username, PASSWORD)
    expect(tablet_page.get_by_test_id("dashboard-title")).to_have_text("Nurse dashboard")

    navigation = tablet_page.locator("#main-nav")
    snapshot(tablet_page, "tablet-nurse-dashboard")

    assert_fits(tablet_page, "the nurse's dashboard on an upright tablet")
    for entry in ("Patients", "Appointments", "Queue", "Bed board"):
        expect(navigation.get_by_role("link", name=entry)).to_be_in_viewport()
    expect(tablet_page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(tablet_page.get_by_test_id("user-menu")).to_be_visible()
    expect(tablet_page.get_by_test_id("user-menu")).to_contain_text(nurse.first_name)


@pytest.mark.browser
@pytest.mark.parametrize("role", rbac.ROLES)
def test_the_dashboard_of_each_role_fits_a_desktop_screen_without_sideways_scrolling(
    role, page, live_server_url, transactional_db
):
    user = UserFactory(role=role, first_name="Jacqueline", last_name="Washington")
    totp_key = TOTPDeviceFactory(user=user).key if user.second_factor_required else None
    login(page, live_server_url, user.username, PASSWORD, totp_key)
    expect(page.get_by_test_id("dashboard-title")).to_be_visible()

    snapshot(page, f"dashboard-desk-{role}")

    assert_fits(page, f"the {role}'s dashboard at the desk")
    expect(page.get_by_test_id("user-menu")).to_be_in_viewport()
