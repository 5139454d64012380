"""The demo pharmacy's counter: a queue waiting (one inpatient's), one prescription partly
dispensed, one dispensed, a sale; loading the demo again changes nothing."""

from pharmacy import dispensing_selectors as selectors
from pharmacy.models import Dispense, Sale


def test_the_demo_has_a_queue_a_partial_a_dispense_and_a_sale(seeded):
    queue = list(selectors.queue())
    assert len(queue) >= 3
    assert any(rx.ward_name for rx in queue)  # an inpatient, with the ward and bed
    assert any(0 < rx.dispensed_quantity < rx.quantity for rx in queue)
    assert Dispense.objects.count() == 2
    assert Sale.objects.count() == 1
