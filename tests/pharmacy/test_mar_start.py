"""An inpatient medication order starts within the stay: not before the admission, nor far in the
past or the future, typed day first; the chart names the year of a time not in this one, and no
dose falls due before the patient was admitted."""

from datetime import timedelta

import pytest
import time_machine
from django.template import Context, Template
from django.urls import reverse

from hms.submissions import new_token
from pharmacy import services
from pharmacy.models import MedicationOrder
from pharmacy.services.common import PharmacyError
from tests.factories import UserFactory
from tests.pharmacy.mar_rx import local, ordered, stocked_ward

pytestmark = pytest.mark.django_db

NOON = local(2026, 11, 30, 12, 30)


@pytest.fixture
def clock():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def _typed(item, **fields) -> dict:
    return {
        "drug": "Paracetamol",
        "item": item.pk,
        "dose": "1 g",
        "units_per_dose": "2",
        "route": "oral",
        "frequency": "tds",
        "submission": new_token(),
    } | fields


@pytest.mark.parametrize(
    ("start", "words"),
    [
        ("01/01/1900 08:00", "before the patient was admitted"),
        ("01/01/2099 08:00", "at most 7 days ahead"),
        ("1900-01-01T08:00", "before the patient was admitted"),
    ],
)
def test_a_start_outside_the_stay_is_refused_beside_it_keeping_what_was_typed(
    clock, client_for, start, words
):
    admission, item, _ = stocked_ward(10)
    client = client_for(UserFactory(role="doctor"))

    response = client.post(
        reverse("medication_order_new", args=[admission.pk]), _typed(item, start_at=start)
    )

    assert response.status_code == 200
    errors = response.context["order_form"].errors
    assert words in " ".join(errors["start_at"])
    assert f'value="{start}"' in response.content.decode()
    assert not MedicationOrder.objects.exists()


def test_the_start_is_typed_day_first_not_in_the_browsers_picker(clock, client_for):
    admission, item, _ = stocked_ward(10)
    client = client_for(UserFactory(role="doctor"))

    page = client.get(reverse("medication_chart", args=[admission.pk])).content.decode()
    done = client.post(
        reverse("medication_order_new", args=[admission.pk]),
        _typed(item, start_at="30/11/2026 10:00", stop_at="05/12/2026 10:00"),
    )

    assert 'type="datetime-local"' not in page
    assert done.status_code == 302
    order = MedicationOrder.objects.get()
    assert (order.start_at, order.stop_at) == (local(2026, 11, 30, 10), local(2026, 12, 5, 10))


def test_the_service_refuses_a_start_a_day_back_a_week_ahead_or_a_year_long(clock):
    admission, item, _ = stocked_ward(10)  # admitted three days ago

    for fields, field in [
        ({"start_at": NOON - timedelta(hours=25)}, "start_at"),
        ({"start_at": NOON + timedelta(days=8)}, "start_at"),
        ({"start_at": NOON, "stop_at": NOON + timedelta(days=367)}, "stop_at"),
    ]:
        with pytest.raises(PharmacyError) as refused:
            ordered(admission, item, **fields)
        assert refused.value.field == field
    assert not MedicationOrder.objects.exists()


def test_an_order_starting_before_its_admission_has_no_dose_due_before_it(clock, client_for):
    # An order written before the start was checked, starting in 1900.
    admission, item, _ = stocked_ward(10)
    order = ordered(admission, item, frequency="qds", start_at=NOON - timedelta(hours=1))
    MedicationOrder.objects.filter(pk=order.pk).update(start_at=local(1900, 1, 1, 8))
    admission.admitted_at = NOON - timedelta(hours=1)
    admission.save(update_fields=["admitted_at"])
    nurse = UserFactory(role="nurse")

    chart = client_for(nurse).get(reverse("medication_chart", args=[admission.pk]))

    text = chart.content.decode()
    assert "from 01 Jan 1900 08:00" in text
    assert 'data-overdue="true"' not in text  # the 06:00 dose fell before the admission
    with pytest.raises(PharmacyError):
        services.dose_record(
            actor=nurse, order=order, outcome="given", due_at=local(2026, 11, 30, 6)
        )


def test_a_moment_names_its_year_only_when_not_this_one(clock):
    template = Template("{{ a|moment }} / {{ b|moment }}")

    text = template.render(Context({"a": local(2026, 1, 5, 8), "b": local(2099, 1, 1, 8)}))

    assert text == "05 Jan 08:00 / 01 Jan 2099 08:00"
