"""Two nurses at the same moment, on PostgreSQL with two real transactions: the same dose is
recorded once, and the ward store's last unit goes to one patient's dose, never below zero."""

from datetime import timedelta

import pytest
from django.utils import timezone

from billing.models import Charge
from pharmacy import ledger, services
from pharmacy.models import MedicationAdministration
from pharmacy.services import PharmacyError
from tests.factories import AdmissionFactory, BedFactory, UserFactory
from tests.pharmacy.mar_rx import ordered, stocked_ward
from tests.races import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_nurses_recording_the_same_dose_record_it_once():
    nurses = [UserFactory(role="nurse"), UserFactory(role="nurse")]
    admission, item, store = stocked_ward(10)
    order = ordered(admission, item, frequency="stat", units_per_dose=2)

    outcome = race(
        lambda n: services.dose_record(
            actor=nurses[n], order=order, outcome="given", due_at=order.start_at
        )
    )

    done = [value for value in outcome.values() if isinstance(value, MedicationAdministration)]
    refused = [value for value in outcome.values() if isinstance(value, PharmacyError)]
    assert (len(done), len(refused)) == (1, 1), outcome
    assert "already recorded as given" in str(refused[0])
    assert MedicationAdministration.objects.count() == 1
    assert ledger.on_hand(item=item, store=store) == 8
    assert Charge.objects.count() == 1


def test_the_last_unit_goes_to_one_patients_dose_and_never_below_zero():
    nurses = [UserFactory(role="nurse"), UserFactory(role="nurse")]
    first, item, store = stocked_ward(1)
    second = AdmissionFactory(bed=BedFactory(ward=first.bed.ward), admitted_at=first.admitted_at)
    start = (timezone.now() - timedelta(minutes=5)).replace(second=0, microsecond=0)
    orders = [
        ordered(stay, item, frequency="stat", units_per_dose=1, start_at=start)
        for stay in (first, second)
    ]

    outcome = race(
        lambda n: services.dose_record(
            actor=nurses[n], order=orders[n], outcome="given", due_at=start
        )
    )

    done = [value for value in outcome.values() if isinstance(value, MedicationAdministration)]
    refused = [value for value in outcome.values() if isinstance(value, PharmacyError)]
    assert (len(done), len(refused)) == (1, 1), outcome
    assert "holds 0 tablets" in str(refused[0])
    assert ledger.on_hand(item=item, store=store) == 0
    assert Charge.objects.count() == 1
