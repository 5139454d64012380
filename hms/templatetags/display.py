"""`money` and `phone`: how screens and PDFs write an amount and a phone number. Builtins (no
{% load %}); dates and times need no filter of their own (hms/formats: "30 Nov 2026 14:05").

{{ invoice.total|money }}            KES 40,250.00
{{ line.amount|money:"plain" }}      40,250.00   (a column whose heading names the currency)
{{ patient.phone|phone }}            0712 100 003
<a href="{{ patient.phone|tel }}">  tel:+254712100003 (a tap calls it)
{{ order.ordered_at|elapsed:now }}   3 hours, 12 minutes; "under a minute", never "0 minutes"
{{ notification.created_at|ago }}    5 minutes ago (from now)
{{ appointment.starts_at|in_words }} Tuesday 4 December 2026, 10:30   (the portal: for a patient)
{{ invoice.issued_at|in_words:"day" }}   4 December 2026
{{ order.start_at|moment }}        05 Jan 08:00 this year; 05 Jan 2027 08:00 in another
{{ stay.admitted_at|date:"j M Y H:i" }}  Django's `date` filter, written by hms.dates (the same text)
"""

from datetime import datetime

from django import template
from django.utils import dateformat, timezone

from hms.dates import date_text
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
def tel(value) -> str:
    """A stored phone (E.164) as a link's address to call it: "tel:+254712100003"."""
    return f"tel:{value}" if value else ""


@register.filter(name="date", expects_localtime=True, is_safe=False)
def date_filter(value, arg=None) -> str:
    """Django's builtin `date` filter in its place (a builtin loaded after Django's): the same
    text, from hms.dates.date_text at a tenth of the cost; a list shows a date or two a row."""
    return date_text(value, arg)


@register.filter(expects_localtime=True, is_safe=False)
def moment(value) -> str:
    """A moment in a list or a line, short: "05 Jan 08:00" this year, "05 Jan 2027 08:00" in
    another (a year left out would make 1900 and 2099 read as this January)."""
    if not isinstance(value, datetime):
        return ""
    same_year = value.year == timezone.localtime().year
    return date_text(value, "d M H:i" if same_year else "d M Y H:i")


@register.filter
def elapsed(since, now) -> str:
    return elapsed_text(since, now) if since and now else ""


@register.filter
def ago(moment) -> str:
    """How long ago `moment` was, from now: "5 minutes ago", "under a minute ago"."""
    return f"{elapsed_text(moment, timezone.now())} ago" if moment else ""


# How the portal writes a moment for a patient: the month in words, nothing to misread.
_IN_WORDS = {"": "l j F Y, H:i", "day": "j F Y", "weekday": "l j F Y"}


@register.filter
def in_words(value, part: str = "") -> str:
    """A date or a moment in words, in the hospital's zone: "Tuesday 4 December 2026, 10:30";
    `"day"` the date alone ("4 December 2026"), `"weekday"` with its day of the week. A date
    without a time is written as a date."""
    if not value:
        return ""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
    elif part == "":
        part = "weekday"
    return dateformat.format(value, _IN_WORDS.get(part, _IN_WORDS[""]))
