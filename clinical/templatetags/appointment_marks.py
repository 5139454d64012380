"""An appointment's status badge (`{% appointment_status appointment %}`) and the appointments
list's rows (`{% appointment_rows page %}`, `{% doctor_options doctors doctor_id %}`), written out
in Python. A day's list is 50 rows and every doctor in its picker; the templates cost ~12 variable
lookups and a URL reversal a row, plus an included template for the badge (~17 ms of the large
hospital's 20 ms, tests/bench/pages.py --large --profile). The HTML is what the templates wrote
(tests/clinical/test_appointment_marks.py)."""

from django import template
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from hms.links import link_to

register = template.Library()

_STATUS_CLASS = {
    "checked_in": "text-bg-warning",
    "completed": "text-bg-success",
    "cancelled": "text-bg-secondary",
    "no_show": "text-bg-dark",
}


def status_badge(status: str, label: str) -> SafeString:
    return format_html(
        '<span class="badge {}" data-testid="appointment-status">{}</span>',
        _STATUS_CLASS.get(status, "text-bg-info"),
        label,
    )


@register.simple_tag
def appointment_status(appointment: object) -> SafeString:
    """Booked, Checked in, Completed, Cancelled or No-show, coloured."""
    return status_badge(appointment.status, appointment.get_status_display())


@register.simple_tag
def appointment_rows(appointments: object) -> SafeString:
    """The rows of the day's appointments: time (the link), patient, MRN, doctor, reason,
    status; one row saying so when there are none."""
    link = link_to("appointment_detail")
    rows = format_html_join(
        "\n",
        "<tr>\n"
        '    <td class="text-nowrap"><a href="{}">{}</a></td>\n'
        "    <td>{}</td>\n"
        "    <td>{}</td>\n"
        "    <td>{}</td>\n"
        "    <td>{}</td>\n"
        "    <td>{}</td>\n"
        "  </tr>",
        (
            (
                link(appointment.pk),
                f"{timezone.localtime(appointment.starts_at):%H:%M}",
                appointment.patient.full_name,
                appointment.patient.mrn,
                appointment.doctor,
                appointment.reason or "—",
                status_badge(appointment.status, appointment.get_status_display()),
            )
            for appointment in appointments
        ),
    )
    return rows or SafeString(
        '<tr><td colspan="6" class="text-body-secondary">No appointments on this day.</td></tr>'
    )


@register.simple_tag
def doctor_options(doctors: object, chosen: str) -> SafeString:
    """A doctor picker's options after "All doctors", the chosen one (its id as text) selected."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (doctor.pk, " selected" if str(doctor.pk) == chosen else "", doctor)
            for doctor in doctors
        ),
    )
