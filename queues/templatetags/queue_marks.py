"""`|waited`: a waiting time said as the wards say durations ("12 minutes", "1 hour, 5 minutes")."""

from datetime import UTC, datetime, timedelta

from django import template

from hms.durations import elapsed

register = template.Library()
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@register.filter
def waited(value: timedelta | None) -> str:
    if value is None:
        return "—"
    return elapsed(_EPOCH, _EPOCH + value)
