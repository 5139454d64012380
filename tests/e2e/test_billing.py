"""The billing desk in the browser: reception admits a patient with an advance deposit, the ward
charges accrue, the desk invoices the stay, issues it, takes a partial payment (an overpayment is
refused) and prints the receipt."""

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import F
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from billing.models import AdvanceDeposit, Charge, Invoice, InvoiceStatus, Payment
from hms import rbac
from tests.e2e.conftest import FAILURE_SCREENSHOTS, _open_page, arrive, snapshot
from tests.e2e.live import run_elsewhere, sign_in
from tests.factories import PatientFactory, UserFactory
from wards import accrual
from wards import services as wards
from wards.models import Admission, BedStay

ADMISSION = re.compile(r"/wards/admissions/(\d+)/$")
PATIENT_CHART = re.compile(r"/patients/([0-9a-f-]{36})/$")
ACCOUNT = re.compile(r"/billing/patients/([0-9a-f-]{36})/$")
INVOICE = re.compile(r"/billing/invoices/(\d+)/$")
INVOICE_OR_ITS_FORM = re.compile(r"/billing/invoices/(\d+)/(pay/)?$")
INVOICE_NUMBER = re.compile(r"^INV-\d{4}-\d{6}$")
RECEIPT_NUMBER = re.compile(r"RCT-\d{4}-\d{6}")
DOCUMENT = "/billing/documents/"
DAYS_IN_WARD = 2  # General ward bed (WARD-GEN): 3500.00 a day, VAT-exempt
# Screens of the desk after a refused payment, kept for a person to look at.
SCREENSHOTS = FAILURE_SCREENSHOTS.parent / "billing"


