"""The booking form's times are written out in Python (`{% slot_choices %}`,
clinical/templatetags/appointment_marks.py): the same HTML the template's loop wrote, free and
taken, the time asked for checked, in the hospital's zone and another."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone

from clinical.selectors import Slot

# The loop the tag replaced, as it was (templates/clinical/appointment_book.html, "slots").
LOOP = (
    "{% for slot in slots %}\n"
    "        {% if slot.free %}\n"
    '        <input type="radio" class="btn-check" name="starts_at" id="slot-{{ forloop.counter }}"'
    ' value="{{ slot.starts_at.isoformat }}" autocomplete="off"{% if chosen =='
    " slot.starts_at.isoformat %} checked{% endif %}>\n"
    '        <label class="btn btn-outline-primary btn-lg" for="slot-{{ forloop.counter }}"'
    ' data-testid="slot">{{ slot.starts_at|time:"H:i" }}</label>\n'
    "        {% else %}\n"
    '        <span class="btn btn-lg btn-outline-secondary disabled" aria-disabled="true"'
    ' title="Taken or past">{{ slot.starts_at|time:"H:i" }}</span>\n'
    "        {% endif %}\n"
    "        {% endfor %}"
)
OURS = "{% load appointment_marks %}{% slot_choices slots chosen %}"


def _slots(zone) -> list[Slot]:
    start = datetime(2026, 12, 4, 8, 0, tzinfo=zone)
    return [
        Slot(
            start + timedelta(minutes=20 * n),
            start + timedelta(minutes=20 * (n + 1)),
            Decimal("1500.00"),
            n % 3 != 1,
        )
        for n in range(40)  # past midnight UTC in Nairobi's evening, and back
    ]


@pytest.mark.parametrize("zone", ["UTC", "Africa/Nairobi"])
def test_the_times_are_the_html_the_loop_wrote(zone):
    with timezone.override(zone):
        slots = _slots(timezone.get_current_timezone())
        for chosen in [None, "", slots[3].starts_at.isoformat(), slots[1].starts_at.isoformat()]:
            context = {"slots": slots, "chosen": chosen}
            ours = Template(OURS).render(Context(context))

            assert ours == Template(LOOP).render(Context(context))
        ours = Template(OURS).render(
            Context({"slots": slots, "chosen": slots[3].starts_at.isoformat()})
        )
        assert 'value="' + slots[3].starts_at.isoformat() + '" autocomplete="off" checked>' in ours
        # A time asked for in another zone's words is the same moment, not the same text.
        other = slots[3].starts_at.astimezone(UTC).isoformat()
        context = {"slots": slots, "chosen": other}
        assert Template(OURS).render(Context(context)) == Template(LOOP).render(Context(context))


def test_no_slots_write_nothing():
    assert Template(OURS).render(Context({"slots": [], "chosen": None})) == ""
