"""A discount is never more than the subtotal (docs/DECISIONS.md, session 33): one larger is
refused beside its field, not kept and cut when the totals are worked out (where charges added
to the draft later were swallowed by it)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from billing import services
from billing.models import Invoice, InvoiceStatus
from tests.factories import PatientFactory, charge_posted


@pytest.fixture
def draft(staff, charge_master) -> Invoice:
    """A draft of 2,060.00: a consultation, an injection and a copy of the records (300 + tax)."""
    patient = PatientFactory()
    for code in ("CONSULT", "NURS-INJ"):
        charge_posted(patient, code)
    charge_posted(patient, "NURS-DRESS", "0.72")  # 360.00
    return services.invoice_draft(actor=staff.receptionist, patient=patient)


def discount(staff, invoice, kind, value):
    return services.invoice_set_discount(
        actor=staff.accountant, invoice=invoice, kind=kind, value=Decimal(value), reason="Hardship"
    )


def test_an_amount_above_the_subtotal_is_refused_beside_the_value(staff, draft):
    with pytest.raises(services.BillingError) as refused:
        discount(staff, draft, "amount", "3000")

    assert refused.value.field == "value"
    assert "more than the invoice's subtotal of KES 2,060.00 (KES 3,000.00 typed)" in str(
        refused.value
    )
    draft.refresh_from_db()
    assert (draft.discount_kind, draft.discount_value) == ("", 0)


def test_the_whole_subtotal_and_100_percent_are_taken_but_no_more(staff, draft):
    discount(staff, draft, "amount", "2060")
    discount(staff, draft, "percent", "100")

    with pytest.raises(services.BillingError, match=r"at most 100 % \(100.5 % typed\)") as refused:
        discount(staff, draft, "percent", "100.5")
    assert refused.value.field == "value"
    with pytest.raises(services.BillingError, match="cannot be below zero"):
        discount(staff, draft, "amount", "-1")


def test_charges_added_later_are_not_swallowed_by_a_discount(staff, draft):
    discount(staff, draft, "amount", "2000")
    charge_posted(draft.patient, "NURS-DRESS", "2")  # 1,000.00 more

    services.invoice_draft(actor=staff.receptionist, patient=draft.patient)
    issued = services.invoice_issue(actor=staff.receptionist, invoice=draft)

    assert (issued.subtotal, issued.discount_amount, issued.total) == (
        Decimal("3060.00"),
        Decimal("2000.00"),
        Decimal("1060.00"),
    )


def test_a_draft_whose_subtotal_fell_below_its_discount_is_not_issued(staff, draft, client_for):
    discount(staff, draft, "amount", "2000")
    consultation = draft.lines.get(item__code="CONSULT")
    services.charge_reverse(actor=staff.accountant, charge=consultation, reason="Not seen")
    services.invoice_draft(actor=staff.receptionist, patient=draft.patient)  # the reversal joins

    with pytest.raises(services.BillingError, match="more than the subtotal of KES 560.00 now"):
        services.invoice_issue(actor=staff.receptionist, invoice=draft)

    draft.refresh_from_db()
    assert draft.status == InvoiceStatus.DRAFT and draft.number is None
    page = client_for(staff.receptionist).get(reverse("invoice_detail", args=[draft.pk]))
    assert 'data-testid="discount-over-subtotal"' in page.content.decode()


def test_the_page_says_so_beside_the_discount_and_keeps_what_was_typed(staff, draft, client_for):
    url = reverse("invoice_discount", args=[draft.pk])

    response = client_for(staff.accountant).post(
        url, {"value": "3000", "kind": "amount", "reason": "Hardship"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    value = page.index('name="value"')
    shown = page[value : page.index('name="reason"')]
    assert 'value="3000"' in shown and "subtotal of KES 2,060.00" in shown
    assert Invoice.objects.get(pk=draft.pk).discount_value == 0
