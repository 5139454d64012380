"""Diagnoses from the WHO ICD-10 list (issue 19, item 7): the consultation's diagnosis box
searches the list by words or code as the doctor types, a pick fills the code and its title, the
diagnosis stays free text, and a code the WHO list does not have is refused beside the field."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from clinical import icd10, services
from clinical.models import Encounter
from hms.models import AuditEntry
from tests.factories import DoctorScheduleFactory

NAIROBI = ZoneInfo("Africa/Nairobi")
MONDAY = date(2026, 11, 23)
MADE_UP = "J45.7"  # shaped like a code; asthma stops at J45.0, .1, .8, .9


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(MONDAY, time(hour, minute), tzinfo=NAIROBI)


# --- The list and its search ---------------------------------------------------------------


def codes(found: icd10.Found) -> list[str]:
    return [diagnosis.code for diagnosis in found.diagnoses]


def test_searching_malaria_finds_the_malarias():
    found = icd10.search("malaria")

    assert {"B54", "B50.9"} <= set(codes(found))
    assert icd10.diagnosis_of("B54").title == "Unspecified malaria"
    assert icd10.diagnosis_of("B50.9").title == "Plasmodium falciparum malaria, unspecified"


def test_searching_a_code_finds_what_is_under_it_in_order():
    found = icd10.search("J45")

    assert codes(found) == ["J45", "J45.0", "J45.1", "J45.8", "J45.9"]
    assert found.diagnoses[0].title == "Asthma"
    assert codes(icd10.search("j459")) == ["J45.9"]  # any case, the dot left out


@pytest.mark.parametrize(
    ("typed", "expected_first"),
    [
        ("asthma", "J45"),  # a title that begins with the word comes first
        ("Asthma, UNSPEC", "J45.9"),  # every word narrows, case and commas ignored
        ("tuberculosis lung", "A15.0"),
        ("covid", "U07.1"),  # the WHO's emergency-use codes are in the list
    ],
)
def test_searching_words_finds_titles_holding_every_word(typed, expected_first):
    assert codes(icd10.search(typed))[0] == expected_first


@pytest.mark.parametrize("typed", ["", "   ", "a", "zzqx", "%%%"])
def test_a_search_that_cannot_narrow_finds_nothing(typed):
    assert icd10.search(typed).count == 0


def test_a_wide_search_shows_the_first_twenty_and_says_how_many():
    found = icd10.search("fracture")

    assert len(found.diagnoses) == icd10.SHOWN and found.count > 100 and found.cut


def test_a_code_is_checked_against_the_list():
    assert icd10.checked(" b50.9 ") == "B50.9"
    assert icd10.checked("") == ""
    with pytest.raises(icd10.ValidationError, match="not a code of the WHO ICD-10"):
        icd10.checked(MADE_UP)
    with pytest.raises(icd10.ValidationError, match="looks like J45"):
        icd10.checked("asthma")


# --- The consultation ----------------------------------------------------------------------


@pytest.fixture
def consultation(staff, charge_master):
    """Dr Odhiambo's open consultation of Mary, at 09:05 on Monday."""
    with time_machine.travel(at(8), tick=False) as clock:
        DoctorScheduleFactory(doctor=staff.doctor)
        booked = services.appointment_book(
            actor=staff.receptionist, patient=staff.patient, doctor=staff.doctor, starts_at=at(9)
        )
        services.appointment_check_in(actor=staff.receptionist, appointment=booked)
        clock.move_to(at(9, 5))
        yield services.encounter_start(actor=staff.doctor, appointment=booked)


def test_the_service_keeps_a_picked_code_and_the_doctors_own_words(consultation, staff):
    services.encounter_save(
        actor=staff.doctor,
        encounter=consultation,
        fields={"diagnosis": "Severe falciparum malaria, not yet confirmed", "icd10_code": "b509"},
    )

    saved = Encounter.objects.get(pk=consultation.pk)
    assert saved.icd10_code == "B50.9"
    assert saved.diagnosis == "Severe falciparum malaria, not yet confirmed"


