"""The doctor's today is read by two prepared queries (clinical.selectors.doctor_day) and its
rows written out in Python (`{% today_rows %}`, clinical/templatetags/appointment_marks.py, with
`news2_badge` of clinical/templatetags/news2_marks.py): the same appointments and NEWS2 the view
read before, and the same HTML the template's loop wrote, whatever a name or a reason holds."""

from datetime import timedelta

import pytest
import time_machine
from django.template import Context, Template
from django.utils import timezone

from clinical import selectors
from clinical.models import AppointmentStatus, Vitals
from clinical.news2 import News2
from clinical.templatetags.news2_marks import news2_badge
from tests.factories import AppointmentFactory, DoctorFactory, PatientFactory
from tests.vitals_sets import NAIROBI, NOW, STEADY_SET

pytestmark = pytest.mark.django_db

# The loop the tag replaced, as it was (templates/clinical/doctor_today.html); the badge is the
# live include, so a change to it shows here.
LOOP = (
    "{% load appointment_marks %}{% for appointment in today %}\n"
    '    <a class="list-group-item list-group-item-action py-3 d-flex justify-content-between'
    " align-items-center{% if appointment.status == 'checked_in' %} list-group-item-warning{%"
    " elif appointment.status == 'in_consultation' %} list-group-item-primary{% endif %}\""
    ' data-testid="today-appointment" href="{% url \'appointment_detail\' appointment.pk %}">\n'
    '      <span><strong class="me-2">{{ appointment.starts_at|time:"H:i" }}</strong>{{'
    ' appointment.patient.full_name }} <span class="text-body-secondary">· MRN {{'
    " appointment.patient.mrn }}{% if appointment.reason %} · {{ appointment.reason }}{% endif"
    " %}</span></span>\n"
    '      <span class="d-flex align-items-center gap-2">{% if appointment.latest %}{% include'
    ' "clinical/_news2_badge.html" with score=appointment.latest.news2 %}{% endif %}{%'
    " appointment_status appointment %}</span>\n"
    "    </a>\n"
    "    {% empty %}\n"
    '    <div class="list-group-item text-body-secondary py-3">No appointments today.</div>\n'
    "    {% endfor %}"
)
# The badge as it was (templates/clinical/_news2_badge.html, its comment left out).
BADGE = (
    "{% if score %}<span><span class=\"badge text-nowrap {% if score.risk == 'high' %}"
    "text-bg-danger{% elif score.risk == 'medium' %}text-bg-warning{% elif score.risk =="
    " 'low-medium' %}bg-warning-subtle text-warning-emphasis border border-warning{% elif"
    " score.score %}bg-success-subtle text-success-emphasis border border-success{% else"
    ' %}text-bg-light border{% endif %}{% if big %} fs-5{% endif %}" data-testid="news2"'
    ' data-risk="{{ score.risk }}" title="NEWS2 {{ score.score }}: {{ score.risk }} clinical'
    " risk, observations {{ score.frequency }}{% if not score.complete %}; incomplete: the latest"
    " set holds {{ score.parameters }} of 7 parameters, so the score is at least this{% if"
    " score.complete_score is not None %} and never below the last complete set's {{"
    ' score.complete_score }}{% endif %}{% endif %}">NEWS2 {% if score.at_least %}≥ {% endif'
    " %}{{ score.score }}</span> <span class=\"small{% if score.risk == 'high' %} text-danger"
    ' fw-semibold{% else %} text-body-secondary{% endif %}" data-testid="news2-band"><span'
    ' class="text-nowrap">{{ score.risk }}{% if not score.complete %} or higher</span> · <span'
    ' class="text-nowrap">incomplete ({{ score.parameters }} of 7){% endif %}</span></span>'
    "</span>{% endif %}"
)


def score(total: int, *, red: bool = False, parameters: int = 7, complete_score=None) -> News2:
    return News2(
        score=total, red_parameter=red, parameters=parameters, complete_score=complete_score
    )


# Every band, complete and not, raised to a complete set's score or not.
SCORES = [
    score(0),
    score(0, parameters=4),
    score(2),
    score(3, red=True),
    score(5),
    score(6, parameters=5, complete_score=6),
    score(7),
    score(9, red=True, parameters=6),
    score(2, parameters=5, complete_score=1),
]


@pytest.mark.parametrize("big", [False, True])
@pytest.mark.parametrize("news2", [*SCORES, None], ids=str)
def test_the_news2_badge_is_the_templates(news2, big):
    context = Context({"score": news2, "big": big})

    assert news2_badge(news2, big=big) == Template(BADGE).render(context)
    # The file as it is now: its comment's line and its last line's end around the badge.
    assert "\n" + news2_badge(news2, big=big) + "\n" == Template(
        '{% include "clinical/_news2_badge.html" %}'
    ).render(context)


def _render(source: str, today) -> str:
    return Template(source).render(Context({"today": today}))


