"""The appointments list's rows, its doctor picker and every appointment's status badge are
written out in Python (clinical/templatetags/appointment_marks.py): the same HTML the templates
wrote, whatever a reason or a name holds."""

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone

from clinical.models import Appointment, AppointmentStatus
from tests.factories import AppointmentFactory, DoctorFactory, PatientFactory

pytestmark = pytest.mark.django_db

# The templates these tags replaced, as they were (with "In consultation" since issue 19).
BADGE = (
    "<span class=\"badge {% if status == 'checked_in' %}text-bg-warning{% elif status == "
    "'in_consultation' %}text-bg-primary{% elif status == "
    "'completed' %}text-bg-success{% elif status == 'cancelled' %}text-bg-secondary{% elif "
    "status == 'no_show' %}text-bg-dark{% else %}text-bg-info{% endif %}\" "
    'data-testid="appointment-status">{{ label }}</span>'
)
ROWS = (
    "{% for appointment in appointments %}\n"
    "  <tr>\n"
    '    <td class="text-nowrap"><a href="{% url \'appointment_detail\' appointment.pk %}">'
    '{{ appointment.starts_at|time:"H:i" }}</a></td>\n'
    "    <td>{{ appointment.patient.full_name }}</td>\n"
    "    <td>{{ appointment.patient.mrn }}</td>\n"
    "    <td>{{ appointment.doctor }}</td>\n"
    '    <td>{{ appointment.reason|default:"—" }}</td>\n'
    "    <td>{% with status=appointment.status label=appointment.get_status_display %}"
    + BADGE
    + "{% endwith %}</td>\n"
    "  </tr>\n"
    "  {% empty %}\n"
    '  <tr><td colspan="6" class="text-body-secondary">No appointments on this day.</td></tr>\n'
    "  {% endfor %}"
)
OPTIONS = (
    '{% for d in doctors %}<option value="{{ d.pk }}"{% if d.pk|stringformat:"s" == doctor_id %}'
    " selected{% endif %}>{{ d }}</option>{% endfor %}"
)


def _squeezed(html: str) -> str:
    return " ".join(html.split())


def _render(source: str, **context) -> str:
    return Template("{% load appointment_marks %}" + source).render(Context(context))


def test_the_rows_and_badges_are_the_html_the_templates_wrote():
    doctor = DoctorFactory(first_name="Amina", last_name="O'Neil <Jr>")
    start = timezone.now().replace(microsecond=0) + timedelta(days=1)
    for n, status in enumerate(AppointmentStatus.values):
        AppointmentFactory(
            doctor=doctor,
            patient=PatientFactory(first_name="Zoé", last_name=f"Ng'ang'a & {n}"),
            starts_at=start + timedelta(minutes=30 * n),
            status=status,
            reason="" if n % 2 else 'Cough "3 weeks" <b>',
        )
    appointments = Appointment.objects.select_related("patient", "doctor").order_by("starts_at")

    assert _squeezed(_render("{% appointment_rows appointments %}", appointments=appointments)) == (
        _squeezed(_render(ROWS, appointments=appointments))
    )
    assert _render("{% appointment_rows appointments %}", appointments=[]) == _squeezed(
        _render(ROWS, appointments=[])
    )
    for appointment in appointments:
        assert _render("{% appointment_status a %}", a=appointment) == _render(
            BADGE, status=appointment.status, label=appointment.get_status_display()
        )


def test_the_doctor_picker_marks_the_chosen_doctor():
    doctors = [DoctorFactory(first_name="Otieno"), DoctorFactory(last_name="<Wambui>")]
    for chosen in ["", str(doctors[1].pk), "x"]:
        ours = _render("{% doctor_options doctors doctor_id %}", doctors=doctors, doctor_id=chosen)
        assert ours == _render(OPTIONS, doctors=doctors, doctor_id=chosen)
    assert ours.count("selected") == 0


STATUS_OPTIONS = (
    '{% for value, label in statuses %}<option value="{{ value }}"{% if value == status %}'
    " selected{% endif %}>{{ label }}</option>{% endfor %}"
)


def test_the_status_picker_is_the_loop_it_replaced():
    statuses = [*AppointmentStatus.choices, ('<b>"x"&', "<i>Odd & 'new'</i>")]
    for chosen in ["", "booked", "cancelled", '<b>"x"&', "nothing"]:
        ours = _render("{% status_options statuses status %}", statuses=statuses, status=chosen)

        assert ours == _render(STATUS_OPTIONS, statuses=statuses, status=chosen)
