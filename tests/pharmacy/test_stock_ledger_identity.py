"""The ledger's identity, for any sequence of movements: the quantity on hand of a batch in a
store is receipts + transfers in − transfers out − dispensed + returns ± adjustments − write-offs,
it never goes below zero, and a refused movement changes nothing."""

from collections import defaultdict

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pharmacy import ledger
from pharmacy.models import MovementKind, StockBalance, StockMovement
from tests.factories import BatchFactory, StoreFactory, UserFactory

KINDS = [
    MovementKind.RECEIPT,
    MovementKind.TRANSFER_OUT,
    MovementKind.TRANSFER_IN,
    MovementKind.DISPENSE,
    MovementKind.RETURN,
    MovementKind.ADJUSTMENT,
    MovementKind.WRITE_OFF,
]

# The identity, written out: what adds to a store and what takes from it (an adjustment either).
ADDS = {MovementKind.RECEIPT, MovementKind.TRANSFER_IN, MovementKind.RETURN}
TAKES = {MovementKind.TRANSFER_OUT, MovementKind.DISPENSE, MovementKind.WRITE_OFF}

movement = st.tuples(
    st.integers(min_value=0, max_value=1),  # which store
    st.integers(min_value=0, max_value=1),  # which batch
    st.sampled_from(KINDS),
    st.integers(min_value=1, max_value=40),
    st.booleans(),  # an adjustment's direction
)


class Rollback(Exception):
    """Ends an example, so the next starts from empty stores."""


@pytest.fixture(scope="module")
def places(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            made = {
                "stores": [StoreFactory(name="Prop main"), StoreFactory(name="Prop ward")],
                "batches": [BatchFactory(), BatchFactory()],
                "actor": UserFactory(role="pharmacist"),
            }
        yield made
        StockBalance.objects.all().delete()
        for store in made["stores"]:
            store.delete()
        for batch in made["batches"]:
            item, charge = batch.item, batch.item.charge_item
            batch.delete()
            item.delete()
            charge.delete()
        made["actor"].delete()


@pytest.mark.django_db
@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(moves=st.lists(movement, max_size=25))
def test_on_hand_is_the_sum_of_its_movements_and_never_negative(places, moves):
    stores, batches, actor = places["stores"], places["batches"], places["actor"]
    expected: dict[tuple[int, int], int] = defaultdict(int)
    try:
        with transaction.atomic():
            for store_at, batch_at, kind, size, up in moves:
                store, batch = stores[store_at], batches[batch_at]
                sign = 1 if kind in ADDS else -1 if kind in TAKES else (1 if up else -1)
                key = (store.pk, batch.pk)
                try:
                    with transaction.atomic():
                        ledger.move(
                            store=store, batch=batch, kind=kind, quantity=sign * size, actor=actor
                        )
                except ledger.StockError:
                    assert expected[key] + sign * size < 0  # refused only when it would go below
                else:
                    expected[key] += sign * size

                held = {
                    (row.store_id, row.batch_id): row.quantity for row in StockBalance.objects.all()
                }
                assert all(quantity >= 0 for quantity in held.values())
                assert {k: v for k, v in held.items() if v} == {
                    k: v for k, v in expected.items() if v
                }
            by_kind: dict[tuple[int, int], int] = defaultdict(int)
            for row in StockMovement.objects.all():
                by_kind[(row.store_id, row.batch_id)] += row.quantity
            assert {k: v for k, v in by_kind.items() if v} == {
                k: v for k, v in expected.items() if v
            }
            raise Rollback
    except Rollback:
        pass
