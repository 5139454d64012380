"""`{{ value }}` as hms.template_output writes it is Django's own output, character for
character and of the same kind (safe or not): text with markup, safe text, lazy translations,
whole numbers, booleans, Decimals, floats, dates and times, None, with autoescape on and off,
localized or not, in two languages, and with thousands grouped."""

import datetime
from decimal import Decimal

import pytest
from django.template import Context, Template, base
from django.utils import timezone, translation
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import gettext_lazy

from hms import template_output

VALUES = [
    "",
    "Wanjiru Kamau",
    "<script>alert('x')</script> & \"Ward\"",
    "O'Brien",
    mark_safe("<b>safe</b>"),
    gettext_lazy("Doctor"),
    0,
    7,
    -12,
    1234567,
    True,
    False,
    None,
    Decimal("1234.50"),
    Decimal("-0.01"),
    3.14159,
    datetime.date(2026, 12, 4),
    datetime.datetime(2026, 12, 4, 13, 45, tzinfo=datetime.UTC),
    datetime.time(7, 30),
    [1, "<a>"],
]


def test_the_engine_writes_through_ours():
    assert base.render_value_in_context is template_output.render_value_in_context


@pytest.mark.parametrize("language", ["en", "sw"])
@pytest.mark.parametrize("autoescape", [True, False])
@pytest.mark.parametrize("use_l10n", [None, False])
@pytest.mark.parametrize("grouping", [False, True])
def test_every_kind_of_value_is_written_as_django_writes_it(
    settings, language, autoescape, use_l10n, grouping
):
    settings.USE_THOUSAND_SEPARATOR = grouping
    with translation.override(language), timezone.override("Africa/Nairobi"):
        context = Context(autoescape=autoescape, use_l10n=use_l10n)
        for value in VALUES:
            ours = template_output.render_value_in_context(value, context)
            theirs = template_output.djangos_render_value_in_context(value, context)
            assert ours == theirs, value
            assert isinstance(ours, SafeData) == isinstance(theirs, SafeData), value


def test_a_template_shows_text_escaped_and_numbers_as_digits():
    page = Template("{{ name }} {{ count }} {% autoescape off %}{{ name }}{% endautoescape %}")
    written = page.render(Context({"name": "<i>Kamau</i>", "count": 1250}))
    assert written == "&lt;i&gt;Kamau&lt;/i&gt; 1250 <i>Kamau</i>"
