"""`{{ form.field|kept_field }}`: `|as_crispy_field` of the roster's and the attendance screens'
forms (week, day or month and department; the roster's "department on a shift"), written once
per process and per everything their HTML depends on, and kept.

These six fields were ~3,300 of the roster's ~18,000 function calls a request and ~2,000 of the
team's day's and the monthly report's (tests/bench/pages.py --profile), and they come out the
same on nearly every load. A field is kept under the form's class, the field's name and label,
its value (the day typed, the department chosen), the form's id pattern, the language, and the
select's options as listed for this request (hr.roster_forms.listed: the departments and shifts
read from the database): a renamed department or a new shift is another key, never stale HTML.
A field of a refused form (its messages) and a select whose options were not listed are written
out each time, as before. tests/hr/test_page_writers.py holds the kept HTML to
`|as_crispy_field`'s own.
"""

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from hms.templatetags.form_fields import as_crispy_field

register = template.Library()

# A few forms' fields by the days, weeks and months asked for: a few hundred in practice; past
# this the whole store is emptied and filled again.
KEPT_MAX = 2048
_kept: dict[tuple, SafeString] = {}


@register.filter
def kept_field(field: BoundField) -> SafeString:
    """The field as `|as_crispy_field` writes it; kept when the form has no errors and the
    field's options (if any) are a list read for this request."""
    form = field.form
    if form.is_bound and form.errors:
        return as_crispy_field(field)
    options = getattr(field.field, "choices", None)
    if options is None:
        options = ()
    elif not isinstance(options, list):
        return as_crispy_field(field)
    key = (
        type(form),
        form.is_bound,
        field.html_name,
        str(field.label),
        repr(field.value()),
        form.auto_id,
        get_language(),
        tuple(options),
    )
    html = _kept.get(key)
    if html is None:
        if len(_kept) >= KEPT_MAX:
            _kept.clear()
        html = _kept[key] = as_crispy_field(field)
    return html
