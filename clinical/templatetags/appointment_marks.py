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

from hms import submissions
from hms.links import link_to

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
