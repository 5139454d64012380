"""A value the database would refuse is refused beside its field first, in words: no form of
the project ever shows a constraint's name ("Constraint “charge_item_price_not_negative” is
violated")."""

import pytest

from billing.forms import ChargeItemForm
from clinical.forms import ScheduleBlockForm
from engineering.forms import MachineForm
from lab.forms import LabTestForm

# (form, what is typed, the field the refusal must stand beside)
OUT_OF_BOUNDS = [
    (ChargeItemForm, {"price": "-50"}, "price"),
    (ChargeItemForm, {"tax_rate": "150"}, "tax_rate"),
    (ChargeItemForm, {"tax_rate": "-1"}, "tax_rate"),
    (MachineForm, {"pm_interval_days": "0"}, "pm_interval_days"),
    (ScheduleBlockForm, {"consultation_fee": "-1"}, "consultation_fee"),
    (ScheduleBlockForm, {"slot_minutes": "2"}, "slot_minutes"),
    (ScheduleBlockForm, {"slot_minutes": "600"}, "slot_minutes"),
    (LabTestForm, {"turnaround_minutes": "0"}, "turnaround_minutes"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("form_class", "typed", "field"), OUT_OF_BOUNDS)
def test_a_value_the_database_refuses_is_refused_beside_its_field(form_class, typed, field):
    form = form_class(data=typed)

    assert not form.is_valid()
    assert form.errors.get(field), f"{form_class.__name__}.{field} took {typed[field]!r}"
    assert not any("Constraint" in message for message in form.errors.get("__all__", []))


@pytest.mark.django_db
def test_a_day_that_ends_before_it_starts_is_said_in_words():
    form = ScheduleBlockForm(data={"start_time": "14:00", "end_time": "09:00"})

    assert not form.is_valid()
    assert not any("Constraint" in str(errors) for errors in form.errors.values())
    assert form.errors
