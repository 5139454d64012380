"""The formulary: an item and its charge item kept together, duplicates refused beside the field,
a switched-off item no longer offered, the list with its stock in a constant number of queries,
and the prescriber's search with what the pharmacy can hand over."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing.models import ChargeItem, PriceChange
from hms import rbac
from hms.models import AuditEntry
from pharmacy import services
from pharmacy.models import Batch, FormularyItem, StockBalance
from tests.factories import BatchFactory, FormularyItemFactory, StoreFactory, stock_put

pytestmark = pytest.mark.django_db

AMOXICILLIN = {
    "generic_name": "Amoxicillin",
    "brand": "",
    "form": "capsule",
    "strength": "500 mg",
    "dispensing_unit": "capsule",
    "pack_size": 100,
    "category": "drug",
    "reorder_level": 600,
    "price": Decimal("5.00"),
    "tax_rate": Decimal("0"),
    "active": True,
}


@pytest.fixture
def pharmacist(make_user):
    return make_user(rbac.PHARMACIST)


def _posted(**changes) -> dict:
    fields = AMOXICILLIN | changes
    return {
        name: ("on" if value is True else value)
        for name, value in fields.items()
        if value is not False
    }


def test_an_item_is_sold_through_its_own_charge_item_whose_price_keeps_its_history(pharmacist):
    item = services.formulary_item_save(actor=pharmacist, **AMOXICILLIN)

    charge = item.charge_item
    assert charge.code.startswith("PH-") and len(charge.code) == 9
    assert (charge.category, charge.charge_type, charge.price) == (
        "pharmacy",
        "fixed",
        Decimal("5.00"),
    )
    assert charge.name == "Amoxicillin 500 mg capsule"

    services.formulary_item_save(
        actor=pharmacist, item=item, **AMOXICILLIN | {"price": Decimal("6.50"), "active": False}
    )

    charge.refresh_from_db()
    assert charge.price == Decimal("6.50") and not charge.active
    assert list(PriceChange.objects.filter(item=charge).values_list("new_price", flat=True)) == [
        Decimal("6.50"),
        Decimal("5.00"),
    ]
    assert AuditEntry.objects.filter(action="formulary_item.edit").count() == 1


def test_the_same_item_twice_is_refused_beside_the_generic_name_whatever_the_case(pharmacist):
    services.formulary_item_save(actor=pharmacist, **AMOXICILLIN)

    with pytest.raises(services.PharmacyError, match="already in the formulary") as refusal:
        services.formulary_item_save(
            actor=pharmacist,
            **AMOXICILLIN | {"generic_name": " amoxicillin ", "price": Decimal("9")},
        )

    assert refusal.value.field == "generic_name"
    assert FormularyItem.objects.count() == 1
    assert ChargeItem.objects.filter(category="pharmacy").count() == 1


def test_only_the_formulary_roles_may_change_it(make_user):
    with pytest.raises(PermissionDenied):
        services.formulary_item_save(actor=make_user(rbac.DOCTOR), **AMOXICILLIN)

    assert not FormularyItem.objects.exists()


def test_a_bad_price_stays_on_the_form_beside_its_field_and_nothing_is_added(
    pharmacist, client_for
):
    response = client_for(pharmacist).post(
        reverse("formulary_add"), _posted(price="5.005", generic_name="Amoxil test")
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert "cents" in " ".join(form.errors["price"])
    assert 'value="Amoxil test"' in response.content.decode()
    assert not FormularyItem.objects.exists()


def test_a_duplicate_typed_on_the_screen_is_refused_beside_its_field(pharmacist, client_for):
    services.formulary_item_save(actor=pharmacist, **AMOXICILLIN)

    response = client_for(pharmacist).post(reverse("formulary_add"), _posted())

    assert "already in the formulary" in " ".join(response.context["form"].errors["generic_name"])
    assert FormularyItem.objects.count() == 1


def test_the_add_form_sent_twice_adds_one_item(pharmacist, client_for):
    client = client_for(pharmacist)
    data = _posted() | {"submission": "6f1c1f1e-3f2a-4a57-9d1c-6a1b2c3d4e5f"}

    first = client.post(reverse("formulary_add"), data)
    second = client.post(reverse("formulary_add"), data)

    assert first.status_code == 302 and second.status_code in (200, 302)
    assert FormularyItem.objects.count() == 1


def test_editing_keeps_the_price_history_and_switching_off_hides_the_item_from_prescribers(
    pharmacist, client_for, make_user
):
    item = services.formulary_item_save(actor=pharmacist, **AMOXICILLIN)
    client = client_for(pharmacist)

    response = client.post(
        reverse("formulary_edit", args=[item.pk]), _posted(price="7.00", active=False)
    )

    assert response.status_code == 302
    page = client.get(reverse("formulary_edit", args=[item.pk])).content.decode()
    assert "KES 5.00 → KES 7.00" in page or "5.00 → " in page
    pick = client_for(make_user(rbac.DOCTOR)).get(reverse("formulary_pick"), {"q": "amox"})
    assert "Amoxicillin" not in pick.content.decode()


def _many_items_with_stock(count: int, prefix: str) -> None:
    """`count` items, each with two batches held in two stores (rows straight into the tables:
    this test is about reading them, not about how stock arrives)."""
    charges = ChargeItem.objects.bulk_create(
        ChargeItem(
            code=f"PH-{prefix}{n:05d}",
            name=f"Bulk {prefix} {n}",
            category="pharmacy",
            charge_type="fixed",
            price=Decimal("3.00"),
        )
        for n in range(count)
    )
    items = FormularyItem.objects.bulk_create(
        FormularyItem(
            generic_name=f"Bulkamol {prefix} {n:05d}",
            form="tablet",
            strength="5 mg",
            dispensing_unit="tablet",
            category="drug",
            charge_item=charge,
        )
        for n, charge in enumerate(charges)
    )
    stores = [StoreFactory(name="Bulk pharmacy"), StoreFactory(name="Bulk main", kind="main")]
    expiry = timezone.localdate() + timedelta(days=200)
    batches = Batch.objects.bulk_create(
        Batch(item=item, batch_number=f"{prefix}{n}-{i}", expiry_date=expiry)
        for n, item in enumerate(items)
        for i in range(2)
    )
    StockBalance.objects.bulk_create(
        StockBalance(
            store=store, batch=batch, item_id=batch.item_id, expiry_date=expiry, quantity=7
        )
        for batch in batches
        for store in stores
    )


def _queries(client, url: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url, params).status_code == 200
    return len(context.captured_queries)


def test_the_list_and_the_search_ask_as_many_queries_for_three_items_as_for_six_hundred(
    pharmacist, make_user, client_for, django_assert_max_num_queries
):
    pharmacy_client = client_for(pharmacist)
    doctor_client = client_for(make_user(rbac.DOCTOR))
    _many_items_with_stock(3, "A")
    few_list = _queries(pharmacy_client, reverse("formulary_list"), {})
    few_pick = _queries(doctor_client, reverse("formulary_pick"), {"q": "bulk"})

    _many_items_with_stock(600, "B")

    with django_assert_max_num_queries(few_list + 1):  # + the count, once past one page
        response = pharmacy_client.get(reverse("formulary_list"), {"page": "2"})
    assert "51–100 of 603" in response.content.decode()
    with django_assert_max_num_queries(few_pick + 1):
        response = doctor_client.get(reverse("formulary_pick"), {"q": "bulk"})
    assert "The first 10 of 603" in response.content.decode()
    assert "14 in stock" in response.content.decode()  # two batches of 7 in the pharmacy


def test_the_search_counts_only_unexpired_units_in_the_pharmacy(pharmacist, make_user, client_for):
    item = FormularyItemFactory(generic_name="Amoxicillin", form="capsule")
    FormularyItemFactory(generic_name="Paracetamol", brand="Amoxamol-free")
    FormularyItemFactory(generic_name="Codeine + paracetamol")
    today = timezone.localdate()
    pharmacy, main = StoreFactory(name="Pharmacy"), StoreFactory(name="Main store", kind="main")
    stock_put(pharmacy, BatchFactory(item=item), 240, pharmacist)
    stock_put(pharmacy, BatchFactory(item=item, expiry_date=today), 30, pharmacist)
    stock_put(main, BatchFactory(item=item), 1000, pharmacist)
    doctor = client_for(make_user(rbac.DOCTOR))

    page = doctor.get(reverse("formulary_pick"), {"q": "amox"}).content.decode()

    assert "240 in stock" in page
    assert "Amoxamol-free" in page and "Out of stock" in page
    para = doctor.get(reverse("formulary_pick"), {"q": "para"}).content.decode()
    assert para.index("Paracetamol") < para.index("Codeine")  # names that begin with it first
    assert "pick-item" not in doctor.get(reverse("formulary_pick"), {"q": ""}).content.decode()
    assert "Nothing in the formulary matches" in (
        doctor.get(reverse("formulary_pick"), {"q": "zzz"}).content.decode()
    )


def test_the_demo_formulary_loads_once_with_its_fixed_codes(make_user):
    from pharmacy import demo_formulary

    make_user(rbac.PHARMACIST, username="pharmacist")
    lines: list[str] = []

    demo_formulary.seed(lines.append)
    demo_formulary.seed(lines.append)

    assert FormularyItem.objects.count() == len(demo_formulary.DEMO_FORMULARY) >= 40
    assert lines[-1].endswith("(0 new).")
    amoxicillin = demo_formulary.demo_item("PH-000005")
    assert amoxicillin.name == "Amoxicillin 500 mg capsule"
    gloves = demo_formulary.demo_item("PH-000036")
    assert (gloves.category, gloves.charge_item.tax_rate) == ("supply", Decimal("16.00"))
