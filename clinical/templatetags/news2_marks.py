"""`{% latest_observations patient as latest %}`: a patient's latest scored vitals and NEWS2 for
their banner (the chart, the consultation, the admission), for those who see the whole chart;
`news2_badge`, templates/clinical/_news2_badge.html written out in Python for the lists (the
doctor's today), held to that template by tests/clinical/test_today_rows.py; and
`{% latest_news2 %}`, the banner's line (clinical/_latest_news2.html) written out in Python: its
template walked ~60 nodes, ~1,400 Python calls of the consultation's page, held to the template
it replaced by tests/clinical/test_latest_news2.py."""

from html import escape

from django import template
from django.utils import timezone
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe

from clinical import selectors
from clinical.news2 import News2
from hms import rbac
from hms.dates import date_text
from hms.links import link_to

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


def _reading(value: object) -> str:
    """A reading as `{{ value }}` shows it: localized, escaped."""
    return escape(str(localize(value)))


def _latest_vitals(record, all_vitals: str) -> str:
    """The consultation's line of the latest set's readings (`record`, Vitals), each shown only
    when measured, then the oxygen and the ACVPU (or that they were not recorded)."""
    parts = []
    if record.temperature_c is not None:
        parts.append(f"T {_reading(record.temperature_c)} °C · ")
    if record.pulse is not None:
        parts.append(f"P {_reading(record.pulse)} · ")
    if record.systolic is not None:
        parts.append(f"BP {_reading(record.systolic)}/{_reading(record.diastolic)} · ")
    if record.respiratory_rate is not None:
        parts.append(f"RR {_reading(record.respiratory_rate)} · ")
    if record.spo2 is not None:
        scale = " (scale 2)" if record.spo2_scale == 2 else ""
        parts.append(f"SpO₂ {_reading(record.spo2)}%{scale} · ")
    oxygen = escape(str(record.get_on_oxygen_display() or "air/O₂ not recorded"))
    consciousness = escape(str(record.get_consciousness_display() or "ACVPU not recorded"))
    return (
        '\n<div class="small mt-1" data-testid="latest-vitals">Latest vitals: '
        f"{''.join(parts)}{oxygen} · {consciousness}{all_vitals}</div>"
    )


def latest_news2_html(latest: dict | None, *, detail: bool, user, patient) -> str:
    """clinical/_latest_news2.html's line: the latest NEWS2 and when (`latest`, from
    latest_observations); with `detail`, the readings (the consultation), or that there are
    none yet, and a link to the vitals for those who record them."""
    may_record = bool(detail) and rbac.allows(user, "vitals.record")
    if latest:
        record = latest["record"]
        at = date_text(timezone.localtime(record.recorded_at), "d M H:i")
        html = (
            '<span class="ms-1" data-testid="banner-news2">'
            f"\n{news2_badge(latest['news2'])}\n"
            f' <span class="small text-body-secondary">at {at}</span></span>'
        )
        if detail:
            all_vitals = (
                f' · <a href="{link_to("patient_vitals")(record.patient_id)}">all vitals</a>'
                if may_record
                else ""
            )
            html += _latest_vitals(record, all_vitals)
        return html
    if detail:
        record_vitals = (
            f' · <a href="{link_to("patient_vitals")(patient.pk)}">record vitals</a>'
            if may_record
            else ""
        )
        return (
            '<div class="small mt-1 text-body-secondary" data-testid="latest-vitals">'
            f"No vitals recorded yet{record_vitals}</div>"
        )
    return ""


@register.simple_tag(takes_context=True)
def latest_news2(context: template.Context) -> SafeString:
    """clinical/_latest_news2.html's line for the context's `latest`, `detail`, `user` and
    `patient` (latest_news2_html)."""
    html = latest_news2_html(
        context.get("latest"),
        detail=context.get("detail"),
        user=context.get("user"),
        patient=context.get("patient"),
    )
    return mark_safe(html)  # noqa: S308 (every value escaped)
