"""`{{ transfer_form|transfer_form_crispy }}`: the admission page's transfer form, its blank
copy written once per list of vacant beds.

`{{ transfer_form|crispy }}` built every vacant bed as a model instance and an option of
Django's select widget: ~130 calls an option, 4,700 a page on the demo hospital's 34 vacant beds
(tests/bench/pages.py --profile), on every admission's page. The blank form is the same on every
admission's page while the vacant beds stay the same, so it is rendered by `crispy` itself and
kept, keyed by the language and the beds it lists (id, ward's name, number, in the select's
order), read on every request by one query compiled once; a bed freed or taken is another key,
rendered afresh. A bound (refused) form is rendered as before (tests/wards/test_page_writers.py).
"""

from django import template
from django.utils import translation
from django.utils.safestring import SafeString

from hms.form_renderer import options_read
from hms.prepared import Prepared
from hms.templatetags.form_fields import as_crispy_form
from wards.forms import TransferForm, _vacant_beds
from wards.models import Bed, Ward

register = template.Library()

# The transfer select's beds, as the form lists them (its queryset's order), as plain values.
_VACANT_BED_ROWS = Prepared(lambda: _vacant_beds().values("pk", "number", "ward__name"))
# (language, beds) -> the blank form's HTML: a few lists at most between two restarts matter.
_BLANK_FORMS: dict[tuple, SafeString] = {}
_KEPT = 16


def blank_transfer_form() -> SafeString:
    """The blank transfer form, as `{{ TransferForm()|crispy }}` writes it now."""
    rows = _VACANT_BED_ROWS.values()
    key = (
        translation.get_language(),
        tuple((row["pk"], row["number"], row["ward__name"]) for row in rows),
    )
    if (html := _BLANK_FORMS.get(key)) is None:
        form = TransferForm()
        # The select lists exactly the beds of the key (not read again: a bed taken in between
        # would be kept under the wrong list).
        options_read(
            form.fields["bed"],
            [
                Bed(pk=pk, number=number, ward=Ward(name=ward_name))
                for pk, number, ward_name in key[1]
            ],
        )
        html = as_crispy_form(form)
        if len(_BLANK_FORMS) >= _KEPT:
            _BLANK_FORMS.clear()
        _BLANK_FORMS[key] = html
    return html


@register.filter
def transfer_form_crispy(form: TransferForm) -> SafeString:
    """`{{ form|crispy }}` for the admission page's transfer form: a blank one kept per list of
    vacant beds (blank_transfer_form), a bound or pre-filled one rendered as it is."""
    if type(form) is TransferForm and not form.is_bound and not form.initial:
        return blank_transfer_form()
    return as_crispy_form(form)
