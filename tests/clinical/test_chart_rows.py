"""The chart's record status history is written out in Python (`{% state_history_items %}`,
clinical/templatetags/patient_rows.py): the same HTML the template's loop wrote, with and without
a state left, a person or a reason, whatever a name or a reason holds, in two zones."""

from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from accounts.models import User
from clinical.models import Appointment, AppointmentStatus, PatientState, PatientStateChange
from hms import rbac
from tests.factories import AppointmentFactory, DoctorFactory, PatientFactory

# The loop the tag replaced, as it was (templates/clinical/patient_chart.html, "state-history").
LOOP = (
    "{% for change in history %}\n"
    '        <li class="py-1 border-bottom">{{ change.at|date:"d M Y H:i" }} · {% if'
    " change.from_state %}{{ change.get_from_state_display }} → {% endif %}<strong>{{"
    " change.get_to_state_display }}</strong>{% if change.by %} by {{ change.by }}{% endif %}{%"
    " if change.reason %} · {{ change.reason }}{% endif %}</li>\n"
    "        {% endfor %}"
)
OURS = "{% load patient_rows %}{% state_history_items history %}"


def _history() -> list[PatientStateChange]:
    people = [
        None,
        User(username="grace", first_name="Grace <b>", last_name='O\'Brien & "co"'),
        User(username="plain.username"),
    ]
    states = PatientState.values
    start = datetime(2026, 11, 30, 22, 15, tzinfo=UTC)  # Tuesday already in Nairobi
    return [
        PatientStateChange(
            from_state="" if n % 4 == 0 else states[(n + 1) % len(states)],
            to_state=states[n % len(states)],
            at=start - timedelta(days=n * 40, hours=n),
            by=people[n % 3],
            reason=["", 'Moved to "Kisumu" <clinic> & back'][n % 2],
        )
        for n in range(12)
    ]


@pytest.mark.parametrize("zone", ["UTC", "Africa/Nairobi"])
@pytest.mark.parametrize("language", ["en-gb", "fr"])
def test_the_state_history_is_the_html_the_loop_wrote(zone, language):
    context = {"history": _history()}
    with timezone.override(zone), translation.override(language):
        assert Template(OURS).render(Context(context)) == Template(LOOP).render(Context(context))
    assert Template(OURS).render(Context({"history": []})) == ""


# The chart's appointments' loop, as it was (templates/clinical/patient_chart.html).
APPOINTMENTS = (
    "{% load ages appointment_marks %}{% for appointment in appointments %}\n"
    '        <li class="list-group-item d-flex justify-content-between"><a href="{% url'
    " 'appointment_detail' appointment.pk %}\">{% if user.is_patient %}{{"
    ' appointment.starts_at|in_words }}{% else %}{{ appointment.starts_at|date:"D d M Y H:i" }}{%'
    " endif %} · {{ appointment.doctor }}</a>{% appointment_status appointment"
    " for_patient=user.is_patient %}</li>\n"
    "        {% endfor %}"
)
APPOINTMENTS_OURS = (
    "{% load appointment_marks %}{% chart_appointment_items appointments user.is_patient %}"
)


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["UTC", "Africa/Nairobi"])
@pytest.mark.parametrize("role", ["doctor", "patient"])
def test_the_appointments_are_the_html_the_loop_wrote(zone, role):
    doctor = DoctorFactory(first_name="Amina <i>", last_name='O\'Neil & "Jr"')
    patient = PatientFactory()
    start = datetime(2026, 11, 30, 20, 30, tzinfo=UTC)
    for n, status in enumerate(AppointmentStatus.values * 2):
        AppointmentFactory(
            doctor=doctor,
            patient=patient,
            starts_at=start - timedelta(days=n, hours=3 * n),
            status=status,
        )
    appointments = list(
        Appointment.objects.select_related("patient", "doctor").order_by("-starts_at")
    )
    user = User(username="u", role=rbac.PATIENT if role == "patient" else rbac.DOCTOR)
    context = {"appointments": appointments, "user": user}
    with timezone.override(zone):
        assert Template(APPOINTMENTS_OURS).render(Context(context)) == Template(
            APPOINTMENTS
        ).render(Context(context))
