"""An appointment's status badge (`{% appointment_status appointment %}`) and the appointments
list's rows (`{% appointment_rows page %}`, `{% doctor_options doctors doctor_id %}`), written out
in Python. A day's list is 50 rows and every doctor in its picker; the templates cost ~12 variable
lookups and a URL reversal a row, plus an included template for the badge (~17 ms of the large
hospital's 20 ms, tests/bench/pages.py --large --profile). The HTML is what the templates wrote
(tests/clinical/test_appointment_marks.py)."""

from html import escape

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from clinical.templatetags.news2_marks import news2_badge
from hms import submissions
from hms.dates import date_text
from hms.links import link_to
from hms.templatetags.display import in_words

register = template.Library()

_STATUS_CLASS = {
    "checked_in": "text-bg-warning",
    "in_consultation": "text-bg-primary",
    "completed": "text-bg-success",
    "cancelled": "text-bg-secondary",
    "no_show": "text-bg-dark",
}


def _status_badge(status: str, label: str) -> str:
    return (
        f'<span class="badge {_STATUS_CLASS.get(status, "text-bg-info")}" '
        f'data-testid="appointment-status">{escape(str(label))}</span>'
    )


def status_badge(status: str, label: str) -> SafeString:
    return mark_safe(_status_badge(status, label))  # noqa: S308 (the label escaped)


# What the portal says of each state: a patient's words, not the desk's (issue 15, item 8).
PATIENT_WORDS = {
    "scheduled": "Booked",
    "checked_in": "You are checked in",
    "in_consultation": "With the doctor now",
    "completed": "Seen",
    "cancelled": "Cancelled",
    "no_show": "Missed",
}


# An appointment's history as the portal tells it.
PATIENT_CHANGE_WORDS = {
    "booked": "Booked",
    "rescheduled": "Moved",
    "cancelled": "Cancelled",
    "checked_in": "Checked in",
    "in_consultation": "With the doctor",
    "completed": "Seen by the doctor",
    "no_show": "Missed",
}


@register.filter
def change_for_patient(change: object) -> str:
    """What happened to the appointment, in the patient's words."""
    return PATIENT_CHANGE_WORDS.get(change.kind, change.get_kind_display())


@register.simple_tag
def appointment_status(appointment: object, for_patient: bool = False) -> SafeString:
    """Scheduled, Checked in, In consultation, Completed, Cancelled or No-show, coloured;
    `for_patient`: the patient's words (Booked, You are checked in, With the doctor now, Seen,
    Cancelled, Missed)."""
    if for_patient:
        label = PATIENT_WORDS.get(appointment.status, appointment.get_status_display())
        return status_badge(appointment.status, label)
    return status_badge(appointment.status, appointment.get_status_display())


@register.simple_tag(takes_context=True)
def appointment_rows(
    context: template.Context, appointments: object, check_in: bool = False
) -> SafeString:
    """The rows of the day's appointments: time (the link), patient, MRN, doctor, reason,
    status; one row saying so when there are none. With `check_in` (the desk), a last cell
    holds a Check in button on each appointment booked for today (its own one-time token)."""
    link = link_to("appointment_detail")
    cell = _check_in_cell(context) if check_in else None
    zone = timezone.get_current_timezone()
    rows = "\n".join(
        "<tr>\n"
        f'    <td class="text-nowrap"><a href="{link(appointment.pk)}">'
        f"{appointment.starts_at.astimezone(zone):%H:%M}</a></td>\n"
        f"    <td>{escape(appointment.patient.full_name)}</td>\n"
        f"    <td>{escape(appointment.patient.mrn)}</td>\n"
        f"    <td>{escape(str(appointment.doctor))}</td>\n"
        f"    <td>{escape(appointment.reason or '—')}</td>\n"
        f"    <td>{_status_badge(appointment.status, appointment.get_status_display())}</td>"
        f"{cell(appointment) if cell else ''}\n"
        "  </tr>"
        for appointment in appointments
    )
    if rows:
        return mark_safe(rows)  # noqa: S308 (every value escaped)
    columns = 7 if check_in else 6
    return format_html(
        '<tr><td colspan="{}" class="text-body-secondary">No appointments on this day.</td></tr>',
        columns,
    )


# A row's colour on the doctor's today, by status.
_TODAY_ROW_CLASS = {
    "checked_in": " list-group-item-warning",
    "in_consultation": " list-group-item-primary",
}


@register.simple_tag
def today_rows(today: object) -> SafeString:
    """The doctor's today's rows (templates/clinical/doctor_today.html): each appointment's
    time, patient, MRN and reason, its patient's NEWS2 (`latest`, when given) and its status,
    linking to the appointment; one line saying so when there are none. The HTML the template's
    loop wrote (tests/clinical/test_today_rows.py)."""
    link = link_to("appointment_detail")
    zone = timezone.get_current_timezone()
    rows = "".join(
        '\n    <a class="list-group-item list-group-item-action py-3 d-flex '
        "justify-content-between align-items-center"
        f'{_TODAY_ROW_CLASS.get(appointment.status, "")}" data-testid="today-appointment" '
        f'href="{link(appointment.pk)}">\n'
        f'      <span><strong class="me-2">{appointment.starts_at.astimezone(zone):%H:%M}</strong>'
        f"{escape(appointment.patient.full_name)} "
        f'<span class="text-body-secondary">· MRN {escape(appointment.patient.mrn)}'
        f"{f' · {escape(appointment.reason)}' if appointment.reason else ''}</span></span>\n"
        '      <span class="d-flex align-items-center gap-2">'
        # clinical/_news2_badge.html as included: its comment's line end, the badge, its own end.
        f"{_news2(getattr(appointment, 'latest', None))}"
        f"{_status_badge(appointment.status, appointment.get_status_display())}</span>\n"
        "    </a>\n    "
        for appointment in today
    )
    if not rows:
        rows = (
            '\n    <div class="list-group-item text-body-secondary py-3">'
            "No appointments today.</div>\n    "
        )
    return mark_safe(rows)  # noqa: S308 (every value escaped)


