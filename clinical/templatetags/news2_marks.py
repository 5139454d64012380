"""`{% latest_observations patient as latest %}`: a patient's latest scored vitals and NEWS2 for
their banner (the chart, the consultation, the admission), for those who see the whole chart;
and `news2_badge`, templates/clinical/_news2_badge.html written out in Python for the lists
(the doctor's today), held to that template by tests/clinical/test_today_rows.py."""

from html import escape

from django import template

from clinical import selectors
from clinical.news2 import News2
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


# The badge's colour band by risk (RCP 2017); a low score is green above 0, light at 0.
_BAND = {
    "high": "text-bg-danger",
    "medium": "text-bg-warning",
    "low-medium": "bg-warning-subtle text-warning-emphasis border border-warning",
}
_LOW_SCORED = "bg-success-subtle text-success-emphasis border border-success"
_LOW_NIL = "text-bg-light border"


def news2_badge(score: News2 | None, *, big: bool = False) -> str:
    """clinical/_news2_badge.html for `score` ("" for None): the badge and its band in words;
    an incomplete set is a lower bound ("≥ N", "or higher", k of 7). The caller marks it safe."""
    if not score:
        return ""
    risk = escape(str(score.risk))
    band = _BAND.get(score.risk) or (_LOW_SCORED if score.score else _LOW_NIL)
    incomplete = ""
    if not score.complete:
        incomplete = (
            f"; incomplete: the latest set holds {score.parameters} of 7 parameters, so the "
            "score is at least this"
        )
        if score.complete_score is not None:
            incomplete += f" and never below the last complete set's {score.complete_score}"
    words = (
        f'{risk} or higher</span> · <span class="text-nowrap">incomplete ({score.parameters} of 7)'
        if not score.complete
        else risk
    )
    emphasis = " text-danger fw-semibold" if score.risk == "high" else " text-body-secondary"
    return (
        f'<span><span class="badge text-nowrap {band}{" fs-5" if big else ""}" data-testid="news2"'
        f' data-risk="{risk}" title="NEWS2 {score.score}: {risk} clinical risk, observations '
        f'{escape(str(score.frequency))}{incomplete}">NEWS2 {"≥ " if score.at_least else ""}'
        f'{score.score}</span> <span class="small{emphasis}" data-testid="news2-band">'
        f'<span class="text-nowrap">{words}</span></span></span>'
    )
