"""Idle logoff on a real page: typing keeps the person signed in (the page reports key presses),
a minute before the end "Still there?" offers to stay, and when nobody answers the page goes to
the sign-in form, which brings the same person back to the same page. The limit is shortened to
eight seconds (the warning then comes half-way, input is reported every two seconds)."""

import re
import time

import pytest
from playwright.sync_api import expect

from hms import rbac
from tests.e2e.conftest import arrive, login, snapshot
from tests.factories import PASSWORD, UserFactory

SIGN_IN = re.compile(r"/accounts/login/\?next=(/|%2F)patients(/|%2F)$")


@pytest.mark.browser
def test_typing_keeps_the_session_and_an_unanswered_warning_ends_it(
    page, live_server_url, settings, browser_errors
):
    settings.IDLE_TIMEOUT_SECONDS = 8
    # Once the session has ended, the page's socket is refused until the page reloads.
    browser_errors.allow(r"WebSocket connection .* 403|\[object Event\]")
    nurse = UserFactory(role=rbac.NURSE)
    login(page, live_server_url, nurse.username, PASSWORD)
    page.goto(f"{live_server_url}/patients/")
    dialog = page.get_by_test_id("idle-dialog")
    search = page.locator("#patient-q")

    # Twelve seconds of typing (longer than the limit) without a single page request.
    search.click()
    started = time.monotonic()
    while time.monotonic() - started < 12:
        search.press("Shift")
        page.wait_for_timeout(500)
        expect(dialog).not_to_be_visible()
    arrive(page, f"{live_server_url}/patients/")

    # Left alone: "Still there?", and staying keeps the page.
    expect(dialog).to_be_visible(timeout=12_000)
    expect(dialog).to_contain_text("signed out in")
    snapshot(page, "idle-warning")
    page.get_by_test_id("idle-stay").click()
    expect(dialog).not_to_be_visible()
    arrive(page, f"{live_server_url}/patients/")

    # Left alone again, nobody answers: the sign-in page, then back to the same page.
    expect(dialog).to_be_visible(timeout=12_000)
    arrive(page, SIGN_IN, timeout=15_000)
    expect(page.get_by_test_id("signed-out-notice")).to_contain_text("signed out after")
    snapshot(page, "idle-signed-out")
    # A reload of the sign-in page (the person's, or the page's own) still says why.
    page.reload()
    expect(page.get_by_test_id("signed-out-notice")).to_contain_text("signed out after")
    page.locator("input[name=login]").fill(nurse.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    arrive(page, f"{live_server_url}/patients/")
