"""Sensible upper limits at the desk (session 33): where nothing else bounds what is typed, one
advance deposit and one price are at most HMS_BILLING_MAX_ENTRY (KES 5,000,000 by default) and
one charge is for at most HMS_BILLING_MAX_QUANTITY units (1,000), refused beside the field
with the limit in the message; a deposit cannot be voided, so a slip of the keyboard must never
be recorded."""

import html
import re
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from billing import services
from billing.models import AdvanceDeposit, Charge, ChargeItem
from tests.factories import PatientFactory


@pytest.fixture
def desk(staff, charge_master):
    return staff.receptionist


def beside(page: str, field: str) -> str:
    """The text from the input named `field` to the next input: where its message is shown."""
    page = html.unescape(page)
    start = re.search(rf'<(input|select)[^>]*name="{field}"', page)
    assert start, f"no field {field}"
    after = page[start.end() :]
    following = re.search(r'<(input|select)[^>]*name="(?!submission)', after)
    return after[: following.start() if following else None]


@pytest.mark.parametrize("typed", ["100000000", "999,999,999,999", "5000000.01"])
def test_a_deposit_above_the_limit_is_refused_beside_the_amount(desk, client_for, typed):
    patient = PatientFactory()

    response = client_for(desk).post(
        reverse("advance_take", args=[patient.pk]),
        {"amount": typed, "mode": "cash", "submission": str(uuid.uuid4())},
    )

    assert response.status_code == 200
    shown = beside(response.content.decode(), "amount")
    assert "One deposit is at most KES 5,000,000.00" in shown
    assert not AdvanceDeposit.objects.exists()


def test_a_deposit_of_the_limit_itself_is_taken(desk):
    advance = services.advance_take(
        actor=desk, patient=PatientFactory(), amount=Decimal("5000000"), mode="cash"
    )

    assert advance.amount == Decimal("5000000.00")


def test_the_limit_is_the_hospitals_setting(desk, settings):
    settings.HMS_BILLING_MAX_ENTRY = 200_000

    with pytest.raises(services.BillingError, match="at most KES 200,000.00") as refused:
        services.advance_take(
            actor=desk, patient=PatientFactory(), amount=Decimal("250000"), mode="cash"
        )

    assert refused.value.field == "amount"


def test_a_manual_charge_of_absurd_quantity_is_refused_beside_it(desk, client_for):
    patient = PatientFactory()
    item = ChargeItem.objects.get(code="NURS-DRESS")

    response = client_for(desk).post(
        reverse("manual_charge", args=[patient.pk]),
        {"item": item.pk, "quantity": "99999999.99", "submission": str(uuid.uuid4())},
    )

    assert response.status_code == 200
    shown = beside(response.content.decode(), "quantity")
    assert "The quantity of one charge is at most 1,000 (99,999,999.99 typed)" in shown
    assert not Charge.objects.filter(patient=patient).exists()


def test_a_charge_of_the_most_units_is_posted_and_one_more_is_not(desk):
    patient = PatientFactory()

    services.charge_post(actor=desk, patient=patient, code="NURS-INJ", quantity=Decimal("1000"))
    with pytest.raises(services.BillingError, match="at most 1,000") as refused:
        services.charge_post(
            actor=desk, patient=patient, code="NURS-INJ", quantity=Decimal("1000.01")
        )

    assert refused.value.field == "quantity"
    assert Charge.objects.filter(patient=patient).count() == 1


def test_a_price_above_the_limit_is_refused_beside_the_price(staff, charge_master, client_for):
    item = ChargeItem.objects.get(code="NURS-DRESS")
    form = {
        "code": item.code,
        "name": item.name,
        "category": item.category,
        "charge_type": item.charge_type,
        "price": "50000000",
        "tax_rate": "0",
        "active": "on",
    }

    response = client_for(staff.admin).post(reverse("charge_item_edit", args=[item.pk]), form)

    assert response.status_code == 200
    assert "A price is at most KES 5,000,000.00" in beside(response.content.decode(), "price")
    item.refresh_from_db()
    assert item.price == Decimal("500.00")
