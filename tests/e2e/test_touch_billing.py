"""The cashier's window is a 1024×600 tablet: every control on a paid invoice can be tapped."""

from decimal import Decimal

import pytest

from billing.models import Invoice
from hms import rbac
from tests.e2e.conftest import _open_page, login
from tests.e2e.live import run_elsewhere
from tests.factories import PASSWORD, PatientFactory, TOTPDeviceFactory, UserFactory

TABLET_SCREEN = {"width": 1024, "height": 600}
TOUCH_PX = 44


@pytest.fixture
def cashier_tablet(request, live_server_url, browser, browser_errors):
    yield from _open_page(request, browser, browser_errors, viewport=TABLET_SCREEN)


@pytest.mark.browser
def test_the_receipt_print_button_and_the_refund_toggle_are_big_enough_to_tap(
    transactional_db, charge_master, cashier_tablet, live_server_url
):
    """A new user's try on the tablet: the receipt's print icon measured 32 px wide and "Refund on
    this receipt" 21 px high."""
    from billing import services as billing

    page = cashier_tablet
    accountant = UserFactory(role=rbac.ACCOUNTANT)
    totp_key = TOTPDeviceFactory(user=accountant).key
    patient = PatientFactory(first_name="Wanjiru", last_name="Kamau")

    def paid() -> Invoice:
        billing.charge_post(actor=None, patient=patient, code="NURS-DRESS", quantity=Decimal("2"))
        invoice = billing.invoice_issue(
            actor=accountant, invoice=billing.invoice_draft(actor=accountant, patient=patient)
        )
        billing.payment_take(
            actor=accountant,
            invoice=invoice,
            amount=Decimal("500"),
            mode="mpesa",
            reference="QJK3X7Y2ZA",
        )
        return invoice

    invoice = run_elsewhere(paid)
    login(page, live_server_url, accountant.username, PASSWORD, totp_key)
    page.goto(f"{live_server_url}/billing/invoices/{invoice.pk}/")

    payments = page.get_by_test_id("payments")
    controls = {
        "print receipt": payments.get_by_role("button", name="Print receipt"),
        "refund toggle": payments.locator("summary", has_text="Refund on this receipt"),
        "reversal toggle": payments.locator("summary", has_text="Payment bounced or reversed?"),
    }
    for what, control in controls.items():
        box = control.bounding_box()
        assert box is not None, what
        assert box["width"] >= TOUCH_PX and box["height"] >= TOUCH_PX, f"{what}: {box}"
