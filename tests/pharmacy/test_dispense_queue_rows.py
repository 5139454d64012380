"""The dispensing queue's rows and the allergy line are written out in Python
(pharmacy/templatetags/pharmacy_rows.py `{% dispense_queue_rows %}`, clinical/templatetags/
allergies.py `allergy_line_html`): the same HTML the templates wrote, for an outpatient and an
inpatient, a prescription part-given, every kind of allergy line (allergies with and without
severity and reaction, a registration note, none known, not recorded), whatever the names hold."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.template import Context, Template
from django.utils import timezone
from django.utils.safestring import mark_safe

from clinical.models import Allergy, AllergySeverity
from pharmacy import dispensing_selectors
from pharmacy.templatetags.pharmacy_rows import dispense_queue_rows
from tests.factories import AdmissionFactory, BedFactory, PatientFactory, WardFactory
from tests.pharmacy.rx import prescribed, stocked

pytestmark = pytest.mark.django_db

# The templates the tags replaced, as they were: the queue's loop
# (templates/pharmacy/dispensing/queue.html), clinical/_allergy_line.html and
# clinical/_allergy_words.html.
WORDS = (
    "{{ allergy.name }}{% if allergy.severity_words or allergy.reaction %}"
    " ({{ allergy.severity_words }}{% if allergy.severity_words and allergy.reaction %}: "
    "{% endif %}{{ allergy.reaction }}){% endif %}"
)
LINE = (
    "{% if allergies or note %}"
    '<span class="d-block text-danger fw-semibold" data-testid="allergy-line"><i class="bi'
    ' bi-exclamation-octagon-fill" aria-hidden="true"></i> Allergies: {% for allergy in allergies %}'
    + WORDS
    + "{% if not forloop.last or note %}; {% endif %}{% endfor %}{% if note %}noted at"
    " registration: {{ note }}{% endif %}</span>{% elif none_known %}"
    '<span class="d-block text-success-emphasis" data-testid="allergy-line"><i class="bi'
    ' bi-shield-check" aria-hidden="true"></i> No known allergies</span>{% else %}'
    '<span class="d-block text-warning-emphasis fw-semibold" data-testid="allergy-line"><i'
    ' class="bi bi-question-octagon-fill" aria-hidden="true"></i> Allergies not recorded: ask the'
    " patient</span>{% endif %}"
)
ROWS = Template(
    "{% load pharmacy_units %}{% for rx in rows %}"
    '<a class="list-group-item list-group-item-action py-3 d-flex flex-wrap'
    ' justify-content-between align-items-center gap-2" href="{% url \'dispense_new\' rx.pk %}"'
    ' data-testid="queue-row"><span>'
    "<strong>{{ rx.formulary_item.name }}</strong> · {{ rx.dose }} {{ rx.frequency }} for"
    " {{ rx.duration }}<br>"
    '<span class="badge text-bg-dark">MRN {{ rx.patient.mrn }}</span> {{ rx.patient.full_name }}'
    ' {% if rx.ward_name %}<span class="badge text-bg-info" data-testid="inpatient">Inpatient ·'
    " {{ rx.ward_name }}, bed {{ rx.bed_number }}</span>{% endif %}"
    ' <span class="text-body-secondary small">· Dr {{ rx.doctor.get_full_name|default:rx.doctor }}'
    " · {{ rx.created_at|ago }}</span> "
    "{{ rx.old_allergy_line }}"
    '</span><span class="d-flex align-items-center gap-2">'
    '{% if rx.dispensed_quantity %}<span class="badge text-bg-warning fs-6" data-testid="left">'
    "{{ rx.to_dispense }} of {{ rx.quantity }} left</span>{% else %}"
    '<span class="badge text-bg-secondary fs-6">'
    "{{ rx.quantity|units:rx.formulary_item.dispensing_unit }}</span>{% endif %}"
    '<span class="btn btn-outline-primary btn-lg">Dispense <i class="bi bi-chevron-right"'
    ' aria-hidden="true"></i></span></span></a>'
    '{% empty %}<div class="list-group-item text-body-secondary py-3" data-testid="queue-empty">'
    "Nothing waiting.</div>{% endfor %}"
)


def _old_allergy_line(patient) -> str:
    """The allergy line as the inclusion tag rendered it (its context, then LINE)."""
    allergies = list(patient.current_allergies)
    context = {
        "allergies": allergies,
        "note": (patient.allergies or "").strip(),
        "none_known": patient.no_known_allergies_at is not None and not allergies,
    }
    return mark_safe(Template(LINE).render(Context(context)))  # noqa: S308 (rendered, escaped)


def _same(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", str(html))).strip()


def _allergy(patient, allergen_class: str, severity: str, reaction: str, allergen: str = ""):
    Allergy.objects.create(
        patient=patient,
        allergen_class=allergen_class,
        allergen=allergen,
        severity=severity,
        reaction=reaction,
        recorded_at=timezone.now(),
    )


def _queue() -> list:
    """Five prescriptions waiting, one for each kind of allergy line; one part-given, one for
    an inpatient; markup in the names, notes and reactions."""
    item, _ = stocked(units=(200,))
    allergic = PatientFactory(first_name="Achieng <b>", last_name="O'Neil & Co")
    _allergy(allergic, "penicillins", AllergySeverity.SEVERE, "hives <wheals>")
    _allergy(allergic, "other", AllergySeverity.UNKNOWN, "", allergen='Latex "gloves"')
    _allergy(allergic, "nsaids", AllergySeverity.MILD, "")
    noted = PatientFactory(allergies="  eggs & <nuts>  ")
    _allergy(noted, "opioids", AllergySeverity.UNKNOWN, "itch")
    note_only = PatientFactory(allergies="shellfish")
    none_known = PatientFactory(no_known_allergies_at=timezone.now())
    not_recorded = PatientFactory()
    AdmissionFactory(
        patient=none_known, bed=BedFactory(ward=WardFactory(name="Ward <A> & B"), number="7")
    )
    for patient in (allergic, noted, note_only, none_known, not_recorded):
        prescribed(item, 10, patient=patient)
    part = prescribed(item, 12, patient=not_recorded)
    part.dispensed_quantity = 5
    part.save(update_fields=["dispensed_quantity"])
    return list(dispensing_selectors.queue())


def test_the_queue_rows_are_the_html_the_templates_wrote():
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        rows = _queue()
        ours = dispense_queue_rows(rows)
        for rx in rows:
            rx.old_allergy_line = _old_allergy_line(rx.patient)
        theirs = ROWS.render(Context({"rows": rows}))

    assert len(rows) == 6
    assert ours.count('data-testid="allergy-line"') == 6
    assert 'data-testid="inpatient"' in ours
    assert _same(ours) == _same(theirs)


def test_an_empty_queue_says_so_as_the_template_did():
    assert _same(dispense_queue_rows([])) == _same(ROWS.render(Context({"rows": []})))


def test_the_first_page_compiled_once_is_the_queues_first_page_with_its_allergies():
    rows = _queue()
    allergic = rows[0].patient
    removed = Allergy.objects.create(
        patient=allergic,
        allergen_class="opioids",
        severity=AllergySeverity.SEVERE,
        reaction="struck off",
        recorded_at=timezone.now(),
        removed_at=timezone.now(),
    )
    rows = list(dispensing_selectors.queue())

    first = dispensing_selectors.queue_first_rows()

    assert [rx.pk for rx in first] == [rx.pk for rx in rows]
    assert [(rx.ward_name, rx.bed_number) for rx in first] == [
        (rx.ward_name, rx.bed_number) for rx in rows
    ]
    assert [[a.pk for a in rx.patient.current_allergies] for rx in first] == [
        [a.pk for a in rx.patient.current_allergies] for rx in rows
    ]
    assert len(first[0].patient.current_allergies) == 3
    assert removed.pk not in [a.pk for rx in first for a in rx.patient.current_allergies]
    assert dispense_queue_rows(first) == dispense_queue_rows(rows)
