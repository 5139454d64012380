"""A filter's options are written out in Python (`{% choice_options choices chosen %}`,
engineering/templatetags/machine_marks.py, also registered by lab_badges): the same HTML the
register's and the lab worklist's loops wrote, for every value chosen or none, whatever the
labels hold."""

import pytest
from django.template import Context, Template

from engineering.models import MachineType
from engineering.selectors import STATUS_FILTERS

# The loops the tag replaced, as they were (templates/engineering/machine_list.html and
# templates/lab/worklist.html).
LOOP = Template(
    '{% for value, label in choices %}<option value="{{ value }}"{% if value == chosen %}'
    " selected{% endif %}>{{ label }}</option>{% endfor %}"
)
TAG = {
    "engineering": Template("{% load machine_marks %}{% choice_options choices chosen %}"),
    "lab": Template("{% load lab_badges %}{% choice_options choices chosen %}"),
}

DEPARTMENTS = [(1, "Radiology <&>"), (2, 'Theatre "A"'), (12, "Lab's <script>x</script>")]
TEXT_CHOICES = [("x<&>", "Odd <b>value</b>"), ("a'b", 'Quote\'s & "double"'), ("", "Blank")]


@pytest.mark.parametrize("library", sorted(TAG))
@pytest.mark.parametrize(
    ("choices", "chosen"),
    [
        (STATUS_FILTERS, ""),
        (STATUS_FILTERS, "down"),
        (STATUS_FILTERS, "out_of_order"),
        (MachineType.choices, ""),
        (MachineType.choices, MachineType.values[-1]),
        (DEPARTMENTS, None),
        (DEPARTMENTS, 2),
        (DEPARTMENTS, 12),
        (DEPARTMENTS, "2"),  # a number typed, not parsed: nothing chosen, as in the loop
        (TEXT_CHOICES, "x<&>"),
        (TEXT_CHOICES, "a'b"),
        (TEXT_CHOICES, ""),
        ([], ""),
    ],
)
def test_the_options_are_the_html_the_loop_wrote(library, choices, chosen):
    context = {"choices": choices, "chosen": chosen}

    written = TAG[library].render(Context(context))

    assert written == LOOP.render(Context(context))
