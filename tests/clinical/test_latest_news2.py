"""The banner's NEWS2 line (clinical/_latest_news2.html) is written in Python
(`{% latest_news2 %}`, clinical/templatetags/news2_marks.py): the same HTML the template wrote, for
each reading measured or not, every oxygen and ACVPU answer, with and without the readings, for a
viewer who records vitals and one who does not, in two time zones and two languages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from clinical.models import Vitals
from clinical.news2 import News2
from tests.factories import PatientFactory
from tests.vitals_sets import NOW, STEADY_SET

pytestmark = pytest.mark.django_db

# The template as it was, its comment's line left out (the line end after it is the file's).
OLD = (
    '{% if latest %}<span class="ms-1" data-testid="banner-news2">{% include'
    ' "clinical/_news2_badge.html" with score=latest.news2 %} <span class="small'
    ' text-body-secondary">at {{ latest.record.recorded_at|date:"d M H:i" }}</span></span>{% if'
    " detail %}{% with v=latest.record %}\n"
    '<div class="small mt-1" data-testid="latest-vitals">Latest vitals: {% if v.temperature_c is'
    " not None %}T {{ v.temperature_c }} °C · {% endif %}{% if v.pulse is not None %}P {{ v.pulse"
    " }} · {% endif %}{% if v.systolic is not None %}BP {{ v.systolic }}/{{ v.diastolic }} · {%"
    " endif %}{% if v.respiratory_rate is not None %}RR {{ v.respiratory_rate }} · {% endif %}{%"
    " if v.spo2 is not None %}SpO₂ {{ v.spo2 }}%{% if v.spo2_scale == 2 %} (scale 2){% endif %}"
    ' · {% endif %}{{ v.get_on_oxygen_display|default:"air/O₂ not recorded" }} · {{'
    ' v.get_consciousness_display|default:"ACVPU not recorded" }}{% if user|can:"vitals.record"'
    " %} · <a href=\"{% url 'patient_vitals' v.patient_id %}\">all vitals</a>{% endif %}</div>{%"
    ' endwith %}{% endif %}{% elif detail %}<div class="small mt-1 text-body-secondary"'
    ' data-testid="latest-vitals">No vitals recorded yet{% if user|can:"vitals.record" %} · <a'
    " href=\"{% url 'patient_vitals' patient.pk %}\">record vitals</a>{% endif %}</div>{% endif"
    " %}"
)

# Every reading left out once, oxygen and ACVPU unknown, scale 2, odd decimals.
READINGS = [
    {},
    {"temperature_c": None},
    {"pulse": None, "spo2_scale": 2},
    {"systolic": None, "diastolic": None},
    {"respiratory_rate": None, "on_oxygen": True, "consciousness": "V"},
    {"spo2": None, "on_oxygen": None, "consciousness": ""},
    {"temperature_c": Decimal("39.05"), "consciousness": "U"},
    dict.fromkeys(["temperature_c", "pulse", "systolic", "diastolic", "respiratory_rate"])
    | {"spo2": None, "on_oxygen": None, "consciousness": ""},
]


def _render(source: str, context: dict) -> str:
    return Template("{% load rbac_tags %}" + source).render(Context(context))


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("zone", ["UTC", "Africa/Nairobi"])
@pytest.mark.parametrize("readings", READINGS, ids=str)
def test_the_line_is_the_html_the_template_wrote(staff, readings, zone, language):
    patient = PatientFactory(first_name="<script>", last_name="Ng'ang'a & Sons")
    record = Vitals(
        patient=patient,
        recorded_by=staff.nurse,
        recorded_at=NOW - timedelta(hours=3, minutes=7),
        **(STEADY_SET | readings),
    )
    scores = [News2(score=0, red_parameter=False, parameters=7, complete_score=None), None]
    latests = [{"record": record, "news2": news2} for news2 in scores] + [None]

    with timezone.override(zone), translation.override(language):
        for latest in latests:
            for detail in [False, True]:
                for user in [staff.doctor, staff.receptionist]:
                    context = {"latest": latest, "detail": detail, "user": user}
                    context["patient"] = patient
                    new = _render('{% include "clinical/_latest_news2.html" %}', context)

                    assert new == "\n" + _render(OLD, context) + "\n"
