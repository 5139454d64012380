"""Two pharmacists dispensing at the same moment, on PostgreSQL with two real transactions:
the last units go to one of them, the other is refused, and the shelf never goes below zero;
one prescription is never handed over beyond what was prescribed."""

import pytest

from billing.models import Charge
from clinical.models import Prescription
from hms.refusals import Refusal
from pharmacy import ledger
from pharmacy.models import Dispense, StockBalance
from pharmacy.services import dispense
from tests.factories import UserFactory
from tests.pharmacy.rx import prescribed, stocked
from tests.races import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_dispenses_of_the_last_units_let_one_through_and_never_go_negative():
    pharmacists = [UserFactory(role="pharmacist"), UserFactory(role="pharmacist")]
    item, (batch,) = stocked(units=(5,), actor=pharmacists[0])
    prescriptions = [prescribed(item, 5), prescribed(item, 5)]

    outcome = race(
        lambda n: dispense(actor=pharmacists[n], prescription=prescriptions[n], quantity=5)
    )

    done = [value for value in outcome.values() if isinstance(value, Dispense)]
    refused = [value for value in outcome.values() if isinstance(value, ledger.StockError)]
    assert (len(done), len(refused)) == (1, 1), outcome
    assert "holds no " in str(refused[0])
    assert StockBalance.objects.get(batch=batch).quantity == 0
    assert Charge.objects.count() == 1
    assert sorted(Prescription.objects.values_list("dispensed_quantity", flat=True)) == [0, 5]


def test_one_prescription_dispensed_twice_at_once_never_gives_more_than_prescribed():
    pharmacists = [UserFactory(role="pharmacist"), UserFactory(role="pharmacist")]
    item, _ = stocked(units=(50,), actor=pharmacists[0])
    rx = prescribed(item, 10)

    outcome = race(lambda n: dispense(actor=pharmacists[n], prescription=rx, quantity=6))

    assert sum(isinstance(value, Dispense) for value in outcome.values()) == 1, outcome
    refusal = next(value for value in outcome.values() if isinstance(value, Refusal))
    assert "between 1 and 4" in str(refusal)
    assert Prescription.objects.get(pk=rx.pk).dispensed_quantity == 6
    assert ledger.on_hand(item=item) == 44
