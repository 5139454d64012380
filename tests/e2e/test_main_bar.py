"""The main bar at every width a desk or a tablet has, for every staff role, with names as long as
real ones get: nothing pushed past the screen's edge, every entry and the user's menu in sight.

CI found the administrator's bar 11 px too wide on a 1280 px laptop when the test user's random
first name was "Christopher"; at 1200 px it was too wide for any name. The hospital's name and
the user's first name now give way (they end in "…", whole in the tooltip and the user menu's
header), and the entries wrap onto a second line rather than off the edge.
"""

import pytest
from playwright.sync_api import expect

from hms import rbac
from hms.navigation import nav_for
from tests.e2e.conftest import assert_fits, login, snapshot
from tests.factories import PASSWORD, TOTPDeviceFactory, UserFactory

# A county referral hospital's full name, and a double-barrelled first name.
LONG_HOSPITAL_NAME = "St. Elizabeth Mukumu Mission Hospital of Kakamega County"
LONG_FIRST_NAME = "Maximiliana-Wanjiru"
WIDTHS = (768, 1024, 1200, 1280, 1366, 1920)


@pytest.mark.browser
@pytest.mark.parametrize("role", [role for role in rbac.ROLES if role != rbac.PATIENT])
def test_each_staff_bar_fits_every_desk_and_tablet_width_with_long_names(
    role, transactional_db, page, live_server_url, settings
):
    settings.HOSPITAL_NAME = LONG_HOSPITAL_NAME
    user = UserFactory(role=role, first_name=LONG_FIRST_NAME, last_name="Odhiambo-Wekesa")
    totp_key = TOTPDeviceFactory(user=user).key if user.second_factor_required else None
    login(page, live_server_url, user.username, PASSWORD, totp_key)
    entries = [item.label for item in nav_for(user) if item.place == "main"]
    navigation = page.get_by_role("navigation", name="Main")

    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"{live_server_url}/")
        expect(page.get_by_test_id("dashboard-title")).to_be_visible()

        assert_fits(page, f"the {role}'s bar at {width} px")
        expect(page.get_by_role("button", name="Menu")).to_be_hidden()
        for label in entries:
            expect(navigation.get_by_role("link", name=label, exact=True)).to_be_in_viewport()
        expect(page.get_by_test_id("user-menu")).to_be_in_viewport()
    snapshot(page, f"desk-1920-bar-{role}")

    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server_url}/")
    # Shortened on the screen, never in what a screen reader says or the tooltip shows.
    user_menu = page.get_by_test_id("user-menu")
    expect(user_menu).to_have_accessible_name(LONG_FIRST_NAME)
    expect(user_menu).to_have_attribute("title", f"{user} · {user.role_label}")
    expect(page.locator(".navbar-brand")).to_have_attribute(
        "title", f"{LONG_HOSPITAL_NAME}: my dashboard"
    )
    user_menu.click()
    expect(page.get_by_role("heading", name=f"{user} · {user.role_label}")).to_be_visible()
    snapshot(page, f"desk-1280-bar-{role}")
