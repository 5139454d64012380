"""Every message beside a field of the pharmacy's forms is in the hospital's words: none is
Django's own ("This field is required.", "Ensure this value is greater than or equal to 1.",
"Select a valid choice."), and the examples fit the field (an expiry date's is no birth date)."""

import pytest
from django import forms
from django.core import validators
from django.urls import reverse

from pharmacy import dispensing_forms, formulary_forms, ledger, stock_forms
from pharmacy.models import FormularyItem, StockBalance, StockTakeLine, Store
from tests.factories import BatchFactory, StoreFactory, stock_put

pytestmark = pytest.mark.django_db


def _djangos_wording() -> set[str]:
    """Every message Django's form fields and validators carry of their own."""
    words = set()
    for name in dir(forms):
        kind = getattr(forms, name)
        if isinstance(kind, type) and issubclass(kind, forms.Field):
            for cls in kind.__mro__:
                words |= {str(m) for m in getattr(cls, "default_error_messages", {}).values()}
    for name in dir(validators):
        kind = getattr(validators, name)
        if isinstance(kind, type) and hasattr(kind, "message"):
            words.add(str(kind.message))
        if isinstance(kind, type) and isinstance(getattr(kind, "messages", None), dict):
            words |= {str(m) for m in kind.messages.values()}
    return words


DJANGOS = _djangos_wording()


def _messages_shown(field: forms.Field) -> dict[str, str]:
    """The messages this field can put beside itself, by code."""
    shown = {}
    if field.required:
        shown["required"] = field.error_messages["required"]
    if isinstance(field, (forms.IntegerField, forms.DecimalField, forms.DateField)):
        shown["invalid"] = field.error_messages["invalid"]
    if isinstance(field, (forms.ChoiceField, forms.ModelChoiceField)):
        shown["invalid_choice"] = field.error_messages["invalid_choice"]
    for validator in field.validators:
        if isinstance(validator, validators.DecimalValidator):
            for code, message in validator.messages.items():
                shown[code] = field.error_messages.get(code, message)
        elif isinstance(validator, validators.ProhibitNullCharactersValidator):
            continue  # never reached: a NUL byte is refused with its own page before any form
        elif hasattr(validator, "code"):
            shown[validator.code] = field.error_messages.get(validator.code, validator.message)
    return {code: str(message) for code, message in shown.items()}


def _pharmacy_forms(staff) -> list[forms.Form]:
    store = StoreFactory(kind="pharmacy")
    batch = BatchFactory()
    stock_put(store, batch, 10, staff.pharmacist)
    items = FormularyItem.objects.all()
    return [
        stock_forms.StoreForm(),
        stock_forms.SupplierForm(),
        stock_forms.ReceiptForm(),
        stock_forms.ReceiptLineForm(),
        stock_forms.TransferForm(),
        stock_forms.TransferLineForm(),
        stock_forms.WardUseForm(store=store),
        stock_forms.AdjustForm(batch=batch),
        stock_forms.StoreChoiceForm(),
        stock_forms.StockTakeForm(lines=[StockTakeLine(pk=1, batch=batch, expected=10)]),
        formulary_forms.FormularyItemForm(),
        dispensing_forms.DispenseForm(
            stores=Store.objects.all(), items=items, balances=StockBalance.objects.all()
        ),
        dispensing_forms.ReturnForm(),
        dispensing_forms.SaleForm(),
        dispensing_forms.SaleLineForm(items=items),
    ]


def test_no_pharmacy_field_speaks_djangos_default_words(staff):
    found = [
        f"{type(form).__name__}.{name} {code}: {message}"
        for form in _pharmacy_forms(staff)
        for name, field in form.fields.items()
        for code, message in _messages_shown(field).items()
        if message in DJANGOS
    ]

    assert found == []


def test_a_quantity_of_zero_on_a_receipt_asks_for_at_least_one_in_plain_words():
    line = stock_forms.ReceiptLineForm({"quantity": "0"})

    assert line.errors["quantity"] == ["Enter a quantity of at least 1."]


def test_a_wrong_expiry_date_speaks_of_the_expiry_date_not_a_birth_date(staff, client_for):
    store = StoreFactory(kind="main")
    batch = BatchFactory()
    post = {
        "supplier": "",
        "invoice_number": "INV-1",
        "store": store.pk,
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "0",
        "form-0-item": batch.item.pk,
        "form-0-batch_number": "B1",
        "form-0-expiry_date": "31/02/2028",
        "form-0-quantity": "10",
        "form-0-unit_cost": "5",
    }

    page = client_for(staff.pharmacist).post(reverse("receipt_new"), post).content.decode()

    assert "Enter the expiry date as day/month/year, e.g. 30/11/2028" in page
    assert "1988" not in page and "birth" not in page


@pytest.mark.parametrize("typed", ["−3", "-3", " −3 "])
def test_a_broken_pack_is_taken_off_with_either_minus_sign(staff, client_for, typed):
    store = StoreFactory(kind="pharmacy")
    batch = BatchFactory()
    stock_put(store, batch, 10, staff.pharmacist)

    client_for(staff.pharmacist).post(
        reverse("stock_adjust", args=[batch.pk]),
        {"store": store.pk, "quantity": typed, "reason": "Broken bottles"},
    )

    assert ledger.on_hand(item=batch.item, store=store) == 7


def test_the_adjustment_box_lets_a_minus_be_typed(staff, client_for):
    store = StoreFactory(kind="pharmacy")
    batch = BatchFactory()
    stock_put(store, batch, 10, staff.pharmacist)

    page = client_for(staff.pharmacist).get(reverse("stock_adjust", args=[batch.pk]))

    box = page.content.decode().split('name="quantity"')[0].rsplit("<input", 1)[1]
    assert 'type="text"' in box  # a number box drops "−3" before the form sees it
