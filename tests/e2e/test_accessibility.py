"""axe-core on every main page of every role, over the demo hospital (full tables, live banners):
no serious or critical accessibility problem, every control a finger uses is big enough, and
nothing reaches past the edge of a 1024×600 ward tablet.

The pages are each role's dashboard, every entry of its navigation (the bar, the Administration
menu, the user's own menu, the chat badge, the dashboard's cards) and the records those lists
open (a patient's chart and account, an invoice, an admission, a test order, a machine, a work
order, a chat conversation, the notifications, the portal's own pages).
"""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import TransactionTestCase
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts.demo import DEMO_USERS
from accounts.models import User
from hms import rbac
from hms.navigation import nav_for
from tests.e2e.axe import AXE_VERSION, describe, serious_violations
from tests.e2e.conftest import (
    DESKTOP_VIEWPORT,
    SERVER,
    SMALL_TABLET_VIEWPORT,
    _open_page,
    login,
    next_totp_code,
    overflow_of,
    path_of,
    snapshot,
)
from tests.e2e.live import run_elsewhere
from tests.e2e.live_panels import dead_live_panels
from tests.e2e.touch import touch_problems

PASSWORDS = {username: password for username, _role, *_rest, password in DEMO_USERS}
USERNAMES = {role: username for username, role, *_rest in DEMO_USERS}


def demo_hospital() -> None:
    """`manage.py seed_demo` (what `make run` shows), and conversations for the chat pages."""
    from messaging import services as messaging

    call_command("seed_demo", stdout=StringIO())
    doctor = User.objects.get(username="doctor")
    for username in ("nurse", "patient", "admin"):
        other = User.objects.get(username=username)
        thread = messaging.thread_start(initiator=other, others=[doctor])
        messaging.message_send(sender=other, thread=thread, body="Is bed 4 ready for review?")
        messaging.message_send(sender=doctor, thread=thread, body="Yes, in ten minutes.")


class _FlushedAfterTheWalk(TransactionTestCase):
    """The flush every transactional test ends with (the same as pytest-django's
    `transactional_db`), run once the module's walks are over."""

    databases = {"default"}


@pytest.fixture(scope="module")
def walked_hospital(django_db_setup, django_db_blocker, live_server_url):
    """The demo hospital, seeded once for every role's walk on this worker and flushed after
    the last one: a walk only reads (its sign-in and the audit of what it opened touch no other
    role's pages), and seeding the demo for each of the nine roles cost CI minutes."""
    with django_db_blocker.unblock():
        case = _FlushedAfterTheWalk(methodName="__init__")
        case._pre_setup()
        try:
            run_elsewhere(demo_hospital)
            yield live_server_url
        finally:
            SERVER.wait_idle()
            case._post_teardown()


@pytest.fixture
def walk_page(request, walked_hospital, browser, browser_errors):
    """A fresh browser context on a 1280x800 screen, over the seeded demo hospital."""
    yield from _open_page(request, browser, browser_errors, viewport=DESKTOP_VIEWPORT)


def sign_in(page, base_url: str, role: str) -> User:
    user = User.objects.get(username=USERNAMES[role])
    login(page, base_url, user.username, PASSWORDS[user.username])
    if path_of(page) == "/accounts/2fa/verify/":
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        page.locator("input[name=token]").fill(next_totp_code(device))
        page.get_by_role("button", name="Continue", exact=True).click()
    expect(page.get_by_test_id("dashboard-title")).to_be_visible()
    return user


