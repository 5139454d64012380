"""The stock ledger: every movement changes the balance with it, a store never goes below zero,
and first-expiry-first-out never offers an expired batch."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from pharmacy import ledger
from pharmacy.models import StockBalance, StockMovement
from tests.factories import BatchFactory, FormularyItemFactory, StoreFactory, UserFactory, stock_put

pytestmark = pytest.mark.django_db


def test_taking_more_than_the_store_holds_is_refused_and_changes_nothing():
    pharmacist = UserFactory(role="pharmacist")
    store = StoreFactory()
    batch = BatchFactory()
    stock_put(store, batch, 5, pharmacist)
    with pytest.raises(ledger.StockError, match="holds only 5"), transaction.atomic():
        ledger.move(store=store, batch=batch, kind="dispense", quantity=-6, actor=pharmacist)
    assert StockBalance.objects.get(store=store, batch=batch).quantity == 5
    assert StockMovement.objects.filter(store=store).count() == 1


def test_the_database_itself_refuses_a_negative_balance():
    store = StoreFactory()
    batch = BatchFactory()
    stock_put(store, batch, 1, UserFactory(role="pharmacist"))
    with pytest.raises(IntegrityError), transaction.atomic():
        StockBalance.objects.filter(store=store, batch=batch).update(quantity=-1)


def test_first_expiry_first_out_skips_expired_batches():
    pharmacist = UserFactory(role="pharmacist")
    store = StoreFactory()
    item = FormularyItemFactory()
    today = timezone.localdate()
    expired = BatchFactory(item=item, expiry_date=today)
    late = BatchFactory(item=item, expiry_date=today + timedelta(days=300))
    soon = BatchFactory(item=item, expiry_date=today + timedelta(days=30))
    for batch in (expired, late, soon):
        stock_put(store, batch, 10, pharmacist)
    with transaction.atomic():
        takes = ledger.fefo_take(store=store, item=item, quantity=15)
    assert [(take.batch, take.quantity) for take in takes] == [(soon, 10), (late, 5)]
    assert ledger.on_hand(item=item, store=store, usable_on=today) == 20
    with (
        pytest.raises(ledger.StockError, match="holds only 20 tablets of .* not expired"),
        transaction.atomic(),
    ):
        ledger.fefo_take(store=store, item=item, quantity=21)


def test_a_shortfall_says_its_numbers_in_words_that_agree():
    pharmacist = UserFactory(role="pharmacist")
    store = StoreFactory()
    item = BatchFactory().item
    item.dispensing_unit = "capsule"

    with pytest.raises(ledger.StockError) as refused, transaction.atomic():
        ledger.fefo_take(store=store, item=item, quantity=1)

    assert f"holds no {item.name} not expired; 1 capsule was asked for." in str(refused.value)
    stock_put(store, BatchFactory(item=item), 1, pharmacist)
    with pytest.raises(ledger.StockError) as refused, transaction.atomic():
        ledger.fefo_take(store=store, item=item, quantity=2)
    assert "holds only 1 capsule of" in str(refused.value)
    assert "2 capsules were asked for." in str(refused.value)


def test_a_movement_is_never_changed_or_deleted():
    movement = stock_put(StoreFactory(), BatchFactory(), 3, UserFactory(role="pharmacist"))
    with pytest.raises(ValueError, match="append-only"):
        movement.save()
    with pytest.raises(ValueError, match="append-only"):
        movement.delete()
