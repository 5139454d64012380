"""Discharge clearance: the bed is released only when nothing is owed, the advance deposit
covers the bill, or an accountant (or administrator) has exempted it with a reason."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from billing import services as billing
from billing.models import DischargeExemption
from hms.models import AuditEntry
from tests.factories import PatientFactory, charge_posted
from wards import services
from wards.models import Admission, AdmissionStatus, BedStatus

pytestmark = pytest.mark.usefixtures("charge_master")

ONE_DAY = Decimal("3500.00")  # General ward, the first day charged on entering


def ordered_stay(staff, *, deposit: str = "0") -> Admission:
    """A patient in the General ward whose discharge the doctor has ordered (one day charged)."""
    ward = services.ward_create(
        actor=staff.admin, name="General A", kind="general", charge_code="WARD-GEN", beds=2
    )
    admission = services.admission_create(
        actor=staff.receptionist,
        patient=PatientFactory(first_name="Achieng", last_name="Odhiambo"),
        attending_doctor=staff.doctor,
        bed=ward.beds.get(number="01"),
        reason="Fever for five days",
        advance_deposit=Decimal(deposit),
        deposit_mode="mpesa",
        deposit_reference="QAZ123WSXE",
    )
    return services.discharge_order(
        actor=staff.doctor, admission=admission, summary={"final_diagnosis": "Malaria"}
    )


def still_in_bed(admission: Admission) -> bool:
    admission.refresh_from_db()
    return (
        admission.status == AdmissionStatus.DISCHARGE_ORDERED
        and admission.discharged_at is None
        and admission.bed.status == BedStatus.OCCUPIED
        and admission.stays.get().ended_at is None
    )


def test_a_patient_owing_is_refused_discharge_and_nothing_changes(staff):
    admission = ordered_stay(staff, deposit="1000")
    charges_before = admission.charges.count()

    with pytest.raises(services.WardError, match="KES 2,500.00 is owed") as refused:
        services.discharge_process(actor=staff.receptionist, admission=admission)

    assert refused.value.field == "bill"
    assert "deposit held (KES 1,000.00)" in str(refused.value)
    assert still_in_bed(admission) and admission.charges.count() == charges_before
    assert not AuditEntry.objects.filter(action="admission.discharge").exists()


def test_the_refusal_is_shown_beside_the_bill_on_the_admission_page(staff, client_for):
    admission = ordered_stay(staff)
    desk = client_for(staff.receptionist)
    before = desk.get(reverse("admission_detail", args=[admission.pk])).content.decode()

    response = desk.post(reverse("discharge_process", args=[admission.pk]))

    assert 'data-testid="discharge-balance">KES 3,500.00' in before
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert" data-testid="bill-clearance"' in html
    assert "KES 3,500.00 is owed" in html and "an accountant authorises an exemption" in html
    assert reverse("patient_account", args=[admission.patient_id]) in html
    assert still_in_bed(admission)


def test_a_deposit_covering_the_bill_lets_the_discharge_through(staff):
    admission = ordered_stay(staff, deposit="5000")

    services.discharge_process(actor=staff.receptionist, admission=admission)

    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.DISCHARGED
    assert admission.bed.status == BedStatus.CLEANING
    entry = AuditEntry.objects.get(action="admission.discharge")
    assert entry.after["bill"] == "covered by the advance deposit"


def test_a_bill_paid_in_full_lets_the_discharge_through(staff):
    admission = ordered_stay(staff)
    draft = billing.invoice_draft(
        actor=staff.receptionist, patient=admission.patient, admission=admission
    )
    invoice = billing.invoice_issue(actor=staff.receptionist, invoice=draft)
    billing.payment_take(actor=staff.receptionist, invoice=invoice, amount=ONE_DAY, mode="cash")

    services.discharge_process(actor=staff.receptionist, admission=admission)

    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.DISCHARGED
    assert AuditEntry.objects.get(action="admission.discharge").after["bill"] == "nothing owed"


def test_an_accountant_exempts_with_a_reason_audited_and_the_discharge_goes_through(
    staff, client_for
):
    admission = ordered_stay(staff)
    accountant = client_for(staff.accountant)
    page = accountant.get(reverse("patient_account", args=[admission.patient_id])).content

    response = accountant.post(
        reverse("discharge_exemption", args=[admission.patient_id]),
        {"admission": admission.pk, "reason": "Waiver approved by the finance committee"},
    )
    services.discharge_process(actor=staff.receptionist, admission=admission)

    assert b'data-testid="exempt"' in page
    assert response.status_code == 302
    exemption = DischargeExemption.objects.get(admission=admission)
    assert exemption.amount == ONE_DAY and exemption.granted_by == staff.accountant
    granted = AuditEntry.objects.get(action="billing.discharge_exemption")
    assert granted.actor == staff.accountant
    assert granted.after["reason"] == "Waiver approved by the finance committee"
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.DISCHARGED
    discharged = AuditEntry.objects.get(action="admission.discharge")
    assert discharged.after["bill"].startswith("KES 3,500.00 owed, exempted by")


def test_a_nurse_may_not_exempt(staff, client_for):
    admission = ordered_stay(staff)

    response = client_for(staff.nurse).post(
        reverse("discharge_exemption", args=[admission.patient_id]),
        {"admission": admission.pk, "reason": "Kind heart"},
    )

    assert response.status_code == 403
    with pytest.raises(PermissionDenied, match="accountant or an administrator"):
        billing.discharge_exemption_grant(
            actor=staff.nurse, patient=admission.patient, admission=admission, reason="x"
        )
    assert not DischargeExemption.objects.exists()
    with pytest.raises(services.WardError, match="is owed"):
        services.discharge_process(actor=staff.nurse, admission=admission)
    assert still_in_bed(admission)


def test_an_exemption_without_a_reason_is_refused_beside_the_reason(staff, client_for):
    admission = ordered_stay(staff)

    response = client_for(staff.accountant).post(
        reverse("discharge_exemption", args=[admission.patient_id]),
        {"admission": admission.pk, "reason": "  "},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="exemption-error">Give the reason' in html
    assert not DischargeExemption.objects.exists()


def test_nothing_owed_needs_no_exemption(staff):
    admission = ordered_stay(staff, deposit="5000")

    with pytest.raises(billing.BillingError, match="needs no exemption"):
        billing.discharge_exemption_grant(
            actor=staff.accountant, patient=admission.patient, admission=admission, reason="x"
        )


def test_an_exemption_covers_only_what_was_owed_when_it_was_given(staff):
    admission = ordered_stay(staff)
    billing.discharge_exemption_grant(
        actor=staff.admin, patient=admission.patient, admission=admission, reason="Hardship"
    )
    charge_posted(admission.patient, admission=admission)  # a dressing after the exemption

    with pytest.raises(services.WardError, match="exemption given covers KES 3,500.00 only"):
        services.discharge_process(actor=staff.receptionist, admission=admission)

    assert still_in_bed(admission)


def test_after_the_discharge_the_page_leads_to_the_account_and_the_stays_invoice(staff, client_for):
    admission = ordered_stay(staff, deposit="5000")
    services.discharge_process(actor=staff.receptionist, admission=admission)

    html = (
        client_for(staff.receptionist)
        .get(reverse("admission_detail", args=[admission.pk]))
        .content.decode()
    )

    invoice = admission.invoices.get()
    assert 'data-testid="discharged-account"' in html
    assert reverse("patient_account", args=[admission.patient_id]) in html
    assert reverse("invoice_detail", args=[invoice.pk]) in html
    assert 'data-testid="stay-invoice">Draft — not yet issued' in html


def test_an_exemption_refused_for_the_stay_as_it_is_now_is_said_above_the_account(
    staff, client_for
):
    admission = ordered_stay(staff, deposit="5000")

    response = client_for(staff.accountant).post(
        reverse("discharge_exemption", args=[admission.patient_id]),
        {"admission": admission.pk, "reason": "Hardship"},
        follow=True,
    )

    assert "needs no exemption" in response.content.decode()
    assert not DischargeExemption.objects.exists()


def test_ward_days_not_posted_yet_count_in_the_balance_before_the_discharge(staff, client_for):
    """Two nights later, before the periodic accrual has run: the card, the refusal and the
    exemption all count the second day the discharge will post, not only the day posted."""
    with time_machine.travel(timezone.now() - timedelta(days=2)):
        admission = ordered_stay(staff, deposit="1000")
    two_days = 2 * ONE_DAY  # HMS_WARD_DAY_RULE "nights": two midnights, two days
    assert admission.charges.aggregate(total=Sum("amount"))["total"] == ONE_DAY

    html = (
        client_for(staff.receptionist)
        .get(reverse("admission_detail", args=[admission.pk]))
        .content.decode()
    )
    assert 'data-testid="discharge-unposted">KES 3,500.00' in html
    assert 'data-testid="discharge-balance">KES 6,000.00' in html
    with pytest.raises(services.WardError, match="KES 6,000.00 is owed"):
        services.discharge_process(actor=staff.receptionist, admission=admission)

    exemption = billing.discharge_exemption_grant(
        actor=staff.accountant, patient=admission.patient, admission=admission, reason="Waiver"
    )
    assert exemption.amount == two_days - 1000
    services.discharge_process(actor=staff.receptionist, admission=admission)
    admission.refresh_from_db()
    assert admission.status == AdmissionStatus.DISCHARGED
    assert admission.charges.aggregate(total=Sum("amount"))["total"] == two_days


def test_the_administrator_exempts_at_the_bedside_and_comes_back_to_the_stay(staff, client_for):
    admission = ordered_stay(staff)
    admin = client_for(staff.admin)
    url = reverse("admission_detail", args=[admission.pk])
    page = admin.get(url).content.decode()
    desk_page = client_for(staff.receptionist).get(url).content.decode()

    response = admin.post(
        reverse("discharge_exemption", args=[admission.patient_id]),
        {"admission": admission.pk, "reason": "Hardship, approved by the director", "next": url},
    )

    assert 'data-testid="exemption-reason"' in page and "leave owing KES 3,500.00" in page
    assert 'data-testid="exemption-reason"' not in desk_page  # the desk may not exempt
    assert response.status_code == 302 and response["Location"] == url
    assert DischargeExemption.objects.get(admission=admission).amount == ONE_DAY
    after = admin.get(url).content.decode()
    assert "Bill: KES 3,500.00 owed, exempted by" in after
    assert 'data-testid="exemption-reason"' not in after


def test_an_exemption_leads_back_only_to_a_page_of_this_site(staff, client_for):
    admission = ordered_stay(staff)

    response = client_for(staff.admin).post(
        reverse("discharge_exemption", args=[admission.patient_id]),
        {"admission": admission.pk, "reason": "Hardship", "next": "https://evil.example/"},
    )

    assert response["Location"] == reverse("patient_account", args=[admission.patient_id])


def test_a_blank_reason_at_the_bedside_is_said_on_the_admission_page(staff, client_for):
    admission = ordered_stay(staff)
    url = reverse("admission_detail", args=[admission.pk])

    response = client_for(staff.admin).post(
        reverse("discharge_exemption", args=[admission.patient_id]),
        {"admission": admission.pk, "reason": "   ", "next": url},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == url
    assert "Give the reason for letting the patient leave owing." in response.content.decode()
    assert not DischargeExemption.objects.exists()
