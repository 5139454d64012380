"""Over-the-counter sales: priced and taxed per line as billing does, first expiry first out,
M-Pesa with its code, a form that keeps what was typed when refused, the receipt, the list."""

import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse

from hms.phones import PhoneRefused
from pharmacy import ledger
from pharmacy.models import MovementKind, Sale, StockBalance, StockMovement
from pharmacy.services import PharmacyError, sale_record
from tests.factories import FormularyItemFactory, PharmacyChargeItemFactory, UserFactory
from tests.pharmacy.rx import stocked

pytestmark = pytest.mark.django_db


@pytest.fixture
def pharmacist():
    return UserFactory(role="pharmacist")


def _taxed_item():
    """Gauze at KES 33.35 a roll with 16% VAT (the tax of a line rounds half-up)."""
    charge_item = PharmacyChargeItemFactory(price=Decimal("33.35"), tax_rate=Decimal("16"))
    return FormularyItemFactory(generic_name="Gauze", form="supply", charge_item=charge_item)


def test_a_sale_is_priced_and_taxed_per_line_and_leaves_by_first_expiry(pharmacist):
    gauze, (late, soon) = stocked(_taxed_item(), units=(10, 2), days=(300, 20))
    tablets, _ = stocked(units=(20,))

    sale = sale_record(
        actor=pharmacist,
        customer_name="Walk-in",
        customer_phone="0712000111",
        lines=[(gauze, 3), (tablets, 5)],
        payment_mode="cash",
    )

    # 3 × 33.35 = 100.05, 16% of it 16.008 -> 16.01; 5 × 10.00 = 50.00 untaxed.
    assert (sale.subtotal, sale.tax, sale.total) == (
        Decimal("150.05"),
        Decimal("16.01"),
        Decimal("166.06"),
    )
    assert sale.number.startswith("OTC-")
    assert sale.customer_phone == "+254712000111"  # stored as every phone is, shown 0712 000 111
    assert StockBalance.objects.get(batch=soon).quantity == 0
    assert StockBalance.objects.get(batch=late).quantity == 9
    assert StockMovement.objects.filter(sale=sale, kind=MovementKind.SALE).count() == 3


def test_mpesa_needs_its_code_and_a_short_shelf_refuses_the_whole_sale(pharmacist):
    tablets, _ = stocked(units=(4,))

    with pytest.raises(PharmacyError) as no_code:
        sale_record(
            actor=pharmacist,
            customer_name="",
            customer_phone="",
            lines=[(tablets, 1)],
            payment_mode="mpesa",
        )
    with pytest.raises(ledger.StockError, match="holds only 4"):
        sale_record(
            actor=pharmacist,
            customer_name="",
            customer_phone="",
            lines=[(tablets, 5)],
            payment_mode="mpesa",
            payment_reference="qjk3 x7y2za",
        )
    sale = sale_record(
        actor=pharmacist,
        customer_name="",
        customer_phone="",
        lines=[(tablets, 4)],
        payment_mode="mpesa",
        payment_reference="qjk3 x7y2za",
    )

    assert no_code.value.field == "payment_reference"
    assert sale.payment_reference == "QJK3X7Y2ZA"
    assert Sale.objects.count() == 1


def test_the_sale_screen_keeps_what_was_typed_then_sells_and_prints_the_receipt(
    client_for, pharmacist
):
    tablets, _ = stocked(units=(10,))
    counter = client_for(pharmacist)
    data = {
        "line-TOTAL_FORMS": "4",
        "line-INITIAL_FORMS": "0",
        "line-0-item": tablets.pk,
        "line-0-quantity": "3",
        "customer_name": "Baraka",
        "payment_mode": "mpesa",
        "payment_reference": "",
    }

    refused = counter.post(reverse("sale_new"), data)
    done = counter.post(reverse("sale_new"), {**data, "payment_reference": "QJK3X7Y2ZB"})

    assert "M-Pesa transaction code" in " ".join(
        refused.context["form"].errors["payment_reference"]
    )
    assert 'value="Baraka"' in refused.content.decode()
    assert 'value="3"' in refused.content.decode()
    sale = Sale.objects.get()
    assert done["Location"] == reverse("sale_detail", args=[sale.pk])
    receipt = counter.get(reverse("sale_receipt", args=[sale.pk]))
    text = " ".join(
        subprocess.run(
            ["pdftotext", "-layout", "-", "-"],
            input=receipt.content,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split()
    )
    assert sale.number in text and "KES 30.00" in text and "QJK3X7Y2ZB" in text
    listing = counter.get(reverse("sale_list")).content.decode()
    assert sale.number in listing and "1 sale in all" in listing


def test_a_customer_phone_that_is_no_phone_is_refused_beside_it(pharmacist):
    tablets, _ = stocked(units=(4,))

    with pytest.raises(PhoneRefused) as refused:
        sale_record(
            actor=pharmacist,
            customer_name="Walk-in",
            customer_phone="12",
            lines=[(tablets, 1)],
            payment_mode="cash",
        )

    assert refused.value.field == "customer_phone"
    assert not StockMovement.objects.filter(kind=MovementKind.SALE).exists()


def _lines(*typed) -> dict:
    data = {"line-TOTAL_FORMS": "4", "line-INITIAL_FORMS": "0"}
    for n, (item, quantity) in enumerate(typed):
        data |= {f"line-{n}-item": item, f"line-{n}-quantity": quantity}
    return data


def test_the_sale_screen_shows_each_lines_amount_and_the_taxed_total_as_it_is_typed(
    client_for, pharmacist
):
    gauze, _ = stocked(_taxed_item(), units=(10,))
    tablets, _ = stocked(units=(20,))
    counter = client_for(pharmacist)
    asked = _lines((gauze.pk, "3"), (tablets.pk, "5"), ("", ""))

    shown = counter.get(
        reverse("sale_new"), asked, headers={"HX-Request": "true", "HX-Target": "sale-total"}
    )
    page = counter.get(reverse("sale_new")).content.decode()
    counter.post(reverse("sale_new"), {**asked, "payment_mode": "cash"})

    text = shown.content.decode()
    assert text.lstrip().startswith('<div class="card mb-3" id="sale-total"')  # only the total
    assert "KES 100.05" in text and "+ tax KES 16.01" in text and "KES 50.00" in text
    assert 'data-testid="sale-total-amount">KES 166.06<' in text
    assert Sale.objects.get().total == Decimal("166.06")  # what was shown is what is recorded
    assert 'hx-get="/pharmacy/sales/new/"' in page and 'hx-target="#sale-total"' in page


def test_a_line_still_being_typed_is_left_out_of_the_running_total(client_for, pharmacist):
    tablets, _ = stocked(units=(20,))
    counter = client_for(pharmacist)

    shown = counter.get(
        reverse("sale_new"),
        _lines((tablets.pk, "2"), (tablets.pk, "x")),
        headers={"HX-Request": "true", "HX-Target": "sale-total"},
    ).content.decode()

    assert 'data-testid="sale-total-amount">KES 20.00<' in shown


def test_working_out_the_total_without_javascript_records_nothing(client_for, pharmacist):
    tablets, _ = stocked(units=(20,))

    page = client_for(pharmacist).post(
        reverse("sale_new"), {**_lines((tablets.pk, "4")), "payment_mode": "cash", "preview": "1"}
    )

    assert 'data-testid="sale-total-amount">KES 40.00<' in page.content.decode()
    assert 'value="4"' in page.content.decode()
    assert not Sale.objects.exists()
