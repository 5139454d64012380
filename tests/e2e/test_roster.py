"""The roster in the browser on a 1024×600 tablet: the administrator opens it from the
Administration menu, puts a nurse on the night shift by choosing it in her cell (saved at once,
no button), and the page stays within the screen; the nurse sees the shift on "My attendance".
Screenshots of every attendance screen at 1366×768 and 1024×600 go to HMS_E2E_SNAPSHOT_DIR."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Department
from hms import rbac
from hr.models import RosterEntry, Shift
from hr.models.roster import STANDARD_SHIFTS
from tests.e2e.conftest import SERVER, SMALL_TABLET_VIEWPORT, assert_fits, login, snapshot
from tests.factories import PASSWORD, TOTPDeviceFactory, UserFactory

LAPTOP = {"width": 1366, "height": 768}


def both_sizes(page, name: str) -> None:
    for label, size in (("1366", LAPTOP), ("1024", SMALL_TABLET_VIEWPORT)):
        page.set_viewport_size(size)
        assert_fits(page, f"{name} at {label}")
        snapshot(page, f"{name}-{label}")


def shifts_cut_short(page) -> list[str]:
    """The roster's selects too narrow for the longest shift name they offer: its text, in the
    select's own font, plus the select's padding (the arrow sits in the right padding) is wider
    than the select. Each as "cell id: option"."""
    return page.evaluate(
        """() => {
        const ruler = document.createElement("canvas").getContext("2d");
        const short = [];
        for (const select of document.querySelectorAll('[data-testid="roster"] select')) {
            const style = getComputedStyle(select);
            ruler.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
            const room = select.clientWidth - parseFloat(style.paddingLeft)
                - parseFloat(style.paddingRight);
            for (const option of select.options) {
                if (ruler.measureText(option.text).width > room) {
                    short.push(`${select.closest("td").id}: ${option.text}`);
                }
            }
        }
        return short;
    }"""
    )


@pytest.mark.browser
def test_the_admin_rosters_a_nurse_on_a_tablet_and_she_sees_her_shift(
    transactional_db, page, live_server_url, browser
):
    for name, starts_at, ends_at in STANDARD_SHIFTS:  # flushed by an earlier browser test
        Shift.objects.get_or_create(
            name=name, defaults={"starts_at": starts_at, "ends_at": ends_at}
        )
    ward = Department.objects.create(name="Medical ward", code="MEDW")
    nurse = UserFactory(role=rbac.NURSE, first_name="Grace", last_name="Wanjiru", department=ward)
    for n in range(5):
        UserFactory(
            role=rbac.NURSE, department=ward, first_name=f"Colleague{n}", last_name="Otieno"
        )
    admin = UserFactory(role=rbac.ADMIN)
    page.set_viewport_size(SMALL_TABLET_VIEWPORT)
    login(page, live_server_url, admin.username, PASSWORD, TOTPDeviceFactory(user=admin).key)

    page.get_by_test_id("admin-menu").click()
    page.get_by_role("link", name="Roster", exact=True).click()
    page.get_by_label("Department").select_option(label="Medical ward")
    page.get_by_role("button", name="Show", exact=True).click()
    today = timezone.localdate()
    cell = page.get_by_test_id(f"cell-{nurse.pk}-{today:%Y-%m-%d}")
    cell.get_by_role("combobox").select_option(label="Night")

    expect(page.get_by_test_id(f"cell-{nurse.pk}-{today:%Y-%m-%d}")).to_have_class("table-success")
    entry = RosterEntry.objects.get(user=nurse)
    assert (entry.date, entry.shift.name) == (today, "Night")
    assert_fits(page, "the roster")
    both_sizes(page, "roster")
    for width in (1280, 1024):
        page.set_viewport_size({"width": width, "height": 768})
        assert shifts_cut_short(page) == [], f"shift names cut short at {width} px"
    for name, path in (
        ("team-attendance", "/hr/attendance/team/"),
        ("attendance-report", "/hr/attendance/report/"),
        ("shifts", "/hr/shifts/"),
    ):
        page.set_viewport_size(LAPTOP)
        page.goto(live_server_url + path)
        expect(page.locator("h1")).to_be_visible()
        both_sizes(page, name)

    context = browser.new_context(viewport=SMALL_TABLET_VIEWPORT, has_touch=True)
    try:
        nurse_page = context.new_page()
        login(nurse_page, live_server_url, nurse.username, PASSWORD)
        nurse_page.goto(live_server_url + "/hr/attendance/")
        day = nurse_page.get_by_test_id(f"my-day-{today:%Y-%m-%d}")
        expect(day).to_contain_text("Night")
        expect(day).to_contain_text("19:00–07:00")
        both_sizes(nurse_page, "my-attendance")
    finally:
        context.close()
        SERVER.wait_idle()
    assert Shift.objects.count() == 3
