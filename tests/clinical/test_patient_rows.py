"""The patient list's rows and the lifecycle badge are written out in Python
(clinical/templatetags/patient_rows.py): the same HTML the templates wrote, for every state,
document, phone and name (markup in a name shown as text), for each place a search leads (the
chart, booking, admitting to a bed); and the patient list still shows them."""

import re
import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.urls import reverse

from clinical.models import IdentityDocument, Patient, PatientState
from clinical.templatetags.patient_rows import (
    latest_registration_rows,
    patient_result_rows,
    state_badge,
)

# The templates the tags replaced, as they were (templates/clinical/_state_badge.html and the
# two loops of templates/clinical/patient_list.html).
BADGE = (
    "<span class=\"badge fs-6 {% if state == 'admitted' %}text-bg-danger{% elif state =="
    " 'under_treatment' %}text-bg-warning{% elif state == 'appointment_scheduled' %}text-bg-info"
    "{% elif state == 'archived' %}text-bg-secondary{% elif state == 'discharged' %}"
    'text-bg-success{% else %}text-bg-primary{% endif %}" data-testid="patient-state">{{ label }}'
    "</span>"
)
RESULTS = Template(
    "{% for patient in results %}"
    '<a class="list-group-item list-group-item-action py-3 d-flex justify-content-between'
    " align-items-center\" href=\"{% if pick == 'book' %}{% url 'appointment_book' %}?patient="
    "{{ patient.pk }}{% elif pick|slice:':5' == 'admit' %}{% url 'admission_new' %}?patient="
    "{{ patient.pk }}&amp;bed={{ pick|slice:'6:' }}{% else %}{% url 'patient_chart' patient.pk %}"
    '{% endif %}" data-testid="patient-result">'
    '<span><strong>{{ patient.full_name }}</strong> <span class="text-body-secondary">· MRN '
    '{{ patient.mrn }} · born {{ patient.date_of_birth|date:"d M Y" }} · {{ patient.phone|phone }}'
    "{% if patient.id_number %} · {{ patient.get_id_type_display }} {{ patient.id_number }}"
    "{% endif %}</span></span>"
    "{% with state=patient.state label=patient.get_state_display %}" + BADGE + "{% endwith %}"
    "</a>"
    "{% empty %}"
    '<div class="list-group-item text-body-secondary py-3">{% if query %}No patient matches'
    " “{{ query }}”.{% else %}Type a name, an MRN or a phone number.{% endif %}</div>"
    "{% endfor %}"
)
LATEST = Template(
    "{% for patient in page %}"
    "<tr><td>{{ patient.mrn }}</td>"
    "<td><a href=\"{% url 'patient_chart' patient.pk %}\">{{ patient.full_name }}</a></td>"
    '<td>{{ patient.date_of_birth|date:"d M Y" }}</td>'
    '<td class="text-nowrap">{{ patient.phone|phone }}</td>'
    "<td>{% with state=patient.state label=patient.get_state_display %}" + BADGE + "{% endwith %}"
    '</td><td class="text-end text-nowrap">{{ patient.registered_at|date:"d M Y H:i" }}</td></tr>'
    "{% empty %}"
    '<tr><td colspan="6" class="text-body-secondary">No patients registered yet.</td></tr>'
    "{% endfor %}"
)
NAIROBI = ZoneInfo("Africa/Nairobi")


def _same(html: str) -> str:
    """Whitespace between tags dropped and runs of it made one space (as a browser shows it)."""
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", str(html))).strip()


def _patients() -> list[Patient]:
    """One patient in each state, with each kind of phone and document, awkward names among
    them (not saved: the rows read only the fields)."""
    phones = ["+254712100003", "+442079460000", "0712 100", "", "+254202345678", "+254712100004"]
    documents = [
        (IdentityDocument.NATIONAL_ID, "12345678"),
        ("", ""),
        (IdentityDocument.PASSPORT, "A1234567"),
        (IdentityDocument.ALIEN_ID, "<b>9</b>"),
        (IdentityDocument.BIRTH_CERTIFICATE, "BC-1"),
        ("", ""),
    ]
    names = [
        ("Zawadi", "Mwangi"),
        ("Achieng <b>", "O'Neil & Co"),
        ('"Jo"', "Kamau"),
        ("Wanjiru", "Njeri-Otieno"),
        ("Émile", "Ochieng"),
        ("Baraka", "Kiprono"),
    ]
    states = [state for state, _label in PatientState.choices]
    return [
        Patient(
            pk=uuid.UUID(int=0xABC0 + n),
            mrn=f"00{n:04d}",
            first_name=first,
            last_name=last,
            date_of_birth=None if n == 3 else date(1980 + n, n + 1, 10 + n),
            phone=phones[n % len(phones)],
            id_type=documents[n % len(documents)][0],
            id_number=documents[n % len(documents)][1],
            state=states[n % len(states)],
            # 21:30 UTC is the next day in Nairobi: the zone is the hospital's.
            registered_at=datetime(2026, 11, 20 + n, 21, 30, tzinfo=ZoneInfo("UTC")),
        )
        for n, (first, last) in enumerate(names)
    ]


@pytest.mark.parametrize("pick", ["", "book", "admit-12", 'admit-<&">', "other"])
def test_search_results_are_written_as_the_template_wrote_them(pick, settings):
    settings.TIME_ZONE = "Africa/Nairobi"
    patients = _patients()
    context = {"results": patients, "pick": pick, "query": "kam"}

    assert _same(patient_result_rows(patients, pick, "kam")) == _same(
        RESULTS.render(Context(context))
    )


@pytest.mark.parametrize("query", ["", "kam<script>'&"])
def test_no_match_says_so_as_the_template_did(query):
    context = {"results": [], "pick": "", "query": query}

    assert _same(patient_result_rows([], "", query)) == _same(RESULTS.render(Context(context)))


def test_the_latest_registrations_are_written_as_the_template_wrote_them(settings):
    settings.TIME_ZONE = "Africa/Nairobi"
    for page in (_patients(), []):
        assert _same(latest_registration_rows(page)) == _same(
            LATEST.render(Context({"page": page}))
        )


def test_every_state_has_the_badge_the_template_gave_it():
    for patient in _patients():
        context = {"state": patient.state, "label": patient.get_state_display()}
        assert _same(state_badge(patient)) == _same(Template(BADGE).render(Context(context)))


def test_the_patient_list_shows_the_latest_registrations_and_the_matches(client_for, staff):
    from tests.factories import PatientFactory

    kamau = PatientFactory(first_name="Peter", last_name="Kamau", id_type="", id_number="")
    desk = client_for(staff.receptionist)

    listed = desk.get(reverse("patient_list")).content.decode()
    found = desk.get(reverse("patient_list"), {"q": "kamau", "pick": "book"}).content.decode()

    chart = reverse("patient_chart", args=[kamau.pk])
    assert f'<td><a href="{chart}">Peter Kamau</a></td>' in listed
    assert 'data-testid="patient-state">Registered</span>' in listed
    assert f'href="{reverse("appointment_book")}?patient={kamau.pk}"' in found
    assert f"MRN {kamau.mrn}" in found
