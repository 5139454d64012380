"""`{% submission_field %}`: the one-time token of a form that changes money or a record
(hms.submissions). A builtin: every template may use it without {% load %}."""

from django import template
from django.utils.html import format_html

from hms import submissions

register = template.Library()


@register.simple_tag
def submission_field() -> str:
    return format_html(
        '<input type="hidden" name="{}" value="{}">', submissions.FIELD, submissions.new_token()
    )
