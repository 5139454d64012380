"""The live connection of every page: notifications arrive without a reload, and a lost
connection is shown until the socket is back."""

import re

import pytest
from playwright.sync_api import expect

from hms import rbac
from messaging import services as messaging
from tests.e2e.conftest import snapshot
from tests.e2e.live import (
    RECONNECT_TIMEOUT_MS,
    LiveConnectionSwitch,
    expect_live,
    run_elsewhere,
    sign_in,
    watch_socket,
)
from tests.factories import UserFactory


@pytest.mark.browser
def test_a_notification_raised_elsewhere_appears_in_the_bell_and_as_a_toast_without_reload(
    transactional_db, page, live_server_url
):
    doctor = UserFactory(role=rbac.DOCTOR)
    watch_socket(page.context)
    sign_in(page, live_server_url, doctor)
    expect_live(page)
    expect(page.get_by_test_id("bell-count")).to_have_count(0)
    page.evaluate("window.__notReloaded = true")

    run_elsewhere(lambda: messaging.notify(doctor, "Lab result ready", link="/dashboard/"))

    expect(page.get_by_test_id("bell-count")).to_have_text("1")
    toast = page.get_by_test_id("notification-toast")
    expect(toast).to_be_visible()
    expect(toast).to_contain_text("Lab result ready")
    expect(toast.get_by_role("link", name="Lab result ready")).to_have_attribute(
        "href", "/dashboard/"
    )
    assert page.evaluate("window.__notReloaded === true"), "the page was reloaded"
    expect(toast).to_have_class(re.compile(r"\bshow\b"))
    expect(toast).not_to_have_class(re.compile(r"\bshowing\b"))
    snapshot(page, "realtime-notification-toast")


@pytest.mark.browser
def test_a_dropped_connection_shows_the_offline_badge_until_the_socket_reconnects(
    transactional_db, page, live_server_url
):
    nurse = UserFactory(role=rbac.NURSE)
    watch_socket(page.context)
    network = LiveConnectionSwitch(page)
    sign_in(page, live_server_url, nurse)
    expect_live(page)
    offline_badge = page.get_by_test_id("live-offline")
    expect(offline_badge).to_be_hidden()

    page.context.set_offline(True)
    network.cut()

    expect(offline_badge).to_be_visible()
    expect(offline_badge).to_contain_text("reconnecting")
    snapshot(page, "realtime-offline-badge")

    page.context.set_offline(False)
    network.restore()

    expect_live(page, timeout=RECONNECT_TIMEOUT_MS)
    expect(offline_badge).to_be_hidden()


@pytest.mark.browser
def test_a_notification_sent_while_the_page_was_offline_shows_in_the_bell_after_reconnecting(
    transactional_db, page, live_server_url
):
    doctor = UserFactory(role=rbac.DOCTOR)
    watch_socket(page.context)
    network = LiveConnectionSwitch(page)
    sign_in(page, live_server_url, doctor)
    expect_live(page)
    page.context.set_offline(True)
    network.cut()
    expect(page.get_by_test_id("live-offline")).to_be_visible()

    run_elsewhere(lambda: messaging.notify(doctor, "Bed 4 needs you"))
    page.context.set_offline(False)
    network.restore()

    expect_live(page, timeout=RECONNECT_TIMEOUT_MS)
    expect(page.get_by_test_id("bell-count")).to_have_text("1")
