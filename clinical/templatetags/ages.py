"""`{{ patient.date_of_birth|age }}`: a patient's age as clinical.ages writes it (today, or on a
given date: `{{ patient.date_of_birth|age:encounter.started_at }}`)."""

from django import template

from clinical.ages import age_text

register = template.Library()


@register.filter
def age(born, on=None) -> str:
    try:
        return age_text(born, on or None)
    except (TypeError, ValueError, AttributeError):  # not a date: show nothing rather than fail
        return ""
