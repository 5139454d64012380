"""`money` and `phone`: how screens and PDFs write an amount and a phone number. Builtins (no
{% load %}); dates and times need no filter of their own (hms/formats: "30 Nov 2026 14:05").

{{ invoice.total|money }}            KES 40,250.00
{{ line.amount|money:"plain" }}      40,250.00   (a column whose heading names the currency)
{{ patient.phone|phone }}            0712 100 003
{{ order.ordered_at|elapsed:now }}   3 hours, 12 minutes   (hms.durations)
"""

from django import template

from hms.durations import elapsed as elapsed_text
from hms.money import money_text
from hms.phones import phone_local

register = template.Library()


@register.filter
def money(value, style: str = "") -> str:
    return money_text(value, currency=style != "plain")


@register.filter
def phone(value) -> str:
    return phone_local(value or "")


@register.filter
def elapsed(since, now) -> str:
    return elapsed_text(since, now) if since and now else ""
