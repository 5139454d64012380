"""The audit log viewer in the browser: the administrator reads a log longer than a page on a
1366×768 and a 1280×800 laptop, a 1024×600 tablet and on paper; pages through a filtered list
with the filters kept; exports exactly the filtered entries (every page of them); is told beside
the box when a user is not in the log; checks the chain with a double click. The accountant is
refused it."""

import csv
import io
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import RequestFactory
from playwright.sync_api import expect

from hms import audit, rbac
from tests.e2e.conftest import assert_fits, login, snapshot
from tests.factories import PASSWORD, PatientFactory, TOTPDeviceFactory, UserFactory

SCREENS = {
    "1366": {"width": 1366, "height": 768},
    "1280": {"width": 1280, "height": 800},
    "1024": {"width": 1024, "height": 600},
}
# What a ward tablet's browser really sends: long, and one word to a wrapping browser.
AGENT = (
    "Mozilla/5.0 (Linux; Android 13; SM-X200 Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.230 Safari/537.36"
)


def _signed_in(page, live_server_url, role, username=None):
    user = UserFactory(role=role, **({"username": username} if username else {}))
    login(page, live_server_url, user.username, PASSWORD, TOTPDeviceFactory(user=user).key)
    return user


def _a_busy_ward(nurse, count: int) -> list:
    """`count` entries of a night on the ward: chart views and vitals with long browsers,
    changes with their before and after, one patient's name long enough to wrap."""
    patient = PatientFactory(first_name="Nyambura-Wairimu", last_name="Kariuki-Mwangi-Odhiambo")
    tablet = RequestFactory().get("/", REMOTE_ADDR="192.168.100.254", HTTP_USER_AGENT=AGENT)
    written = []
    for n in range(count):
        if n % 3 == 0:
            written.append(
                audit.record(
                    actor=nurse,
                    action="vitals.record",
                    obj=patient,
                    patient=patient,
                    after={"temperature": "38.4", "note": "Febrile overnight; " * 6},
                    request=tablet,
                )
            )
        else:
            written.append(
                audit.record(
                    actor=nurse,
                    action="patient.view_chart",
                    obj=patient,
                    patient=patient,
                    request=tablet,
                )
            )
    return written


@pytest.mark.browser
def test_the_admin_reads_pages_and_exports_a_long_filtered_log_on_every_screen(
    transactional_db, page, live_server_url
):
    nurse = UserFactory(role=rbac.NURSE, username="grace.wanjiru")
    ours = _a_busy_ward(nurse, 75)
    audit.record(actor=UserFactory(role=rbac.DOCTOR), action="patient.view_chart")
    _signed_in(page, live_server_url, rbac.ADMIN)

    for name, size in SCREENS.items():
        page.set_viewport_size(size)
        page.goto(f"{live_server_url}/audit/")
        expect(page.get_by_test_id("page-count")).to_contain_text("1–50 of")
        assert_fits(page, f"the audit log at {name}")
        export = page.get_by_test_id("audit-export").bounding_box()
        assert export["x"] + export["width"] <= size["width"], name
        snapshot(page, f"audit-admin-{name}")
    page.emulate_media(media="print")
    expect(page.get_by_test_id("audit-filters")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    assert_fits(page, "the audit log printed")
    snapshot(page, "audit-admin-print")
    page.emulate_media(media="screen")

    page.set_viewport_size(SCREENS["1280"])
    page.locator("#id_actor").fill("grace")
    page.locator("#id_action").fill("patient.")
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(page.get_by_test_id("page-count")).to_have_text("50 entries in all")

    page.locator("#id_action").fill("")
    page.get_by_role("button", name="Filter", exact=True).click()
    expect(page.get_by_test_id("page-count")).to_have_text("1–50 of 75 entries")
    page.get_by_test_id("page-next").click()

    expect(page.get_by_test_id("page-count")).to_have_text("51–75 of 75 entries")
    expect(page.locator("#id_actor")).to_have_value("grace")
    assert parse_qs(urlparse(page.url).query)["actor"] == ["grace"]
    with page.expect_download() as download:
        page.get_by_test_id("audit-export").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert [int(row[0]) for row in rows[1:]] == [e.id for e in reversed(ours)]


@pytest.mark.browser
def test_a_user_the_log_never_saw_is_said_beside_the_box(transactional_db, page, live_server_url):
    _signed_in(page, live_server_url, rbac.ADMIN)
    page.goto(f"{live_server_url}/audit/")

    page.locator("#id_actor").fill("Wanjikũ <b>")
    page.get_by_role("button", name="Filter", exact=True).click()

    expect(page.locator("#error_1_id_actor")).to_contain_text(
        "No entry in the log was made by a user whose name holds “Wanjikũ <b>”."
    )
    expect(page.locator("#id_actor")).to_have_value("Wanjikũ <b>")
    expect(page.get_by_test_id("page-count")).to_contain_text("in all")


@pytest.mark.browser
def test_the_chain_check_clicked_twice_answers_once_and_its_address_offers_it_again(
    transactional_db, page, live_server_url
):
    _signed_in(page, live_server_url, rbac.ADMIN)
    page.goto(f"{live_server_url}/audit/")
    requests = []
    page.on(
        "request", lambda r: r.method == "POST" and "/audit/verify/" in r.url and requests.append(r)
    )

    page.get_by_role("button", name="Verify the chain").dblclick()

    expect(page.get_by_test_id("chain-result")).to_contain_text("The log is intact")
    assert len(requests) == 1
    page.goto(f"{live_server_url}/audit/verify/")
    expect(page.get_by_test_id("chain-result")).to_have_count(0)
    page.get_by_test_id("verify-chain").click()
    expect(page.get_by_test_id("chain-result")).to_contain_text("The log is intact")


@pytest.mark.browser
def test_the_accountant_is_refused_the_audit_log(
    transactional_db, page, live_server_url, browser_errors
):
    browser_errors.allow(r"status of 403")  # Chromium logs the 403 answer itself
    _signed_in(page, live_server_url, rbac.ACCOUNTANT)

    for name, size in SCREENS.items():
        page.set_viewport_size(size)
        response = page.goto(f"{live_server_url}/audit/")
        assert response.status == 403
        expect(page.locator("main")).not_to_contain_text("grace.wanjiru")
        assert_fits(page, f"the accountant's refusal at {name}")
        snapshot(page, f"audit-accountant-{name}")
    assert not re.search(r'href="/audit/', page.content())
