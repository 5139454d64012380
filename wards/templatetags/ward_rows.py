"""`{% ward_patient_rows ward.rows %}`, `{% due_items %}`, `{% newest_items %}`,
`{% by_score_items %}`: the ward's patients' rows and the nurse's three lists, written out in Python.

Every ward at once on the large hospital (106 patients in 11 wards, 101 of them due) cost the
template language ~45 ms of the page's ~51 ms CPU: ~50 lookups, three date filters and the NEWS2
badge's include a row (tests/bench/pages.py --large --profile). The rows come from
wards.selectors.ward_patients as plain values; this writes the same markup the template did
(tests/wards/test_ward_rows.py), every value escaped (html.escape, as Django's escape does) and
the joined rows marked safe once.
"""

from datetime import date, datetime, tzinfo
from html import escape

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.safestring import SafeString, mark_safe

from clinical.news2 import News2
from hms.durations import elapsed
from wards.templatetags.bed_board import NEWS2_BADGE

register = template.Library()

# NEWS2's colour bands, the bed tiles' (templates/clinical/_news2_badge.html): a low score
# above 0 is green here, 0 light as on the tiles.
_BAND = {risk: css for risk, css in NEWS2_BADGE.items() if risk != "low"}
_LOW_SCORED = "bg-success-subtle text-success-emphasis border border-success"
_LOW_NIL = NEWS2_BADGE["low"]
_LINE = '<li class="d-flex justify-content-between gap-2 py-1 border-bottom"'
_OVERDUE = ' class="table-danger" data-overdue="true"'
_DISCHARGE_WAITING = (
    '<span class="badge text-bg-warning" data-testid="discharge-waiting">Discharge ordered</span>'
)


def news2_badge(score: News2 | None) -> str:
    """clinical/_news2_badge.html (not big) for `score`: the badge and its band in words; an
    incomplete set is a lower bound ("≥ N", "or higher", k of 7)."""
    if score is None:
        return ""
    risk = score.risk
    band = _BAND.get(risk) or (_LOW_SCORED if score.score else _LOW_NIL)
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
    emphasis = " text-danger fw-semibold" if risk == "high" else " text-body-secondary"
    return (
        f'<span><span class="badge text-nowrap {band}" data-testid="news2" data-risk="{risk}" '
        f'title="NEWS2 {score.score}: {risk} clinical risk, observations {score.frequency}'
        f'{incomplete}">NEWS2 {"≥ " if score.at_least else ""}{score.score}</span> '
        f'<span class="small{emphasis}" data-testid="news2-band"><span class="text-nowrap">'
        f"{words}</span></span></span>"
    )


def _hm(moment: datetime, zone: tzinfo) -> str:
    """The time as the `date:"H:i"` filter writes it, in `zone` (the current time zone, read
    once a list: timezone.localtime reads it again on every call)."""
    return f"{moment.astimezone(zone):%H:%M}"


def _day_hm(moment: datetime, zone: tzinfo, today: date, *, today_word: str = "") -> str:
    """The time with its day when that is not `today`: "yesterday 22:10", "tomorrow 00:15",
    "Sun 29 Nov 09:00"; today's as `today_word` and the time ("today 14:05"), or the time alone."""
    local = moment.astimezone(zone)
    days = (local.date() - today).days
    day = {0: today_word, -1: "yesterday", 1: "tomorrow"}.get(days)
    if day is None:
        day = f"{local:%a} {local.day} {local:%b}"
    return f"{day} {local:%H:%M}" if day else f"{local:%H:%M}"


