"""Money is taken as the desk writes it: "1,500", "1 500" and "1500.00" are all fifteen hundred
shillings, on every form of the pharmacy that asks for an amount (and billing's, which share
the field); a comma that could be a decimal point ("1,50") is still refused."""

from decimal import Decimal

import pytest
from django.urls import reverse

from billing.forms import ChargeItemForm, DiscountForm, PaymentForm
from clinical.forms import ScheduleBlockForm
from hms import params, rbac
from pharmacy.formulary_forms import FormularyItemForm
from pharmacy.models import Batch, FormularyItem
from pharmacy.stock_forms import ReceiptLineForm
from tests.factories import FormularyItemFactory, StoreFactory, SupplierFactory

pytestmark = pytest.mark.django_db

FIFTEEN_HUNDRED = ["1,500", "1 500", "1500.00", "1500", " 1,500.00 ", "1\u00a0500"]


@pytest.mark.parametrize("typed", FIFTEEN_HUNDRED)
def test_an_amount_with_its_thousands_grouped_is_fifteen_hundred(typed):
    assert params.amount(typed) == Decimal("1500.00")
    assert params.MoneyField().clean(typed) == Decimal("1500")


@pytest.mark.parametrize("typed", ["1,50", "15,00", "1,5000", "1,500 000", "1.500,00", "1,,500"])
def test_a_grouping_that_is_not_by_threes_is_refused_not_guessed(typed):
    with pytest.raises(params.ValueRefused, match="Enter the amount as a number"):
        params.amount(typed)


def test_an_amount_box_is_a_text_box_a_comma_can_be_typed_in():
    shown = str(FormularyItemForm()["price"])

    assert 'type="text"' in shown and 'inputmode="decimal"' in shown


@pytest.mark.parametrize(
    ("form", "field"),
    [
        (lambda data: FormularyItemForm(data), "price"),
        (lambda data: ReceiptLineForm(data), "unit_cost"),
        (lambda data: ChargeItemForm(data), "price"),
        (lambda data: ScheduleBlockForm(data), "consultation_fee"),
        (lambda data: DiscountForm(data), "value"),
        (lambda data: PaymentForm(data), "amount"),
    ],
    ids=[
        "formulary price",
        "receipt cost",
        "charge price",
        "consultation fee",
        "discount",
        "payment",
    ],
)
def test_every_money_box_takes_1_comma_500(form, field):
    filled = form({field: "1,500"})
    filled.is_valid()

    assert field not in filled.errors
    assert filled.cleaned_data[field] == Decimal("1500")


def test_a_formulary_item_priced_1_comma_500_is_added(make_user, client_for):
    pharmacist = make_user(rbac.PHARMACIST)
    posted = {
        "generic_name": "Ceftriaxone",
        "form": "injection",
        "strength": "1 g",
        "dispensing_unit": "vial",
        "pack_size": "10",
        "category": "drug",
        "reorder_level": "20",
        "price": "1,500",
        "tax_rate": "0",
        "active": "on",
    }

    client_for(pharmacist).post(reverse("formulary_add"), posted)

    item = FormularyItem.objects.get(generic_name="Ceftriaxone")
    assert item.charge_item.price == Decimal("1500.00")


def test_a_receipt_costed_1_500_with_a_space_is_received(staff, client_for):
    store = StoreFactory(kind="main")
    item = FormularyItemFactory()
    posted = {
        "supplier": SupplierFactory().pk,
        "invoice_number": "INV-77",
        "store": store.pk,
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "0",
        "form-0-item": item.pk,
        "form-0-batch_number": "B77",
        "form-0-expiry_date": "30/11/2028",
        "form-0-quantity": "10",
        "form-0-unit_cost": "1 500",
    }

    client_for(staff.pharmacist).post(reverse("receipt_new"), posted)

    assert Batch.objects.get(batch_number="B77").unit_cost == Decimal("1500.00")