def pages_of(user) -> list[str]:
    """The addresses a person of this role reaches from the bar and the dashboard, and a record
    of each kind those lists open."""
    from billing.models import Invoice
    from clinical.models import Appointment
    from engineering.models import Machine, WorkOrder
    from lab.models import TestOrder
    from messaging.models import Thread
    from wards.models import Admission

    def scope(capability: str) -> str | None:
        return rbac.ALL if rbac.passes_every_check(user) else rbac.scope(user, capability)

    addresses = [reverse("dashboard"), *(item.href for item in nav_for(user))]
    addresses.append(reverse("notification_list"))
    admission = Admission.objects.filter(discharged_at__isnull=True).order_by("pk").first()
    if scope("patients.view_chart") in (rbac.ALL, rbac.DEMOGRAPHICS):
        addresses.append(reverse("patient_chart", args=[admission.patient_id]))
        addresses.append(reverse("admission_detail", args=[admission.pk]))
    if scope("billing.invoices") == rbac.ALL:
        invoice = Invoice.objects.exclude(number="").order_by("-pk").first()
        addresses.append(reverse("patient_account", args=[invoice.patient_id]))
        addresses.append(reverse("invoice_detail", args=[invoice.pk]))
    if scope("patients.view_chart") == rbac.OWN:
        addresses.append(reverse("portal_prescriptions"))
    if scope("appointments.view") is not None:
        appointments = Appointment.objects.order_by("starts_at")
        if user.role == rbac.PATIENT:
            appointments = appointments.filter(patient__user=user)
        elif user.role == rbac.DOCTOR:
            appointments = appointments.filter(doctor=user)
        addresses.append(reverse("appointment_detail", args=[appointments[0].pk]))
    if rbac.offers(user, "tests.process"):
        # An order at each step that shows a form: results to enter, to verify, a report.
        for status in ("in_progress", "completed", "verified"):
            order = TestOrder.objects.filter(status=status).order_by("pk").first()
            if order is not None:
                addresses.append(reverse("lab_order", args=[order.pk]))
    if rbac.offers(user, "engineering.machines"):
        addresses.append(reverse("machine_detail", args=[Machine.objects.order_by("pk")[0].pk]))
        addresses.append(reverse("work_queue"))
        work_order = WorkOrder.objects.order_by("-pk").first()
        if work_order is not None:
            addresses.append(reverse("work_order_detail", args=[work_order.pk]))
    if rbac.offers(user, "pharmacy.dispense"):
        # The counter: a prescription to dispense, a dispense with its return form, a sale.
        from pharmacy import dispensing_selectors
        from pharmacy.models import Dispense, Sale

        waiting = dispensing_selectors.queue().first()
        given = Dispense.objects.order_by("pk").first()
        if waiting is not None:
            addresses.append(reverse("dispense_new", args=[waiting.pk]))
        if given is not None:
            addresses.append(reverse("dispense_detail", args=[given.pk]))
            addresses.append(reverse("patient_dispenses", args=[given.patient_id]))
        addresses.append(reverse("sale_new"))
        addresses.append(reverse("sale_list"))
        sale = Sale.objects.order_by("pk").first()
        if sale is not None:
            addresses.append(reverse("sale_detail", args=[sale.pk]))
    thread = Thread.objects.filter(members__user=user).first()
    if thread is not None:
        addresses.append(reverse("chat_thread", args=[thread.pk]))
    return list(dict.fromkeys(addresses))


@pytest.mark.browser
@pytest.mark.parametrize("role", rbac.ROLES)
def test_every_main_page_of_each_role_has_no_serious_accessibility_problem(
    role, walked_hospital, walk_page
):
    page, live_server_url = walk_page, walked_hospital
    user = sign_in(page, live_server_url, role)
    addresses = pages_of(user)
    found: dict[str, str] = {}
    too_small: dict[str, list[str]] = {}
    deaf: dict[str, list[str]] = {}
    too_wide: dict[str, str] = {}

    for address in addresses:
        page.set_viewport_size(DESKTOP_VIEWPORT)
        response = page.goto(f"{live_server_url}{address}")
        assert response is not None and response.ok, f"{address} answered {response.status}"
        expect(page.locator("main#main"), address).to_be_visible()
        if panels := dead_live_panels(page, response.text()):
            deaf[address] = panels
        violations = serious_violations(page)
        if violations:
            found[address] = describe(violations)
        problems = touch_problems(page)
        if problems:
            too_small[address] = problems
        snapshot(page, f"a11y-{role}-{address.strip('/').replace('/', '-') or 'home'}")
        # The same page turned into a 1024×600 ward tablet: nothing past the screen's edge.
        page.set_viewport_size(SMALL_TABLET_VIEWPORT)
        if overflow := overflow_of(page):
            too_wide[address] = overflow

    assert len(addresses) >= 5, addresses
    assert not found, f"axe-core {AXE_VERSION}, serious or critical, as {role}:\n" + "\n".join(
        f"== {address}\n{text}" for address, text in found.items()
    )
    assert not too_wide, f"wider than a 1024×600 tablet, as {role}:\n" + "\n".join(
        f"== {address}: {overflow}" for address, overflow in too_wide.items()
    )
    assert not deaf, f"live panels that stopped listening after a refetch, as {role}: {deaf}"
    assert not too_small, f"too small to tap or read, as {role}:\n" + "\n".join(
        f"== {address}\n  " + "\n  ".join(problems) for address, problems in too_small.items()
    )
