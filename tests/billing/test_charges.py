"""The charge master and posting charges: snapshots, price history, reversals, money rules."""

from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from billing import services
from billing.models import Charge, ChargeItem, PriceChange
from hms import rbac
from hms.models import AuditEntry
from hms.money import money, percent_of
from tests.factories import PatientFactory


@pytest.fixture
def admin(make_user):
    return make_user(rbac.ADMIN)


def test_a_price_change_does_not_touch_charges_already_posted_and_is_kept_in_history(
    admin, charge_master, client_for
):
    patient = PatientFactory()
    before = services.charge_post(actor=admin, patient=patient, code="NURS-DRESS")
    item = ChargeItem.objects.get(code="NURS-DRESS")

    client_for(admin).post(
        reverse("charge_item_edit", args=[item.pk]),
        {
            "code": "NURS-DRESS",
            "name": item.name,
            "category": "nursing",
            "charge_type": "fixed",
            "price": "650.00",
            "tax_rate": "0",
            "active": "on",
        },
    )
    after = services.charge_post(actor=admin, patient=patient, code="NURS-DRESS")

    assert Charge.objects.get(pk=before.pk).unit_price == Decimal("500.00")
    assert after.unit_price == Decimal("650.00")
    change = PriceChange.objects.filter(item=item).first()
    assert (change.old_price, change.new_price, change.changed_by) == (
        Decimal("500.00"),
        Decimal("650.00"),
        admin,
    )
    entry = AuditEntry.objects.get(action="charge_item.price_change")
    assert (entry.before["price"], entry.after["price"]) == ("500.00", "650.00")


def test_a_charge_snapshots_price_and_tax_rounded_half_up(admin, charge_master):
    charge = services.charge_post(
        actor=admin,
        patient=PatientFactory(),
        code="MISC-COPY",
        quantity=Decimal("1"),
        unit_price=Decimal("312.50"),
    )

    # 16 % of 312.50 is 50.00; of 312.53 it would be 50.0048 -> 50.00; of 312.5625 -> 50.01
    assert (charge.amount, charge.tax_rate, charge.tax_amount) == (
        Decimal("312.50"),
        Decimal("16.00"),
        Decimal("50.00"),
    )


@pytest.mark.parametrize(
    ("code", "quantity", "message"),
    [("NOPE", 1, "no active charge item"), ("NURS-DRESS", 0, "more than zero")],
)
def test_bad_charges_are_refused(admin, charge_master, code, quantity, message):
    with pytest.raises(services.BillingError, match=message):
        services.charge_post(
            actor=admin, patient=PatientFactory(), code=code, quantity=Decimal(quantity)
        )

    assert not Charge.objects.exists()


def test_the_same_accrual_key_posts_once(admin, charge_master):
    patient = PatientFactory()

    first = services.charge_post(actor=None, patient=patient, code="WARD-GEN", accrual_key="k1")
    again = services.charge_post(actor=None, patient=patient, code="WARD-GEN", accrual_key="k1")

    assert first is not None and again is None
    assert Charge.objects.count() == 1


def test_a_reversal_is_a_visible_negative_line_and_happens_once(admin, charge_master, make_user):
    accountant = make_user(rbac.ACCOUNTANT)
    charge = services.charge_post(
        actor=admin, patient=PatientFactory(), code="NURS-DRESS", source="lab.Order:1"
    )

    reversal = services.charge_reverse(actor=accountant, charge=charge, reason="Ordered in error")

    assert reversal.amount == -charge.amount and reversal.reversal_of == charge
    assert "Ordered in error" in reversal.description
    with pytest.raises(services.BillingError, match="already been reversed"):
        services.charge_reverse(actor=accountant, charge=charge, reason="again")
    assert services.reverse_source(actor=accountant, source="lab.Order:1", reason="x") == []


def test_the_billing_desk_adds_a_manual_charge_and_sees_the_totals(
    admin, charge_master, make_user, client_for
):
    desk = client_for(make_user(rbac.RECEPTIONIST))
    patient = PatientFactory()
    item = ChargeItem.objects.get(code="NURS-INJ")

    desk.post(
        reverse("manual_charge", args=[patient.pk]),
        {"item": item.pk, "quantity": "3", "description": "Ceftriaxone"},
    )
    page = desk.get(reverse("patient_account", args=[patient.pk])).content.decode()

    assert "Total <strong>KES 600.00</strong>" in page and "Ceftriaxone" in page


def test_reception_cannot_reverse_a_charge(admin, charge_master, make_user, client_for):
    charge = services.charge_post(actor=admin, patient=PatientFactory(), code="NURS-DRESS")

    response = client_for(make_user(rbac.RECEPTIONIST)).post(
        reverse("charge_reverse", args=[charge.pk]), {"reason": "x"}
    )

    assert response.status_code == 403 and not Charge.objects.filter(reversal_of=charge).exists()


def test_money_refuses_floats():
    with pytest.raises(TypeError):
        money(0.1)


@given(
    quantity=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000"), places=2),
    price=st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=2),
    rate=st.sampled_from([Decimal("0"), Decimal("8"), Decimal("16"), Decimal("12.5")]),
)
def test_line_amounts_are_exact_cents_rounded_half_up(quantity, price, rate):
    amount = money(quantity * price)
    tax = percent_of(amount, rate)

    assert amount == amount.quantize(Decimal("0.01")) and tax == tax.quantize(Decimal("0.01"))
    assert abs(amount - quantity * price) <= Decimal("0.005")
    assert abs(tax - amount * rate / 100) <= Decimal("0.005")
    exact = amount * rate / 100
    if (exact * 100) % 1 == Decimal("0.5"):
        assert tax > exact  # half a cent goes up


def test_a_refused_manual_charge_keeps_what_was_typed_beside_its_field(
    admin, charge_master, make_user, client_for
):
    desk = client_for(make_user(rbac.RECEPTIONIST))
    patient = PatientFactory()

    response = desk.post(
        reverse("manual_charge", args=[patient.pk]),
        {"item": "", "quantity": "3", "description": "Ceftriaxone 1 g"},
    )

    page = response.content.decode()
    assert response.status_code == 200 and not Charge.objects.exists()
    form = page[page.index('data-testid="charge-form"') :]
    assert 'value="3"' in form and 'value="Ceftriaxone 1 g"' in form
    assert "invalid-feedback" in form[: form.index('name="quantity"')]  # beside the service


def test_a_desk_charge_for_an_admitted_patient_goes_on_the_stays_bill(
    admin, charge_master, make_user, client_for, staff
):
    from wards import services as wards

    ward = wards.ward_create(
        actor=staff.admin, name="General A", kind="general", charge_code="WARD-GEN", beds=1
    )
    admission = wards.admission_create(
        actor=staff.nurse,
        patient=PatientFactory(),
        attending_doctor=staff.doctor,
        bed=ward.beds.get(),
        reason="Fever",
    )
    desk = client_for(make_user(rbac.RECEPTIONIST))

    desk.post(
        reverse("manual_charge", args=[admission.patient_id]),
        {"item": ChargeItem.objects.get(code="NURS-INJ").pk, "quantity": "1"},
    )

    charge = Charge.objects.get(item__code="NURS-INJ")
    assert charge.admission_id == admission.pk
