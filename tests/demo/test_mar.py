"""The demo's inpatient with a medication chart: the ICU's severe malaria stay has its orders,
doses given and held from the ward store, and loading the demo again changes nothing."""

from pharmacy.models import MedicationAdministration, MedicationOrder, StockMovement


def test_the_icu_stay_has_a_chart_with_doses_drawn_from_its_store(seeded):
    for model in (MedicationOrder, MedicationAdministration):
        assert seeded.second[model._meta.label] == seeded.first[model._meta.label] > 0
    orders = MedicationOrder.objects.select_related("admission__bed__ward", "item")
    assert {order.item.generic_name for order in orders} == {
        "Artesunate",
        "Paracetamol",
        "Omeprazole",
    }
    assert {order.admission.bed.ward.name for order in orders} == {"Intensive Care Unit"}
    given = MedicationAdministration.objects.filter(outcome="given")
    assert given.count() >= 2  # a paracetamol and at least one artesunate dose
    assert all(dose.charge_id for dose in given)
    drawn = StockMovement.objects.filter(kind="administer")
    assert drawn.count() >= given.count()
    assert {movement.store.ward.name for movement in drawn} == {"Intensive Care Unit"}