def _row(row: dict, now: datetime, zone: tzinfo, today: date) -> str:
    """One patient's line of a ward's table (a row of wards.selectors.ward_patients)."""
    overdue = row["overdue"]
    admission_url = escape(row["admission_url"])
    last_at, due_at, score = row["last_vitals_at"], row["due_at"], row["news2"]
    if last_at:
        observations = (
            f'{_hm(last_at, zone)} <span class="small text-body-secondary">'
            f"({elapsed(last_at, now)} ago)</span> <div> {news2_badge(score)} "
            f'<span class="small text-body-secondary">· {score.frequency if score else ""}'
            "</span></div> "
        )
    else:
        observations = '<span class="text-body-secondary">None since admission</span>'
    if overdue:
        due = (
            '<span class="badge text-bg-danger fs-6"><i class="bi bi-alarm" aria-hidden="true">'
            '</i> Overdue</span><div class="small">'
            f"{f'due {_day_hm(due_at, zone, today)}' if last_at else 'due on admission'}</div>"
        )
    else:
        local_due = due_at.astimezone(zone)
        due = f"{local_due:%H:%M}"
        if local_due.date() != today:
            due += (
                f' <span class="small text-body-secondary">{date_format(local_due, "D j M")}</span>'
            )
    record = (
        f'<a class="btn {"btn-danger" if overdue else "btn-outline-primary"}" '
        f'href="{escape(row["vitals_url"])}" data-testid="record-vitals"><i class="bi '
        'bi-heart-pulse" aria-hidden="true"></i>Record vitals</a> '
        if row["vitals_url"]
        else ""
    )
    return (
        f'<tr data-testid="ward-patient"{_OVERDUE if overdue else ""}> '
        f'<td class="fw-semibold fs-5">{escape(row["bed"])}</td> '
        f'<td><a class="fw-semibold" href="{admission_url}">{escape(row["name"])}</a>'
        f'<div class="small text-body-secondary">{escape(row["mrn"])}</div>'
        f"{_DISCHARGE_WAITING if row['discharge_ordered'] else ''}</td> "
        f"<td>{row['days_in']}</td> <td>{observations}</td> "
        f'<td data-testid="vitals-due">{due}</td> <td class="text-end text-nowrap"> {record}'
        f'<a class="btn btn-outline-secondary" href="{admission_url}"><i class="bi '
        'bi-folder2-open" aria-hidden="true"></i>Admission</a> </td> </tr> '
    )


@register.simple_tag(takes_context=True)
def ward_patient_rows(context: template.Context, rows: list[dict]) -> SafeString:
    """A ward's table rows, bed by bed (`now`, the page's moment, from the context)."""
    now, zone = context["now"], timezone.get_current_timezone()
    today = now.astimezone(zone).date()
    return mark_safe("".join(_row(row, now, zone, today) for row in rows))  # noqa: S308 (escaped)


def _where(row: dict) -> str:
    return (
        f'<span class="small text-body-secondary">{escape(row["ward_name"])} · bed '
        f"{escape(row['bed'])}</span>"
    )


@register.simple_tag
def due_items(rows: list[dict], now: datetime) -> SafeString:
    """The list of vitals due and overdue: whose, where, and when (its day, when not today's)."""
    items, zone = [], timezone.get_current_timezone()
    today = now.astimezone(zone).date()
    for row in rows:
        name = escape(row["name"])
        if row["vitals_url"]:
            name = f'<a href="{escape(row["vitals_url"])}">{name}</a>'
        due = (
            f'<span class="badge text-bg-danger">overdue {_day_hm(row["due_at"], zone, today)}</span>'
            if row["overdue"]
            else '<span class="badge text-bg-light border">due '
            f"{_day_hm(row['due_at'], zone, today)}</span>"
        )
        items.append(f"{_LINE}><span>{name} {_where(row)}</span>{due}</li> ")
    return mark_safe("".join(items))  # noqa: S308 (each value is escaped)


@register.simple_tag
def newest_items(rows: list[dict], now: datetime) -> SafeString:
    """The list of the newest admissions: whose, where, and when they came ("today 14:05",
    "yesterday 22:10": the list spans 24 hours, so a time alone could be either day)."""
    zone = timezone.get_current_timezone()
    today = now.astimezone(zone).date()
    return mark_safe(  # noqa: S308 (each value is escaped)
        "".join(
            f'{_LINE}><span><a href="{escape(row["admission_url"])}">{escape(row["name"])}</a> '
            f'{_where(row)}</span><span class="small text-nowrap">{_day_hm(row["admitted_at"], zone, today, today_word="today")}'
            "</span></li> "
            for row in rows
        )
    )


@register.simple_tag
def by_score_items(rows: list[dict]) -> SafeString:
    """The list by NEWS2, highest first: whose, which bed, and the score."""
    return mark_safe(  # noqa: S308 (each value is escaped)
        "".join(
            f'{_LINE} data-testid="by-score"><span><a href="{escape(row["admission_url"])}">'
            f'{escape(row["name"])}</a> <span class="small text-body-secondary">bed '
            f"{escape(row['bed'])}</span></span>"
            + (
                f" {news2_badge(row['news2'])} "
                if row["news2"]
                else '<span class="small text-body-secondary">not scored</span>'
            )
            + "</li>"
            for row in rows
        )
    )
