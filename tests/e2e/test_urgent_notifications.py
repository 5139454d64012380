"""An urgent notification cannot be missed (issue 19, item 4): a critical result that arrived while
the doctor was away pops up at sign-in; on the notifications page it is pinned above the routine
ones; a new alert arrives live as a toast and joins the pinned list; the doctor acknowledges one
with a note, and it leaves the pinned list with the note shown."""

import pytest
from playwright.sync_api import expect

from hms import rbac
from messaging import services as messaging
from messaging.models import Notification
from tests.e2e.conftest import snapshot
from tests.e2e.live import expect_live, run_elsewhere, sign_in, watch_socket
from tests.factories import UserFactory

HB = "CRITICAL result for Juma Mwangi (Full blood count): Haemoglobin 5.8 g/dL. Call the lab."
K = "CRITICAL result for Wanjiku Kamau (Urea and electrolytes): Potassium 6.9 mmol/L. Call the lab."


def _pinned_flow(page, live_server_url, name: str) -> None:
    doctor = UserFactory(role=rbac.DOCTOR, first_name="Amina", last_name="Otieno")

    def while_away() -> None:
        messaging.notify(doctor, HB, link="/dashboard/", urgent=True, kind="critical_result")
        for n in range(3):
            messaging.notify(doctor, f"Appointment {n + 1} booked for tomorrow", kind="appointment")

    run_elsewhere(while_away)
    watch_socket(page.context)
    sign_in(page, live_server_url, doctor)
    popup = page.get_by_test_id("urgent-popup")
    expect(popup).to_be_visible()
    expect(popup).to_contain_text("Haemoglobin 5.8 g/dL")
    snapshot(page, f"urgent-popup-{name}")
    popup.get_by_test_id("urgent-popup-open").click()

    pinned = page.get_by_test_id("pinned-notification")
    expect(pinned).to_have_count(1)
    expect(pinned).to_contain_text("Haemoglobin 5.8 g/dL")
    first_box = pinned.bounding_box()
    routine_box = page.get_by_test_id("notification-list").bounding_box()
    assert first_box["y"] < routine_box["y"], "the urgent one is pinned above the routine ones"
    expect_live(page)

    run_elsewhere(
        lambda: messaging.notify(doctor, K, link="/dashboard/", urgent=True, kind="critical_result")
    )
    toast = page.get_by_test_id("notification-toast")
    expect(toast).to_contain_text("Potassium 6.9 mmol/L")
    # It joins the pinned list at once, oldest first, without a reload.
    expect(page.get_by_test_id("pinned-notification")).to_have_count(2)
    expect(page.get_by_test_id("pinned-notification").last).to_contain_text("Potassium")
    snapshot(page, f"urgent-pinned-{name}")

    pinned = page.get_by_test_id("pinned-notification").filter(has_text="Haemoglobin")
    pinned.get_by_test_id("acknowledge").click()  # without a note: refused beside the field
    expect(page.get_by_test_id("error-note")).to_contain_text("Say what was done about it.")
    pinned = page.get_by_test_id("pinned-notification").filter(has_text="Haemoglobin")
    pinned.get_by_test_id("acknowledge-note").fill("Reviewed, 2 units of blood ordered")
    pinned.get_by_test_id("acknowledge").click()

    expect(page.get_by_test_id("pinned-notification").filter(has_text="Haemoglobin")).to_have_count(
        0
    )
    expect(page.get_by_test_id("pinned-notification")).to_have_count(1)  # the potassium waits
    expect(page.get_by_test_id("acknowledgement").first).to_contain_text(
        "Reviewed, 2 units of blood ordered"
    )
    snapshot(page, f"urgent-acknowledged-{name}")
    settled = Notification.objects.get(text=HB)
    assert settled.acknowledged_by == doctor


@pytest.mark.browser
def test_the_doctor_sees_the_pinned_alert_at_the_desk_and_acknowledges_it(
    transactional_db, page, live_server_url
):
    page.set_viewport_size({"width": 1366, "height": 768})
    _pinned_flow(page, live_server_url, "desk")


@pytest.mark.browser
def test_the_doctor_acknowledges_on_a_small_tablet(transactional_db, page, live_server_url):
    page.set_viewport_size({"width": 1024, "height": 600})
    _pinned_flow(page, live_server_url, "tablet")
