"""`{% state_badge patient %}`, `{% patient_result_rows results pick query %}`,
`{% latest_registration_rows page %}`: a patient's lifecycle badge and the patient list's rows,
written out in Python.

The patient list's 25 latest registrations walked ~14 template nodes a row, an include for the
state badge and a reversed link each: about three quarters of the page's time went to the
template language (tests/bench/pages.py --profile). This writes the markup the template wrote
(tests/clinical/test_patient_rows.py), every value escaped (html.escape, as Django's escape does),
each link reversed once for the list.
"""

from collections.abc import Callable
from datetime import date, datetime
from html import escape

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from clinical.models import Patient, PatientState
from hms.dates import date_text
from hms.links import link_to
from hms.phones import phone_local

register = template.Library()

# The badge's colour for each state of the lifecycle; a state not named here is blue.
_STATE_COLOUR = {
    PatientState.ADMITTED: "text-bg-danger",
    PatientState.UNDER_TREATMENT: "text-bg-warning",
    PatientState.APPOINTMENT_SCHEDULED: "text-bg-info",
    PatientState.ARCHIVED: "text-bg-secondary",
    PatientState.DISCHARGED: "text-bg-success",
}


# Each state's words, as get_state_display() gives them (it builds a copy of every choice on each
# call: ~50 Python calls a row of the patient list).
_STATE_LABEL = dict(PatientState.choices)


def state_badge_html(patient: Patient) -> str:
    """The patient's lifecycle state as a coloured badge ("Admitted" red, "Discharged" green)."""
    colour = _STATE_COLOUR.get(patient.state, "text-bg-primary")
    label = _STATE_LABEL.get(patient.state, patient.state)
    return (
        f'<span class="badge fs-6 {colour}" data-testid="patient-state">{escape(str(label))}</span>'
    )


@register.simple_tag
def state_badge(patient: Patient) -> SafeString:
    return mark_safe(state_badge_html(patient))  # noqa: S308 (the label escaped)


def _day(born: date | None) -> str:
    return date_text(born, "d M Y") if born else ""


def _result_link(pick: str) -> Callable[[object], str]:
    """Where a search result leads: booking for it (`pick` "book"), admitting it to a bed
    ("admit-<bed>"), else the patient's chart."""
    if pick == "book":
        book = reverse("appointment_book")
        return lambda pk: f"{book}?patient={pk}"
    if pick[:5] == "admit":
        admit, bed = reverse("admission_new"), escape(pick[6:])
        return lambda pk: f"{admit}?patient={pk}&amp;bed={bed}"
    return link_to("patient_chart")


@register.simple_tag
def patient_result_rows(results, pick: str, query: str) -> SafeString:
    """The search's matches (`results`, Patient rows) as links: name, MRN, birth date, phone and
    identity document, with the state's badge; where no patient matches, a line that says so
    (`query` typed) or what to type."""
    link = _result_link(pick or "")
    html = []
    for patient in results:
        document = (
            f" · {escape(patient.get_id_type_display())} {escape(patient.id_number)}"
            if patient.id_number
            else ""
        )
        html.append(
            '\n  <a class="list-group-item list-group-item-action py-3 d-flex justify-content-between'
            f' align-items-center" href="{link(patient.pk)}" data-testid="patient-result">\n'
            f"    <span><strong>{escape(patient.full_name)}</strong> "
            f'<span class="text-body-secondary">· MRN {escape(patient.mrn)} · born '
            f"{_day(patient.date_of_birth)} · {escape(phone_local(patient.phone or ''))}"
            f"{document}</span></span>\n"
            f"    {state_badge_html(patient)}\n  </a>\n  "
        )
    if not html:
        said = (
            f"No patient matches “{escape(query)}”."
            if query
            else "Type a name, an MRN or a phone number."
        )
        html.append(f'\n  <div class="list-group-item text-body-secondary py-3">{said}</div>\n  ')
    return mark_safe("".join(html))  # noqa: S308 (every value escaped)


@register.simple_tag
def latest_registration_rows(page) -> SafeString:
    """The latest registrations' table rows (`page`, Patient rows, or RegisteredPatient rows for
    the first page: clinical.selectors.latest_registrations_first): MRN, name (the chart's
    link), birth date, phone, state and when registered; a row that says so when there are
    none."""
    chart = link_to("patient_chart")
    zone = timezone.get_current_timezone()
    html = []
    for patient in page:
        registered: datetime = patient.registered_at
        html.append(
            "\n  <tr>\n"
            f"    <td>{escape(patient.mrn)}</td>\n"
            f'    <td><a href="{chart(patient.pk)}">{escape(patient.full_name)}</a></td>\n'
            f"    <td>{_day(patient.date_of_birth)}</td>\n"
            f'    <td class="text-nowrap">{escape(phone_local(patient.phone or ""))}</td>\n'
            f"    <td>{state_badge_html(patient)}</td>\n"
            '    <td class="text-end text-nowrap">'
            f"{date_text(registered.astimezone(zone), 'd M Y H:i') if registered else ''}"
            "</td>\n  </tr>\n  "
        )
    if not html:
        html.append(
            '\n  <tr><td colspan="6" class="text-body-secondary">No patients registered yet.'
            "</td></tr>\n  "
        )
    return mark_safe("".join(html))  # noqa: S308 (every value escaped)


@register.simple_tag
def state_history_items(history: object) -> SafeString:
    """The chart's record status history (templates/clinical/patient_chart.html): each change's
    time, the state it left (when any), the state it reached, who made it and why, as the
    template's loop wrote them (tests/clinical/test_patient_rows.py)."""
    zone = timezone.get_current_timezone()
    items = []
    for change in history:
        left = f"{escape(str(change.get_from_state_display()))} → " if change.from_state else ""
        by = f" by {escape(str(change.by))}" if change.by else ""
        reason = f" · {escape(str(change.reason))}" if change.reason else ""
        items.append(
            '\n        <li class="py-1 border-bottom">'
            f"{date_text(change.at.astimezone(zone), 'd M Y H:i')} · {left}"
            f"<strong>{escape(str(change.get_to_state_display()))}</strong>{by}{reason}</li>\n"
            "        "
        )
    return mark_safe("".join(items))  # noqa: S308 (every value escaped)