@pytest.mark.parametrize("zone", ["UTC", "Africa/Nairobi"])
def test_the_rows_are_the_html_the_loop_wrote(zone):
    doctor = DoctorFactory()
    start = timezone.now().replace(microsecond=0) + timedelta(days=1)
    today = []
    for n, status in enumerate(AppointmentStatus.values * 2):
        appointment = AppointmentFactory(
            doctor=doctor,
            patient=PatientFactory(first_name="Zoé <b>", last_name=f"Ng'ang'a & \"{n}\""),
            starts_at=start + timedelta(minutes=50 * n),
            status=status,
            reason="" if n % 3 == 0 else f'Cough "3 weeks" <b>{n}</b> & more',
        )
        if n % 4:  # some with the patient's NEWS2, some without (the desk's view)
            appointment.latest = {"record": None, "news2": SCORES[n % len(SCORES)]}
        today.append(appointment)

    with timezone.override(zone):
        assert _render("{% load appointment_marks %}{% today_rows today %}", today) == _render(
            LOOP, today
        )
        assert _render("{% load appointment_marks %}{% today_rows today %}", []) == _render(
            LOOP, []
        )


def _vitals(patient, doctor, *, hours_ago: float, **readings) -> Vitals:
    return Vitals.objects.create(
        patient=patient,
        recorded_by=doctor,
        recorded_at=NOW - timedelta(hours=hours_ago),
        **(STEADY_SET | readings),
    )


def test_the_days_appointments_and_news2_are_what_the_view_read_before():
    """doctor_day against the queryset the view ran and latest_observations of its patients."""
    doctor, other = DoctorFactory(), DoctorFactory()
    with time_machine.travel(NOW, tick=False), timezone.override(NAIROBI):
        day = timezone.localdate()
        midnight = timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time()))
        patients = [PatientFactory(first_name=f"P{n}") for n in range(7)]
        # 0: complete, steady. 1: an incomplete latest over a complete one with a higher score.
        _vitals(patients[0], doctor, hours_ago=3)
        _vitals(patients[1], doctor, hours_ago=6, pulse=135, respiratory_rate=26)
        _vitals(patients[1], doctor, hours_ago=2, spo2=None, consciousness="")
        # 2: incomplete only. 3: a set older than a day only. 4: none.
        _vitals(patients[2], doctor, hours_ago=1, systolic=None, pulse=120)
        _vitals(patients[3], doctor, hours_ago=30, pulse=130)
        # 5: a weight alone (no scored set) after a complete one; 6: two complete sets.
        _vitals(patients[5], doctor, hours_ago=4, pulse=95)
        Vitals.objects.create(
            patient=patients[5],
            recorded_by=doctor,
            recorded_at=NOW - timedelta(hours=1),
            weight_kg=70,
        )
        _vitals(patients[6], doctor, hours_ago=10, pulse=131)
        _vitals(patients[6], doctor, hours_ago=5)
        times = [midnight + timedelta(hours=h) for h in (0, 8, 9, 10, 11, 12, 23.7, 24)]
        for n, patient in enumerate(patients):
            AppointmentFactory(doctor=doctor, patient=patient, starts_at=times[n])
        AppointmentFactory(doctor=doctor, patient=patients[0], starts_at=times[7])  # tomorrow
        AppointmentFactory(doctor=other, patient=patients[1], starts_at=times[2])
        AppointmentFactory(
            doctor=doctor,
            patient=patients[2],
            starts_at=times[3] + timedelta(minutes=30),
            status=AppointmentStatus.CANCELLED,
        )
        AppointmentFactory(  # yesterday's last slot
            doctor=doctor, patient=patients[3], starts_at=midnight - timedelta(minutes=20)
        )
        since = timezone.now() - timedelta(hours=24)

        before = list(
            selectors.Appointment.objects.filter(
                doctor=doctor, starts_at__gte=midnight, starts_at__lt=midnight + timedelta(days=1)
            )
            .exclude(status=AppointmentStatus.CANCELLED)
            .select_related("patient")
            .order_by("starts_at")
        )
        expected = selectors.latest_observations({a.patient_id for a in before}, since=since)
        plain = selectors.doctor_day(doctor, day)
        observed = selectors.doctor_day(doctor, day, observed_since=since)

    assert [a.pk for a in plain] == [a.pk for a in observed] == [a.pk for a in before]
    assert len(before) == 7
    assert all(not hasattr(a, "latest") for a in plain)
    for appointment in observed:
        assert appointment.patient.pk == appointment.patient_id
        assert appointment.latest == expected.get(appointment.patient_id)
    assert [bool(a.latest) for a in observed] == [True, True, True, False, False, True, True]
    assert observed[1].latest["news2"].complete_score is not None  # raised to the complete set


def test_an_empty_day_asks_no_vitals(django_assert_num_queries):
    doctor = DoctorFactory()
    with django_assert_num_queries(1):
        assert selectors.doctor_day(doctor, timezone.localdate(), observed_since=NOW) == []
