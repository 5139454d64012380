"""The quantity to dispense read from a prescription's words: dose × doses a day × days, only
where the words say it for certain."""

import pytest

from clinical.dosing import quantity_to_dispense

COMPUTED = [
    # dose, frequency, duration, form, units to dispense
    ("1 capsule", "TDS", "5 days", "capsule", 15),
    ("1 tablet", "three times a day", "5 days", "tablet", 15),
    ("2", "BD", "1 week", "tablet", 28),
    ("2 tabs", "twice daily", "2 weeks", "tablet", 56),
    ("1 tablet", "OD", "30 days", "tablet", 30),
    ("1 tab", "once a day", "5/7", "tablet", 5),
    ("1", "nocte", "2/52", "tablet", 14),
    ("1 tablet", "at night", "for 7 days", "tablet", 7),
    ("1 tablet", "QID", "3 days", "tablet", 12),
    ("1 tablet", "four times a day", "3 days", "tablet", 12),
    ("1 vial", "every 8 hours", "5 days", "injection", 15),
    ("1 vial", "8 hourly", "2 days", "injection", 6),
    ("1 sachet", "t.d.s.", "3 days", "sachet", 9),
    ("½ tablet", "BD", "5 days", "tablet", 5),
    ("1/2 tab", "OD", "3 days", "tablet", 2),  # 1.5 tablets: the patient gets 2
    ("4 tablets", "2 times a day", "3 days", "tablet", 24),
]

AMBIGUOUS = [
    ("5 ml", "TDS", "5 days", "syrup"),  # a bottle's millilitres: the pharmacist's judgement
    ("10 ml", "BD", "5 days", "suspension"),
    ("apply thinly", "BD", "7 days", "cream"),
    ("2 puffs", "QID", "30 days", "inhaler"),
    ("1 tablet", "PRN", "5 days", "tablet"),
    ("1 tablet", "as needed", "5 days", "tablet"),
    ("1 tablet", "stat", "1 day", "tablet"),
    ("1 tablet", "TDS", "1 month", "tablet"),  # 28, 30 or 31 days?
    ("1 tablet", "TDS", "until review", "tablet"),
    ("1 tablet", "TDS", "5", "tablet"),
    ("500 mg", "TDS", "5 days", "capsule"),  # an amount inside a unit, not a count of units
    ("10 units", "BD", "30 days", "injection"),  # insulin units
    ("1 tablet", "every 5 hours", "2 days", "tablet"),
    ("1 tablet", "weekly", "4 weeks", "tablet"),
    ("", "TDS", "5 days", "tablet"),
]


@pytest.mark.parametrize(("dose", "frequency", "duration", "form", "expected"), COMPUTED)
def test_unambiguous_words_give_the_units_to_dispense(dose, frequency, duration, form, expected):
    reading = quantity_to_dispense(dose=dose, frequency=frequency, duration=duration, form=form)

    assert reading.quantity == expected


@pytest.mark.parametrize(("dose", "frequency", "duration", "form"), AMBIGUOUS)
def test_ambiguous_words_ask_the_doctor_to_type_the_quantity(dose, frequency, duration, form):
    reading = quantity_to_dispense(dose=dose, frequency=frequency, duration=duration, form=form)

    assert reading.quantity is None
    assert reading.why_not.endswith("type it.")
