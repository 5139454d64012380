"""`{% prescription_item_field f %}`, `{% prescription_lines f stopped check_form %}`: the
consultation's prescription form, its blank copy rendered once per language and address prefix
and kept.

The blank form is the same on every consultation (its fields, labels, the route's choices and
the search addresses in its attributes): building it and writing its ten fields through crispy
was ~4,000 Python calls of the consultation's ~20,000 (tests/bench/pages.py --profile). It is
written by the same template (clinical/_prescription_lines.html) the first time and kept; a
refused form (what was typed, its messages, the prescribing checks' questions) is written out
each time, as before (tests/clinical/test_consult_forms.py).
"""

from django import template
from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils import translation
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

from clinical.forms import PrescriptionForm

register = template.Library()

LINES = "clinical/_prescription_lines.html"
# (language, script prefix) -> the blank form's hidden item field and its lines.
_BLANK: dict[tuple, tuple[SafeString, SafeString]] = {}
_KEPT = 16


def _lines(form: PrescriptionForm, stopped, check_form) -> SafeString:
    return get_template(LINES).render({"f": form, "stopped": stopped, "check_form": check_form})


def blank_prescription_form() -> tuple[SafeString, SafeString]:
    """The blank form's hidden item field and its lines, as the template writes them now."""
    key = (translation.get_language(), get_script_prefix())
    if (kept := _BLANK.get(key)) is None:
        form = PrescriptionForm()
        kept = (conditional_escape(form["formulary_item"]), _lines(form, None, None))
        if len(_BLANK) >= _KEPT:
            _BLANK.clear()
        _BLANK[key] = kept
    return kept


@register.simple_tag
def prescription_item_field(form: PrescriptionForm | None) -> SafeString:
    """`{{ form.formulary_item }}`; the blank form's (`form` None) kept."""
    if form is None:
        return blank_prescription_form()[0]
    return conditional_escape(form["formulary_item"])


@register.simple_tag
def prescription_lines(form: PrescriptionForm | None, stopped, check_form) -> SafeString:
    """The form's errors, fields and button (clinical/_prescription_lines.html); the blank
    form's (`form` None) kept. `stopped` (a PrescribingStopped) and `check_form` show the
    prescribing checks' questions under a refused line."""
    if form is None:
        return blank_prescription_form()[1]
    return _lines(form, stopped, check_form)