def test_the_service_refuses_a_code_not_in_the_who_list(consultation, staff):
    services.encounter_save(
        actor=staff.doctor, encounter=consultation, fields={"diagnosis": "Asthma"}
    )
    audit_rows = AuditEntry.objects.count()

    with pytest.raises(services.ConsultationError, match="J45.7 is not a code") as refused:
        services.encounter_save(
            actor=staff.doctor,
            encounter=consultation,
            fields={"diagnosis": "Asthma, acute", "icd10_code": MADE_UP},
        )

    assert refused.value.field == "icd10_code"
    saved = Encounter.objects.get(pk=consultation.pk)
    assert (saved.diagnosis, saved.icd10_code) == ("Asthma", "")
    assert AuditEntry.objects.count() == audit_rows


def _notes(**fields) -> dict:
    return {"complaints": "Wheeze for two days", "examination": "", "plan": ""} | fields


def test_a_made_up_code_is_refused_beside_the_field_and_what_was_typed_stays(
    consultation, staff, client_for
):
    client = client_for(staff.doctor)

    response = client.post(
        reverse("encounter", args=[consultation.pk]),
        _notes(diagnosis="Acute asthma attack", icd10_code=MADE_UP.lower()),
    )

    assert response.status_code == 200
    page = response.content.decode()
    # Beside the code box: between it and the search list under the boxes, the box marked.
    code_box = page[page.index('id="div_id_icd10_code"') : page.index('id="icd10-pick"')]
    assert "is not a code of the WHO ICD-10 (2019) list" in code_box
    assert "is-invalid" in code_box and 'value="j45.7"' in code_box
    assert 'value="Acute asthma attack"' in page and "Wheeze for two days" in page
    saved = Encounter.objects.get(pk=consultation.pk)
    assert (saved.diagnosis, saved.icd10_code, saved.complaints) == ("", "", "")


def test_a_picked_code_is_saved_from_the_screen(consultation, staff, client_for):
    client = client_for(staff.doctor)

    response = client.post(
        reverse("encounter", args=[consultation.pk]),
        _notes(diagnosis="Unspecified malaria", icd10_code="b54"),
    )

    assert response.status_code == 302
    saved = Encounter.objects.get(pk=consultation.pk)
    assert (saved.diagnosis, saved.icd10_code) == ("Unspecified malaria", "B54")
    page = client.get(reverse("encounter", args=[consultation.pk])).content.decode()
    assert (
        'data-testid="diagnosis-search"' in page
        and 'hx-get="/appointments/consultations/icd10/"' in page
    )
    assert 'id="icd10-pick"' in page and "js/diagnosis.js" in page


def test_the_search_answers_the_diagnosis_box_as_a_list_to_pick_from(
    staff, client_for, django_assert_max_num_queries
):
    client = client_for(staff.doctor)
    url = reverse("icd10_pick")

    # The sign-in's own (session, user, second factor, the session's activity): the list is in
    # memory, read once per process.
    with django_assert_max_num_queries(6):
        malaria = client.get(url, {"diagnosis": "malaria"}).content.decode()
    by_code = client.get(url, {"icd10_code": "J45"}).content.decode()
    nothing = client.get(url, {"diagnosis": "zzqx <b>"}).content.decode()
    empty = client.get(url, {"diagnosis": ""}).content.decode()

    assert 'data-pick-code="B54" data-title="Unspecified malaria"' in malaria
    assert 'data-pick-code="B50.9"' in malaria
    assert 'data-pick-code="J45" data-title="Asthma"' in by_code
    assert 'data-testid="pick-diagnosis-none"' in nothing and "<b>" not in nothing
    assert "pick-diagnosis" not in empty and 'id="icd10-pick"' in empty
