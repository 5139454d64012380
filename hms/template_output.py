"""`{{ value }}` written out as Django's template engine writes it, in one call for text and
whole numbers instead of ~10.

Every variable a template shows goes through django.template.base.render_value_in_context:
localtime, localize, then conditional_escape through Django's lazy-string wrapper around its
escape, about 10 Python calls a value, and a list page shows hundreds of values (issue 14,
tests/bench/pages.py). For the two kinds most values are, the result is known without that
work:

- plain text (`str` itself): escaped by html.escape as Django's escape does, or as it is when
  autoescape is off;
- a whole number (`int` itself, not bool) under autoescape when the settings group no
  thousands: its digits, safe (Django's number format returns them unchanged then).

Anything else, a safe string, a lazy translation, a date, a Decimal, goes to Django's own
function, unchanged. tests/hms/test_template_output.py holds both to Django's output.
"""

import html

from django.conf import settings
from django.template import base
from django.utils.safestring import SafeString

djangos_render_value_in_context = base.render_value_in_context


def render_value_in_context(value, context):
    """What Django's render_value_in_context(value, context) returns, with text and whole
    numbers written directly (see the module's docstring)."""
    kind = type(value)
    if kind is str:
        return SafeString(html.escape(value)) if context.autoescape else value
    if kind is int and context.autoescape and not settings.USE_THOUSAND_SEPARATOR:
        return SafeString(value)
    return djangos_render_value_in_context(value, context)


def install() -> None:
    """`{{ value }}` nodes write through render_value_in_context (hms.apps, at start-up)."""
    base.render_value_in_context = render_value_in_context
