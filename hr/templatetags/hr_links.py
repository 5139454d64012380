"""`{% hr_url "roster" %}`: `{% url %}` of the roster's and the attendance screens' own links,
reversed once per process and script prefix (as hms.templatetags.frame and audit_marks do):
Django's reverse costs ~90 function calls, and the roster asked six a request."""

from functools import lru_cache

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.html import escape
from django.utils.safestring import SafeString

register = template.Library()


@lru_cache(maxsize=64)
def _address(name: str, prefix: str) -> SafeString:
    """The address of the view `name` (no arguments) under the script prefix `prefix`,
    escaped."""
    return escape(reverse(name))


def address(name: str) -> SafeString:
    """The address of the view `name` (no arguments), escaped, as `{% url name %}` writes it."""
    return _address(name, get_script_prefix())


@register.simple_tag(name="hr_url")
def hr_url(name: str) -> SafeString:
    """`{% url name %}` for a view without arguments."""
    return address(name)
