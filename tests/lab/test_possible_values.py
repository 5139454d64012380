"""A lab value no patient can have (haemoglobin 0, a glucose of 0) is refused beside its field
with the values possible, as vitals are, never stored and flagged "Critically low"."""

import pytest
from django.urls import reverse

from lab import catalogue, services
from lab.models import ResultValue
from tests.lab.conftest import make_patient, order

pytestmark = pytest.mark.django_db


def _in_progress(staff, catalog, code):
    from lab.models import OrderStatus
    from tests.lab.conftest import walk

    (lab_order,) = order(staff, catalog, make_patient(), code)
    walk(lab_order, OrderStatus.IN_PROGRESS, staff)
    return lab_order


@pytest.mark.parametrize(
    ("code", "name", "typed", "words"),
    [
        ("CBC", "Haemoglobin", "0", "between 1 and 26 g/dL"),
        ("CBC", "White cells", "0", "between 0.01 and 1000 ×10⁹/L"),
        ("RBS", "Glucose", "0", "between 0.1 and 150 mmol/L"),
        ("UEC", "Sodium", "1400", "between 80 and 220 mmol/L"),
    ],
)
def test_an_impossible_value_is_refused_beside_its_field_with_the_range(
    staff, catalog, client_for, code, name, typed, words
):
    lab_order = _in_progress(staff, catalog, code)
    fields = {f.name: f.pk for f in lab_order.test.fields.all()}

    response = client_for(staff["tech"]).post(
        reverse("lab_results_enter", args=[lab_order.pk]), {f"field-{fields[name]}": typed}
    )

    text = response.content.decode()
    assert f"{name}: {typed} is not possible (a reading lies {words})" in text
    assert f'value="{typed}"' in text
    assert not ResultValue.objects.filter(order=lab_order).exists()


def test_the_limits_of_the_possible_are_themselves_accepted(staff, catalog):
    lab_order = _in_progress(staff, catalog, "RBS")
    glucose = lab_order.test.fields.get()

    services.results_enter(actor=staff["tech"], order=lab_order, values={str(glucose.pk): "0.1"})

    assert ResultValue.objects.get(order=lab_order).flag == "LL"


def test_every_numeric_field_of_the_starting_catalogue_holds_its_possible_values(catalog):
    from lab.models import ResultField

    numeric = ResultField.objects.filter(numeric=True).select_related("test")

    assert {(f.test.code, f.name) for f in numeric} == set(catalogue.POSSIBLE)
    assert all(f.possible_low is not None and f.possible_high is not None for f in numeric)
