"""`{% latest_observations patient as latest %}`: a patient's latest scored vitals and NEWS2 for
their banner (the chart, the consultation, the admission), for those who see the whole chart."""

from django import template

from clinical import selectors
from hms import rbac

register = template.Library()


@register.simple_tag(takes_context=True)
def latest_observations(context: template.Context, patient) -> dict | None:
    """{"record": Vitals, "news2": News2} of the patient's latest scored set, or None (none yet,
    or the viewer does not see clinical content: observations are the whole chart's)."""
    user = context["request"].user
    if patient is None or rbac.scope(user, "patients.view_chart") != rbac.ALL:
        return None
    return selectors.latest_observations([patient.pk]).get(patient.pk)
