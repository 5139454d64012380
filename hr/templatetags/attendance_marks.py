"""Lengths of time as the attendance screens write them: "7 h 05 min", "25 min"."""

from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def duration_minutes(length: timedelta | None) -> str:
    if not length:
        return "0 min"
    minutes = int(length.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"
