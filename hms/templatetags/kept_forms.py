"""`{{ form.field|kept_field }}` and `{{ form|kept_form }}`: `|as_crispy_field` and `|crispy` of
forms that come out the same on nearly every load, written once per process and per everything
their HTML depends on, and kept.

Used by the sign-in form, the roster's and the attendance screens' pickers (week, day or month and department; the
roster's "department on a shift"), a work order's forms ("Log work", resolve, escalate, a
preventive maintenance's checklist) and the downtime overview's days. Written out each load they
were a fifth to a third of those pages' Python work (tests/bench/pages.py --profile).

A field is kept under the form's class, whether it is bound, the field's name and label, its value
(the day typed, the department chosen), the form's id pattern, the language, and a select's
options as listed for this request: a renamed department or a new shift is another key, never
stale HTML. Not kept, written out each time as before: every field of a refused form (what was
typed, its messages), a bound `|kept_form`, and a select whose options are not a list (a model
select's query, or options not read for this request: hr.roster_forms.listed lists them).
tests/hr/test_page_writers.py and tests/engineering/test_work_forms.py hold the kept HTML to
crispy's own.
"""

from collections.abc import Callable

from django import template
from django.forms import BaseForm, BoundField
from django.urls import get_script_prefix
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from hms.templatetags.form_fields import as_crispy_field, as_crispy_form

register = template.Library()

# The pickers' fields by the days, weeks and months asked for, a checklist step's fields per step
# text: a few hundred in practice; past this the whole store is emptied and filled again.
KEPT_MAX = 4096
_kept: dict[tuple, SafeString] = {}


def kept_html(key: tuple, write: Callable[[], SafeString]) -> SafeString:
    """The HTML kept under `key`, written by `write()` the first time (the store emptied when
    full). For an app's own blank forms (billing's account page): its key starts with a name of
    its own and holds everything the HTML depends on."""
    html = _kept.get(key)
    if html is None:
        if len(_kept) >= KEPT_MAX:
            _kept.clear()
        html = _kept[key] = write()
    return html


def _field_key(field: BoundField) -> tuple | None:
    """What the field's HTML depends on, or None when it must be written afresh (a select whose
    options are not a list read for this request)."""
    options = getattr(field.field, "choices", None)
    if options is None:
        options = ()
    elif not isinstance(options, list):
        return None
    return (
        type(field.form),
        field.form.is_bound,
        field.html_name,
        str(field.label),
        repr(field.value()),
        field.form.auto_id,
        get_language(),
        tuple(options),
    )


@register.filter
def kept_field(field: BoundField) -> SafeString:
    """The field as `|as_crispy_field` writes it; kept when its form has no errors and its
    options (if any) are a list."""
    form = field.form
    if form.is_bound and form.errors:
        return as_crispy_field(field)
    key = _field_key(field)
    if key is None:
        return as_crispy_field(field)
    return kept_html(key, lambda: as_crispy_field(field))


@register.filter
def kept_form(form: object) -> SafeString:
    """The form as `|crispy` writes it (its errors, then every field); a blank form whose fields
    can all be kept is written once and kept."""
    if not isinstance(form, BaseForm) or form.is_bound:
        return as_crispy_form(form)
    keys = tuple(_field_key(field) for field in form)
    if None in keys:
        return as_crispy_form(form)
    # (the script prefix: a field's help may hold a link, the sign-in's "Forgot your password?")
    return kept_html((type(form), keys, get_script_prefix()), lambda: as_crispy_form(form))
