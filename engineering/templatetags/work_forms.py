"""`{{ form.field|kept_field }}` and `{{ form|kept_form }}`: `|as_crispy_field` and `|crispy` of a
work order's forms and the downtime overview's days, written once per process and value and kept.

A work order's page shows its forms blank on nearly every load: "Log work" (13 fields), resolve,
escalate and a preventive maintenance's checklist (a select and a note a step). Written out, they
were a third of the page's Python work (~10,000 function calls of its 30,000, tests/bench/pages.py
--profile), and for a blank form they come out the same every time. A field is kept under what
its HTML depends on for these forms: the form's class, the field's name and label, its initial
value (the day typed, for the overview's bound days) and the language; every field of a refused
form (what was typed, its messages) is written out each time, as before, and so is a bound
`|kept_form`: nothing a person typed into a refused form is kept. The overview's "From" and "To"
are bound on every load (today's month by default) and kept per day typed.
tests/engineering/test_work_forms.py holds the kept HTML to `|as_crispy_field`'s own.

Only for fields that are the same for every instance of their form but for their label (a
checklist step's text), never a select whose options come from the database: engineering.forms'
WorkLogForm, EscalateForm, ResolveForm and PmCompleteForm, and PeriodForm's days.
"""

from collections.abc import Callable

from django import template
from django.forms import BaseForm, BoundField
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from hms.templatetags.form_fields import as_crispy_field, as_crispy_form

register = template.Library()

# Each form class's fields, a checklist step's per step text: a few hundred at most in practice;
# past this the whole store is emptied and filled again.
KEPT_MAX = 4096
_kept: dict[tuple, SafeString] = {}


def _kept_html(key: tuple, write: Callable[[], SafeString]) -> SafeString:
    """The HTML kept under `key`, written by `write()` the first time (the store emptied when
    full)."""
    html = _kept.get(key)
    if html is None:
        if len(_kept) >= KEPT_MAX:
            _kept.clear()
        html = _kept[key] = write()
    return html


@register.filter
def kept_field(field: BoundField) -> SafeString:
    """The field as `|as_crispy_field` writes it; a field without errors written once per value
    and kept."""
    form = field.form
    if form.is_bound and form.errors:
        return as_crispy_field(field)
    key = (
        type(form),
        form.is_bound,
        field.html_name,
        str(field.label),
        repr(field.value()),
        form.auto_id,
        get_language(),
    )
    return _kept_html(key, lambda: as_crispy_field(field))


@register.filter
def kept_form(form: object) -> SafeString:
    """The form as `|crispy` writes it (its errors, then every field); a blank form written once
    and kept."""
    if not isinstance(form, BaseForm) or form.is_bound:
        return as_crispy_form(form)
    key = (
        type(form),
        tuple((field.html_name, str(field.label), repr(field.value())) for field in form),
        form.auto_id,
        get_language(),
    )
    return _kept_html(key, lambda: as_crispy_form(form))