@register.simple_tag
def chart_appointment_items(appointments: object, for_patient: bool = False) -> SafeString:
    """The chart's appointments (templates/clinical/patient_chart.html): each one's time (in
    words for the patient reading their own record), its doctor and its status, linking to the
    appointment. The HTML the template's loop wrote (tests/clinical/test_chart_rows.py)."""
    link = link_to("appointment_detail")
    zone = timezone.get_current_timezone()
    items = []
    for appointment in appointments:
        if for_patient:
            when = escape(in_words(appointment.starts_at))
            label = PATIENT_WORDS.get(appointment.status, appointment.get_status_display())
        else:
            when = date_text(appointment.starts_at.astimezone(zone), "D d M Y H:i")
            label = appointment.get_status_display()
        items.append(
            '\n        <li class="list-group-item d-flex justify-content-between">'
            f'<a href="{link(appointment.pk)}">{when} · {escape(str(appointment.doctor))}</a>'
            f"{_status_badge(appointment.status, label)}</li>\n        "
        )
    return mark_safe("".join(items))  # noqa: S308 (every value escaped)


@register.simple_tag
def slot_choices(slots: object, chosen: object) -> SafeString:
    """The booking form's times (templates/clinical/appointment_book.html, the slots partial):
    each free slot a radio button and its label (checked when it is `chosen`, the time asked
    for again), each taken or past one a disabled button. The HTML the template's loop wrote
    (tests/clinical/test_slot_choices.py)."""
    zone = timezone.get_current_timezone()
    chosen = str(chosen) if chosen is not None else None
    parts = []
    for n, slot in enumerate(slots, start=1):
        at = f"{slot.starts_at.astimezone(zone):%H:%M}"
        if slot.free:
            value = slot.starts_at.isoformat()
            checked = " checked" if chosen == value else ""
            parts.append(
                f'\n        \n        <input type="radio" class="btn-check" name="starts_at" '
                f'id="slot-{n}" value="{escape(value)}" autocomplete="off"{checked}>\n'
                f'        <label class="btn btn-outline-primary btn-lg" for="slot-{n}" '
                f'data-testid="slot">{at}</label>\n        \n        '
            )
        else:
            parts.append(
                '\n        \n        <span class="btn btn-lg btn-outline-secondary disabled" '
                f'aria-disabled="true" title="Taken or past">{at}</span>\n        \n        '
            )
    return mark_safe("".join(parts))  # noqa: S308 (nothing typed: times of the schedule)


def _news2(latest: dict | None) -> str:
    return f"\n{news2_badge(latest['news2'])}\n" if latest else ""


def _check_in_cell(context: template.Context):
    """Each row's last cell: a Check in form for an appointment booked for today, else nothing.
    The check-in URL is reversed once and the CSRF token read once for the whole list."""
    link = link_to("appointment_check_in")
    csrf = escape(str(context.get("csrf_token", "")))
    zone = timezone.get_current_timezone()
    today = timezone.localdate()

    def cell(appointment: object) -> str:
        if (
            appointment.status != "scheduled"
            or appointment.starts_at.astimezone(zone).date() != today
        ):
            return "\n    <td></td>"
        return (
            f'\n    <td><form method="post" action="{link(appointment.pk)}">'
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
            f'<input type="hidden" name="{submissions.FIELD}" value="{submissions.new_token()}">'
            '<input type="hidden" name="back" value="list">'
            '<button class="btn btn-success" type="submit" data-testid="row-check-in"'
            f' aria-label="Check in {escape(appointment.patient.full_name)}">Check in</button>'
            "</form></td>"
        )

    return cell


@register.simple_tag
def doctor_options(doctors: object, chosen: str) -> SafeString:
    """A doctor picker's options after "All doctors", the chosen one (its id as text) selected."""
    return mark_safe(  # noqa: S308 (every name escaped)
        "".join(
            f'<option value="{doctor.pk}"{" selected" if str(doctor.pk) == chosen else ""}>'
            f"{escape(str(doctor))}</option>"
            for doctor in doctors
        )
    )


@register.simple_tag
def status_options(statuses: object, chosen: str) -> SafeString:
    """A status picker's options after "Any status" (`statuses`: (value, label) pairs), the
    chosen one selected: the template's loop, written out (tests/clinical/test_appointment_marks.py)."""
    return mark_safe(  # noqa: S308 (every value and label escaped)
        "".join(
            f'<option value="{escape(str(value))}"{" selected" if value == chosen else ""}>'
            f"{escape(str(label))}</option>"
            for value, label in statuses
        )
    )
