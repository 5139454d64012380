"""`{% ward_sections wards %}`, `{% ward_patient_rows ward.rows %}`, `{% due_items %}`, `{% newest_items %}`,
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
from django.utils.safestring import SafeString, mark_safe

from clinical.templatetags.news2_marks import news2_badge
from hms.dates import date_text
from hms.durations import elapsed
from hms.templatetags.submissions import submission_field
from wards.templatetags.bed_board import _number, ward_options

register = template.Library()
# The ward picker's options, the bed board's (one writer for both pages).
register.simple_tag(ward_options)

_LINE = '<li class="d-flex justify-content-between gap-2 py-1 border-bottom"'
_OVERDUE = ' class="table-danger" data-overdue="true"'
_DISCHARGE_WAITING = (
    '<span class="badge text-bg-warning" data-testid="discharge-waiting">Discharge ordered</span>'
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
                f' <span class="small text-body-secondary">{date_text(local_due, "D j M")}</span>'
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


_TABLE_HEAD = (
    '<thead><tr><th scope="col">Bed</th><th scope="col">Patient</th><th scope="col">Days in'
    '</th><th scope="col">Last observations</th><th scope="col">Next due</th><th scope="col">'
    '<span class="visually-hidden">Actions</span></th></tr></thead>'
)
_NO_PATIENTS = (
    '\n    <div class="card-body text-body-secondary">No patients on this ward.</div>\n    '
)
_NO_WARDS = '\n  <p class="text-body-secondary">No wards are open.</p>\n  '


def _plural(count: int) -> str:
    return "" if count == 1 else "s"


def _to_clean(ward: dict, csrf: str, here: str) -> str:
    """The ward's footer of beds waiting to be cleaned: a "clean" button each, or its number."""
    beds = []
    for bed in ward["cleaning"]:
        number = escape(str(bed["number"]))
        if bed["clean_url"]:
            shown = (
                f'<form class="d-inline" method="post" action="{escape(bed["clean_url"])}">'
                f"{csrf}{submission_field()}"
                '<input type="hidden" name="status" value="vacant"><input type="hidden" '
                f'name="next" value="{here}"><button class="btn btn-outline-dark me-1" '
                'type="submit" data-testid="mark-clean"><i class="bi bi-check2" '
                f'aria-hidden="true"></i>Bed {number} is clean</button></form>\n      '
            )
        else:
            shown = f'<span class="badge text-bg-secondary fs-6 me-1">Bed {number}</span>'
        beds.append(f"\n      {shown}\n      ")
    return (
        '\n    <div class="card-footer" data-testid="beds-to-clean">\n'
        '      <span class="me-2">Waiting to be cleaned:</span>\n      '
        f"{''.join(beds)}\n    </div>\n    "
    )


@register.simple_tag(takes_context=True)
def ward_sections(context: template.Context, wards: list[dict]) -> SafeString:
    """Every ward of the ward's patients (wards.selectors.ward_patients): its heading, its
    patients' table (ward_patient_rows) and its beds to clean, as the template's loop over the
    wards wrote them (tests/wards/test_ward_rows.py); "No wards are open." when none is."""
    if not wards:
        return mark_safe(_NO_WARDS)  # noqa: S308 (a constant)
    now, zone = context["now"], timezone.get_current_timezone()
    today = now.astimezone(zone).date()
    here = escape(str(context.get("here", "")))
    csrf = ""
    if any(bed["clean_url"] for ward in wards for bed in ward["cleaning"]):
        # What {% csrf_token %} writes: the page's token (read once, as the template's is).
        token = context.get("csrf_token")
        if token and token != "NOTPROVIDED":
            csrf = f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(str(token))}">'
    parts = []
    for ward in wards:
        pk, rows, vacant = _number(ward["pk"]), ward["rows"], ward["vacant"]
        admit = (
            f'<a class="btn btn-outline-primary" href="{escape(ward["admit_url"])}"><i class="bi '
            'bi-person-plus" aria-hidden="true"></i>Admit</a>'
            if ward["admit_url"]
            else ""
        )
        if rows:
            table = (
                '\n    <div class="table-responsive">\n'
                '      <table class="table align-middle mb-0">\n'
                f"        {_TABLE_HEAD}\n        <tbody>\n        \n        "
                f"{''.join(_row(row, now, zone, today) for row in rows)}\n"
                "        </tbody>\n      </table>\n    </div>\n    "
            )
        else:
            table = _NO_PATIENTS
        parts.append(
            f'\n  <section class="card mb-3" aria-labelledby="ward-title-{pk}" data-testid="ward" '
            f'data-ward="{pk}">\n'
            '    <div class="card-header d-flex flex-wrap justify-content-between '
            'align-items-center gap-2">\n'
            f'      <h2 class="h5 mb-0" id="ward-title-{pk}">{escape(str(ward["name"]))} <span '
            f'class="fw-normal text-body-secondary fs-6">· {_number(len(rows))} patient'
            f"{_plural(len(rows))} · {_number(vacant)} bed{_plural(vacant)} free</span></h2>\n"
            f"      {admit}\n    </div>\n    {table}\n    "
            f"{_to_clean(ward, csrf, here) if ward['cleaning'] else ''}\n  </section>\n  "
        )
    return mark_safe("".join(parts))  # noqa: S308 (each value is escaped)
