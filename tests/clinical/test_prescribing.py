"""Prescribing from the formulary on the consultation screen: the item picked from the search, the
quantity computed from dose × frequency × duration (or typed where the words cannot say it), a
drug the hospital does not stock marked "outside", and the line's dispensing status shown."""

import pytest
from django.urls import reverse

from clinical.models import Prescription
from hms import rbac
from tests.factories import EncounterFactory, FormularyItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def doctor(make_user):
    return make_user(rbac.DOCTOR)


@pytest.fixture
def encounter(doctor):
    return EncounterFactory(doctor=doctor)


@pytest.fixture
def amoxicillin():
    return FormularyItemFactory(
        generic_name="Amoxicillin", form="capsule", strength="500 mg", dispensing_unit="capsule"
    )


def _line(**fields) -> dict:
    return {
        "drug": "",
        "strength": "",
        "dose": "1 capsule",
        "route": "oral",
        "frequency": "TDS",
        "duration": "5 days",
        "instructions": "",
    } | fields


def _add(client, encounter, **fields):
    return client.post(reverse("prescription_add", args=[encounter.pk]), _line(**fields))


def test_an_item_picked_from_the_formulary_waits_at_the_pharmacy_with_its_quantity_computed(
    doctor, encounter, amoxicillin, client_for
):
    client = client_for(doctor)

    response = _add(client, encounter, drug="Amoxicillin", formulary_item=str(amoxicillin.pk))

    assert response.status_code == 302
    line = Prescription.objects.get()
    assert (line.formulary_item, line.quantity, line.outside) == (amoxicillin, 15, False)
    assert line.strength == "500 mg"  # filled from the item when left blank
    page = client.get(reverse("encounter", args=[encounter.pk])).content.decode()
    assert "Waiting at pharmacy" in page and "15 × capsule" in page


def test_a_typed_quantity_is_what_the_pharmacy_gives(doctor, encounter, amoxicillin, client_for):
    _add(
        client_for(doctor),
        encounter,
        drug="Amoxicillin",
        formulary_item=str(amoxicillin.pk),
        quantity="21",
    )

    assert Prescription.objects.get().quantity == 21


def test_a_quantity_the_words_cannot_give_must_be_typed_and_what_was_typed_stays(
    doctor, encounter, client_for
):
    syrup = FormularyItemFactory(
        generic_name="Paracetamol", form="syrup", dispensing_unit="bottle of 100 ml"
    )

    response = _add(
        client_for(doctor),
        encounter,
        drug="Paracetamol",
        formulary_item=str(syrup.pk),
        dose="5 ml",
        instructions="After food",
    )

    assert response.status_code == 200
    errors = response.context["prescription_form"].errors
    assert "Type how many to dispense (unit: bottle of 100 ml)" in " ".join(errors["quantity"])
    assert 'value="After food"' in response.content.decode()
    assert not Prescription.objects.exists()


def test_a_drug_not_stocked_here_is_free_text_marked_outside(doctor, encounter, client_for):
    response = _add(
        client_for(doctor), encounter, drug="Tenofovir/lamivudine/dolutegravir", outside="on"
    )

    assert response.status_code == 302
    line = Prescription.objects.get()
    assert (line.formulary_item, line.quantity, line.outside) == (None, None, True)
    assert line.dispensing_status == "Outside (not stocked here)"


def test_a_drug_neither_picked_nor_marked_outside_is_refused_beside_the_drug(
    doctor, encounter, client_for
):
    response = _add(client_for(doctor), encounter, drug="Amoxyl")

    assert "Pick the drug from the formulary" in " ".join(
        response.context["prescription_form"].errors["drug"]
    )
    assert not Prescription.objects.exists()


@pytest.mark.parametrize("item_id", ["999999", "abc", "switched off"])
def test_an_unknown_or_switched_off_item_is_refused_and_nothing_is_written(
    doctor, encounter, amoxicillin, client_for, item_id
):
    if item_id == "switched off":
        amoxicillin.active = False
        amoxicillin.save()
        item_id = str(amoxicillin.pk)

    response = _add(client_for(doctor), encounter, drug="Amoxicillin", formulary_item=item_id)

    assert response.status_code == 200
    assert response.context["prescription_form"].errors["formulary_item"]
    assert not Prescription.objects.exists()


def test_the_form_shows_the_quantity_it_would_compute_as_the_doctor_types(
    doctor, amoxicillin, client_for
):
    client = client_for(doctor)
    url = reverse("prescription_quantity")

    computed = client.get(url, _line(formulary_item=str(amoxicillin.pk))).content.decode()
    unclear = client.get(url, _line(formulary_item=str(amoxicillin.pk), frequency="PRN"))
    nothing = client.get(url, _line(formulary_item="x")).content.decode()

    assert "Computed: 15 × capsule" in computed
    assert "not a fixed number a day" in unclear.content.decode()
    assert "Computed once a formulary item is picked" in nothing
    assert client_for(doctor).get(url).status_code == 200


def test_a_dispensed_prescription_cannot_be_removed(doctor, encounter, amoxicillin, client_for):
    client = client_for(doctor)
    _add(client, encounter, drug="Amoxicillin", formulary_item=str(amoxicillin.pk))
    line = Prescription.objects.get()
    Prescription.objects.filter(pk=line.pk).update(dispensed_quantity=6)

    client.post(reverse("prescription_remove", args=[line.pk]))

    assert Prescription.objects.filter(pk=line.pk).exists()
    page = client.get(reverse("encounter", args=[encounter.pk])).content.decode()
    assert "Part dispensed (6 of 15)" in page