def pdf_text(content: bytes) -> str:
    pages = PdfReader(io.BytesIO(content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def two_days_pass(admission: Admission) -> list:
    """The patient has been in the ward for two days: move the stay (and the deposit taken at
    admission) back 48 hours, then run the hourly accrual task as the task queue would. It runs
    at the moment the admission really happened, now two days after it, so exactly two service
    days are over whatever the time of day. Returns those days (hospital time). The first day,
    charged on admission under today's date, is taken off so the accrual charges it again under
    the date the stay now starts on (two nights: the first day and the second)."""
    shift = timedelta(days=DAYS_IN_WARD)
    Charge.objects.filter(admission=admission).delete()
    Admission.objects.filter(pk=admission.pk).update(admitted_at=F("admitted_at") - shift)
    BedStay.objects.filter(admission=admission).update(started_at=F("started_at") - shift)
    AdvanceDeposit.objects.filter(admission=admission).update(received_at=F("received_at") - shift)
    admission.refresh_from_db()
    posted = run_elsewhere(lambda: accrual.accrue_all(now=admission.admitted_at + shift))
    assert posted == DAYS_IN_WARD
    first = timezone.localdate(admission.admitted_at)
    return [first + timedelta(days=n) for n in range(DAYS_IN_WARD)]


def keep_documents(page) -> list[bytes]:
    """The bodies of the billing documents (PDFs) the page loads from now on, as served."""
    served: list[bytes] = []

    def pass_through(route) -> None:
        response = route.fetch()
        served.append(response.body())
        route.fulfill(response=response)

    page.route(lambda url: DOCUMENT in url, pass_through)
    return served


def message(page, text: str):
    """A message above the page's content (what the last action did, or why not)."""
    return page.locator("#messages [data-hms-message]").filter(has_text=text)


@pytest.mark.browser
def test_the_desk_admits_invoices_the_stay_takes_a_partial_payment_and_prints_the_receipt(
    transactional_db, charge_master, page, live_server_url
):
    admin = UserFactory(role=rbac.ADMIN)
    ward = run_elsewhere(
        lambda: wards.ward_create(
            actor=admin, name="General Ward A", kind="general", charge_code="WARD-GEN", beds=4
        )
    )
    bed = ward.beds.order_by("number").first()
    doctor = UserFactory(role=rbac.DOCTOR, first_name="Amina", last_name="Odhiambo")
    reception = UserFactory(role=rbac.RECEPTIONIST)
    patient = PatientFactory(first_name="Wanjiku", last_name="Njeri")
    sign_in(page, live_server_url, reception)

    # 1. Reception admits the patient to a bed from the bed board, taking a deposit.
    page.goto(f"{live_server_url}/wards/")
    page.locator(f"[data-testid=bed][data-bed='{bed.pk}']").get_by_role(
        "link", name="Admit here"
    ).click()
    page.get_by_test_id("admission-patient-search").fill("Njeri")
    page.get_by_test_id("patient-result").filter(has_text="Wanjiku Njeri").click()
    expect(page.get_by_test_id("admission-patient")).to_contain_text("Wanjiku Njeri")
    expect(page.get_by_test_id("admission-patient")).to_contain_text(f"MRN {patient.mrn}")
    expect(page.locator("[name=bed]")).to_have_value(str(bed.pk))
    page.locator("[name=attending_doctor]").select_option(str(doctor.pk))
    page.get_by_label("Reason for admission").fill("Pneumonia, needs IV antibiotics")
    page.get_by_label("Expected stay (days)").fill("3")
    page.get_by_label("Advance deposit (KES)").fill("2000")
    page.get_by_label("Deposit paid by").select_option(label="Cash")
    snapshot(page, "billing-0-admission-form")
    page.get_by_test_id("admit").click()

    arrive(page, ADMISSION)
    expect(page.get_by_test_id("admission-status")).to_have_text("Admitted")
    expect(page.locator("dd").filter(has_text="KES 2,000.00")).to_be_visible()
    expect(message(page, f"Wanjiku Njeri is admitted to {bed}.")).to_be_visible()
    snapshot(page, "billing-1-admitted")
    admission = Admission.objects.get(patient=patient)

    # 2. Two days pass; the hourly task posts the two ward days.
    days = two_days_pass(admission)

    # 3. The desk opens the patient's account from the bed board, sees the ward days, invoices.
    page.goto(f"{live_server_url}/wards/")
    page.locator(f"[data-testid=bed][data-bed='{bed.pk}']").get_by_test_id("bed-patient").click()
    arrive(page, f"{live_server_url}/wards/admissions/{admission.pk}/")
    page.get_by_role("heading", name="Wanjiku Njeri").get_by_role("link").click()
    arrive(page, PATIENT_CHART)
    page.get_by_role("link", name="Account", exact=True).click()
    arrive(page, ACCOUNT)

    charges = page.get_by_test_id("charges").locator("tbody tr")
    expect(charges).to_have_count(DAYS_IN_WARD)
    for day in days:
        line = charges.filter(has_text=f"General Ward A, {day:%d %b %Y}")
        expect(line).to_contain_text("WARD-GEN")
        expect(line.locator("td").nth(4)).to_have_text("KES 3,500.00")
    totals = page.get_by_test_id("account-totals")
    expect(totals).to_contain_text(re.compile(r"Charges KES 7,000\.00\s*Tax"))
    expect(totals).to_contain_text("Tax KES 0.00")
    expect(totals).to_contain_text("Total KES 7,000.00")
    expect(page.get_by_test_id("advances")).to_contain_text(
        "KES 2,000.00 (Cash) · KES 2,000.00 left"
    )
    expect(page.get_by_test_id("invoices")).to_contain_text("None yet.")
    snapshot(page, "billing-2-patient-account")
    create = page.get_by_test_id("create-invoice")
    expect(create).to_have_text(
        re.compile(r"^Invoice 2 inpatient charges \(KES 7,000\.00 with tax\)$")
    )
    create.click()

    arrive(page, INVOICE)
    expect(page.get_by_test_id("invoice-status")).to_have_text("Draft")
    expect(page.get_by_test_id("invoice-number")).to_have_text("Draft — not yet issued")
    lines = page.get_by_test_id("invoice-lines")
    for day in days:
        expect(lines).to_contain_text(f"General Ward A, {day:%d %b %Y}")
    invoice_totals = page.get_by_test_id("invoice-totals")
    expect(invoice_totals).to_contain_text(re.compile(r"Subtotal\s*KES 7,000\.00"))
    expect(invoice_totals).to_contain_text(re.compile(r"Total\s*KES 7,000\.00"))
    expect(invoice_totals).to_contain_text(re.compile(r"Patient pays\s*KES 7,000\.00"))
    snapshot(page, "billing-3-draft-invoice")

    # ... and issues it (after a confirmation).
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("issue-invoice").click()

    expect(page.get_by_test_id("invoice-status")).to_have_text("Issued")
    expect(message(page, "Invoice issued.")).to_be_visible()
    expect(page.get_by_test_id("invoice-number")).to_have_text(INVOICE_NUMBER)
    number = page.get_by_test_id("invoice-number").inner_text().strip()
    expect(invoice_totals).to_contain_text(re.compile(r"Total\s*KES 7,000\.00"))
    expect(invoice_totals).to_contain_text(re.compile(r"Paid\s*KES 0\.00"))
    expect(page.get_by_test_id("invoice-balance")).to_have_text("KES 7,000.00")
    # The amount asked is what the deposit leaves, so the deposit is not paid again in cash.
    expect(page.get_by_test_id("pay-amount")).to_have_value("5000.00")
    expect(page.get_by_test_id("pay-after-advance")).to_be_visible()
    expect(page.get_by_test_id("print-invoice")).to_be_visible()
    # The deposit taken at admission is offered first (not used here: the patient pays in cash).
    expect(page.get_by_test_id("advance-available")).to_have_text("KES 2,000.00")
    expect(page.get_by_test_id("apply-advance")).to_have_text(
        "Pay KES 2,000.00 from the advance deposit"
    )
    snapshot(page, "billing-4-issued-invoice")

    # 4. A partial payment in cash.
    page.get_by_test_id("pay-amount").fill("3000")
    page.get_by_test_id("pay-mode").select_option(label="Cash")
    page.get_by_test_id("take-payment").click()

    expect(page.get_by_test_id("invoice-status")).to_have_text("Partially paid")
    expect(message(page, "Payment recorded: receipt")).to_be_visible()
    expect(invoice_totals).to_contain_text(re.compile(r"Paid\s*KES 3,000\.00"))
    expect(page.get_by_test_id("invoice-balance")).to_have_text("KES 4,000.00")
    payments = page.get_by_test_id("payments").locator("li")
    expect(payments).to_have_count(1)
    expect(payments).to_contain_text(RECEIPT_NUMBER)
    expect(payments).to_contain_text("KES 3,000.00 Cash")
    receipt = RECEIPT_NUMBER.search(payments.inner_text()).group(0)
    snapshot(page, "billing-5-partial-payment")

    # An overpayment is refused with a clear message, and nothing changes.
    page.get_by_test_id("pay-amount").fill("4500")
    page.get_by_test_id("take-payment").click()

    expect(page.get_by_test_id("pay-amount-error")).to_have_text(
        "That is more than the balance of KES 4,000.00: take KES 4,000.00 and give change."
    )
    expect(page.get_by_test_id("pay-amount")).to_have_value("4500")
    expect(page.get_by_test_id("invoice-status")).to_have_text("Partially paid")
    expect(page.get_by_test_id("invoice-balance")).to_have_text("KES 4,000.00")
    expect(payments).to_have_count(1)
    snapshot(page, "billing-6-overpayment-refused")

    # 5. Print the receipt: the button loads its PDF into a hidden frame of the page (and opens
    # the print dialog) without leaving the invoice. Chromium hands its PDF viewer's page to
    # Playwright as the frame's body, so the bytes served are kept on their way through.
    served = keep_documents(page)
    with page.expect_response(lambda response: DOCUMENT in response.url) as printed:
        page.get_by_role("button", name=f"Print receipt {receipt}").click()
    document = printed.value
    assert document.status == 200
    assert document.headers["content-type"] == "application/pdf"
    assert f'filename="{receipt}.pdf"' in document.headers["content-disposition"]
    assert len(served) == 1 and served[0].startswith(b"%PDF-")
    text = pdf_text(served[0])
    assert f"RECEIPT {receipt}" in text
    assert "AMOUNT KES 3,000.00" in text
    assert number in text and "Wanjiku Njeri" in text
    expect(page.locator("#hms-print-frame")).to_have_attribute("src", re.compile(DOCUMENT))
    # Still the invoice: drawn again, with the refused form, at the form's address.
    arrive(page, INVOICE_OR_ITS_FORM)

    # What the screens showed is what was recorded.
    invoice = Invoice.objects.get()
    assert invoice.number == number and invoice.admission_id == admission.pk
    assert invoice.issued_by == reception and invoice.issued_at is not None
    assert invoice.status == InvoiceStatus.PARTIALLY_PAID
    assert invoice.total == invoice.patient_share == Decimal("7000.00")
    assert invoice.amount_paid == Decimal("3000.00") and invoice.balance == Decimal("4000.00")
    assert Charge.objects.filter(patient=patient, invoice=invoice).count() == DAYS_IN_WARD
    payment = Payment.objects.get()
    assert (payment.invoice_id, payment.amount, payment.mode) == (
        invoice.pk,
        Decimal("3000.00"),
        "cash",
    )
    assert payment.receipt_number == receipt and payment.received_by == reception
    deposit = AdvanceDeposit.objects.get()
    assert deposit.amount == Decimal("2000.00") and deposit.applied == Decimal("0.00")


@pytest.mark.browser
def test_a_double_click_on_record_payment_records_one_payment(
    transactional_db, charge_master, page, live_server_url
):
    """Issue 12: a double click on "Record payment" for 100.00 on a 400.00 invoice recorded two
    payments. Now the form ignores the second click while sending, and the server acts once per
    form even if both arrive."""
    from billing import services as billing

    reception = UserFactory(role=rbac.RECEPTIONIST)
    patient = PatientFactory(first_name="Achieng", last_name="Otieno")

    def issued() -> Invoice:
        billing.charge_post(actor=None, patient=patient, code="NURS-DRESS", quantity=Decimal("0.8"))
        draft = billing.invoice_draft(actor=reception, patient=patient)
        return billing.invoice_issue(actor=reception, invoice=draft)

    invoice = run_elsewhere(issued)
    assert invoice.total == Decimal("400.00")
    sign_in(page, live_server_url, reception)
    page.goto(f"{live_server_url}/billing/invoices/{invoice.pk}/")

    page.get_by_test_id("pay-amount").fill("100")
    page.get_by_test_id("pay-mode").select_option(label="Cash")
    page.get_by_test_id("take-payment").dblclick()

    expect(message(page, "Payment recorded: receipt")).to_be_visible()
    expect(page.get_by_test_id("invoice-balance")).to_have_text("KES 300.00")
    expect(page.get_by_test_id("payments").locator("li")).to_have_count(1)
    snapshot(page, "billing-7-double-click-one-payment")
    assert Payment.objects.filter(invoice=invoice).count() == 1


# The desk's two screens: the front desk's laptop and the tablet at the cashier's window.
DESK_SCREEN = {"width": 1366, "height": 768}
TABLET_SCREEN = {"width": 1024, "height": 600}


@pytest.fixture
def cashier_page(request, transactional_db, live_server_url, browser, browser_errors):
    """A fresh browser context on the screen the test is parametrized with."""
    yield from _open_page(request, browser, browser_errors, viewport=request.param)


@pytest.mark.browser
@pytest.mark.parametrize(
    "cashier_page", [DESK_SCREEN, TABLET_SCREEN], ids=["desk", "tablet"], indirect=True
)
def test_a_cashier_corrects_an_amount_too_large_and_pays_once_by_m_pesa(
    transactional_db, charge_master, cashier_page, live_server_url
):
    """Issue 15: after a refused payment the form had gone back to Cash and the full balance. Now
    the error stands beside the amount, the mode and the M-Pesa code stay as typed, and the
    corrected form records one payment."""
    from billing import services as billing

    page = cashier_page
    screen = page.viewport_size
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    reception = UserFactory(role=rbac.RECEPTIONIST)
    patient = PatientFactory(first_name="Otieno", last_name="Ouma")

    def issued() -> Invoice:
        billing.charge_post(actor=None, patient=patient, code="NURS-DRESS", quantity=Decimal("3"))
        draft = billing.invoice_draft(actor=reception, patient=patient)
        return billing.invoice_issue(actor=reception, invoice=draft)

    invoice = run_elsewhere(issued)  # 1,500.00
    name = f"billing-8-{screen['width']}x{screen['height']}"
    sign_in(page, live_server_url, reception)
    page.goto(f"{live_server_url}/billing/invoices/{invoice.pk}/")

    page.get_by_test_id("pay-mode").select_option(label="M-Pesa")
    page.get_by_test_id("pay-amount").fill("15000")
    page.get_by_test_id("pay-reference").fill("QJK3X7Y2ZA")
    page.get_by_test_id("take-payment").click()

    error = page.get_by_test_id("pay-amount-error")
    expect(error).to_have_text(
        "That is more than the balance of KES 1,500.00: take KES 1,500.00 and give change."
    )
    amount = page.get_by_test_id("pay-amount")
    expect(amount).to_have_value("15000")
    expect(amount).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("pay-mode")).to_have_value("mpesa")
    expect(page.get_by_test_id("pay-reference")).to_have_value("QJK3X7Y2ZA")
    # The message is beside the amount: just under it, above the mode (measured at one moment:
    # the page may still be scrolling to the field).
    amount_bottom, error_top, mode_top = page.evaluate(
        """() => {
          const box = (id) => document.querySelector(`[data-testid=${id}]`).getBoundingClientRect();
          return [box("pay-amount").bottom, box("pay-amount-error").top, box("pay-mode").top];
        }"""
    )
    assert amount_bottom <= error_top < mode_top
    # The page opens on the refused field, whatever the screen (it takes the focus).
    expect(amount).to_be_focused()
    expect(error).to_be_in_viewport()
    snapshot(page, f"{name}-refused")
    page.screenshot(path=str(SCREENSHOTS / f"{name}-refused.png"))
    assert Payment.objects.count() == 0

    amount.fill("1500")
    page.get_by_test_id("take-payment").click()

    done = message(page, "Payment recorded: receipt")
    expect(done).to_be_visible()
    expect(page.get_by_test_id("invoice-status")).to_have_text("Paid")
    expect(page.get_by_test_id("payments").locator("li")).to_have_count(1)
    expect(page.get_by_test_id("payments")).to_contain_text("KES 1,500.00 M-Pesa (QJK3X7Y2ZA)")
    # The message sits in the page, above its content: it covers no button, and stays.
    box = done.bounding_box()
    for button in page.locator("main button:visible, main a.btn:visible").all():
        other = button.bounding_box()
        if other is None or button.evaluate("el => !!el.closest('[data-hms-message]')"):
            continue
        apart = (
            other["y"] >= box["y"] + box["height"]
            or other["y"] + other["height"] <= box["y"]
            or other["x"] >= box["x"] + box["width"]
            or other["x"] + other["width"] <= box["x"]
        )
        assert apart, f"the message covers {button.inner_text()!r}"
    page.wait_for_timeout(6500)  # longer than a toast stays
    expect(done).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / f"{name}-paid.png"))
    payment = Payment.objects.get()
    assert (payment.amount, payment.mode, payment.reference) == (
        Decimal("1500.00"),
        "mpesa",
        "QJK3X7Y2ZA",
    )
