"""The stock list and the consumption report cost the same few queries with 2,000 items and
200,000 ledger rows as with a handful: their figures are sums in the database, never per row.

The rows are written with bulk_create (not through the services: the ledger's rules are tested
elsewhere) once for the module, on SQLite and on PostgreSQL alike."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from billing.models import ChargeItem
from hms import rbac
from pharmacy.models import (
    Batch,
    FormularyItem,
    StockBalance,
    StockMovement,
    Store,
)
from tests.factories import ledger_rows_inserted

ITEMS = 2_000
MOVEMENTS = 200_000


@pytest.fixture(scope="module")
def big_pharmacy(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        built = _build()
        yield built
        _remove(**built)


def _build() -> dict:
    # One transaction: committing each INSERT of 200,000 rows on its own takes minutes.
    with transaction.atomic():
        keeper = User.objects.create(username="bulk.keeper", role=rbac.PHARMACIST)
        stores = [
            Store.objects.create(name="Bulk main", kind="main"),
            Store.objects.create(name="Bulk pharmacy", kind="pharmacy"),
        ]
        charges = ChargeItem.objects.bulk_create(
            ChargeItem(
                code=f"BULK-{n:05d}",
                name=f"Bulk drug {n}",
                category="pharmacy",
                charge_type="fixed",
                price=Decimal("10.00"),
            )
            for n in range(ITEMS)
        )
        items = FormularyItem.objects.bulk_create(
            FormularyItem(
                generic_name=f"Bulkamol {n:05d}",
                form="tablet",
                strength="500 mg",
                dispensing_unit="tablet",
                category="drug",
                reorder_level=100,
                charge_item=charge,
            )
            for n, charge in enumerate(charges)
        )
        expiry = timezone.localdate() + timedelta(days=300)
        batches = Batch.objects.bulk_create(
            Batch(item=item, batch_number=f"BK{n:05d}", expiry_date=expiry, unit_cost=Decimal("2"))
            for n, item in enumerate(items)
        )
        StockBalance.objects.bulk_create(
            StockBalance(
                store=store, batch=batch, item_id=batch.item_id, expiry_date=expiry, quantity=500
            )
            for batch in batches
            for store in stores
        )
        now = timezone.now()
        # Straight into the table (COPY on PostgreSQL): 200,000 model instances are slow in Python.
        ledger_rows_inserted(
            count=MOVEMENTS, stores=stores, batches=batches, keeper=keeper, now=now
        )
        return {"keeper": keeper, "stores": stores}


def _remove(*, keeper, stores) -> None:
    """The module's rows go, so the other modules start from an empty pharmacy."""
    with transaction.atomic():
        StockMovement.objects.filter(moved_by=keeper)._raw_delete(connection.alias)
        StockBalance.objects.filter(store__in=stores).delete()
        Batch.objects.filter(batch_number__startswith="BK").delete()
        FormularyItem.objects.filter(generic_name__startswith="Bulkamol").delete()
        ChargeItem.objects.filter(code__startswith="BULK-").delete()
        Store.objects.filter(pk__in=[s.pk for s in stores]).delete()
        keeper.delete()


@pytest.mark.django_db
def test_the_stock_list_and_its_search_cost_a_few_queries(
    big_pharmacy, staff, client_for, django_assert_max_num_queries
):
    pharmacist = client_for(staff.pharmacist)

    # Session, user, second-factor device, the stores, a page of items, their count, the
    # navigation's badges; the first request after signing in also saves the session (three).
    with django_assert_max_num_queries(7 + 3):
        first = pharmacist.get(reverse("stock_levels"))
    with django_assert_max_num_queries(7):
        later = pharmacist.get(reverse("stock_levels"), {"page": "30", "q": "bulkamol"})

    assert first.context["page"].paginator.count == 2_000
    assert first.context["page"][0]["usable"] == 1_000
    assert later.context["page"].number == 30


@pytest.mark.django_db
def test_the_consumption_report_costs_a_few_queries(
    big_pharmacy, staff, client_for, django_assert_max_num_queries
):
    pharmacist = client_for(staff.pharmacist)
    since = (timezone.localdate() - timedelta(days=10)).isoformat()

    with django_assert_max_num_queries(12):
        page = pharmacist.get(reverse("stock_report_consumption"), {"from": since})

    # Every fifth item was only ever received (the kinds go round in fives): not consumed.
    assert page.context["page"].paginator.count == 1_600
    total = sum(row["consumed"] for row in page.context["page"])
    assert total > 0


@pytest.mark.django_db
def test_an_item_s_ledger_is_counted_and_paged_in_a_few_queries(
    big_pharmacy, staff, client_for, django_assert_max_num_queries
):
    pharmacist = client_for(staff.pharmacist)
    item = FormularyItem.objects.filter(generic_name__startswith="Bulkamol").order_by("pk")[0]
    url = reverse("stock_item", args=[item.pk])
    pharmacist.get(url)  # the session saved once after signing in

    # Session, user, second-factor device, the item, its batches, the ledger's first page and
    # its count (by the item's index), the navigation's badges.
    with django_assert_max_num_queries(8):
        first = pharmacist.get(url)
    with django_assert_max_num_queries(8):
        past_the_end = pharmacist.get(url, {"page": "99"})

    # 200,000 movements over 2,000 items: 100 each, 25 to a page.
    assert first.context["page"].paginator.count == 100
    assert len(first.context["page"]) == 25 and first.context["page"].has_next()
    assert past_the_end.context["page"].number == 4 and len(past_the_end.context["page"]) == 25
    assert "1–25 of 100" in first.content.decode()
