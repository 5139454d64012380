"""Nothing typed into a consultation's notes is lost: a draft kept while typing comes back after a
reload (adding a prescription reloads the page), is taken in by saving or completing, and is the
writer's alone."""

import pytest
from django.urls import reverse
from django.utils import timezone

from clinical import services
from clinical.models import EncounterDraft
from hms import rbac
from hms.models import AuditEntry
from tests.factories import EncounterFactory

COMPLAINTS = "Fever for three days, headache, vomiting twice this morning."


@pytest.fixture
def encounter(make_user):
    return EncounterFactory(doctor=make_user(rbac.DOCTOR), diagnosis="")


def test_the_draft_comes_back_after_adding_a_prescription_reloads_the_page(encounter, client_for):
    client = client_for(encounter.doctor)
    kept = client.post(
        reverse("encounter_draft", args=[encounter.pk]),
        {"complaints": COMPLAINTS, "diagnosis": "Malaria?", "submission": "ignored"},
    )
    assert kept.status_code == 200 and "Unsaved notes kept at" in kept.content.decode()

    client.post(
        reverse("prescription_add", args=[encounter.pk]),
        {
            "drug": "Paracetamol",
            "strength": "500 mg",
            "dose": "2 tablets",
            "route": "oral",
            "frequency": "three times a day",
            "duration": "3 days",
            "outside": "on",
            "quantity": "18",
        },
    )
    page = client.get(reverse("encounter", args=[encounter.pk])).content.decode()

    assert COMPLAINTS in page and 'data-testid="draft-restored"' in page
    encounter.refresh_from_db()
    assert encounter.complaints == ""  # the record is unchanged until the notes are saved


def test_saving_the_notes_takes_the_draft_in(encounter):
    services.encounter_draft_save(
        actor=encounter.doctor, encounter=encounter, fields={"complaints": COMPLAINTS}
    )

    services.encounter_save(
        actor=encounter.doctor, encounter=encounter, fields={"complaints": COMPLAINTS}
    )

    assert not EncounterDraft.objects.exists()
    assert services.encounter_draft_for(encounter.doctor, encounter) is None


def test_completing_saves_the_notes_typed_but_not_saved_audited(encounter, charge_master):
    services.encounter_draft_save(
        actor=encounter.doctor,
        encounter=encounter,
        fields={"complaints": COMPLAINTS, "diagnosis": "Uncomplicated malaria"},
    )

    services.encounter_complete(actor=encounter.doctor, encounter=encounter)

    encounter.refresh_from_db()
    assert (encounter.complaints, encounter.diagnosis) == (COMPLAINTS, "Uncomplicated malaria")
    update = AuditEntry.objects.get(action="encounter.update", object_id=str(encounter.pk))
    assert update.after["complaints"] == COMPLAINTS
    assert not EncounterDraft.objects.exists()


def test_a_draft_equal_to_the_saved_notes_is_stale_and_goes(encounter):
    services.encounter_save(
        actor=encounter.doctor, encounter=encounter, fields={"complaints": COMPLAINTS}
    )
    EncounterDraft.objects.create(
        encounter=encounter,
        author=encounter.doctor,
        fields={"complaints": COMPLAINTS + "  "},
        saved_at=encounter.started_at,
    )
    encounter.refresh_from_db()

    assert services.encounter_draft_for(encounter.doctor, encounter) is None
    assert not EncounterDraft.objects.exists()


def test_only_the_consultations_doctor_keeps_a_draft_and_sees_it(encounter, make_user, client_for):
    other = make_user(rbac.DOCTOR)
    services.encounter_draft_save(
        actor=encounter.doctor, encounter=encounter, fields={"complaints": COMPLAINTS}
    )

    with pytest.raises(services.ConsultationError):
        services.encounter_draft_save(
            actor=other, encounter=encounter, fields={"complaints": "not mine"}
        )
    refused = client_for(other).post(
        reverse("encounter_draft", args=[encounter.pk]), {"complaints": "not mine"}
    )
    page = client_for(other).get(reverse("encounter", args=[encounter.pk])).content.decode()

    assert "Only the doctor who holds this consultation" in refused.content.decode()
    assert COMPLAINTS not in page
    assert EncounterDraft.objects.get().fields == {"complaints": COMPLAINTS}


def test_discarding_the_draft_shows_the_saved_notes(encounter, client_for):
    services.encounter_draft_save(
        actor=encounter.doctor, encounter=encounter, fields={"complaints": COMPLAINTS}
    )
    client = client_for(encounter.doctor)

    client.post(reverse("encounter_draft_discard", args=[encounter.pk]))

    assert COMPLAINTS not in client.get(reverse("encounter", args=[encounter.pk])).content.decode()
    assert not EncounterDraft.objects.exists()


def test_a_draft_arriving_after_the_notes_were_saved_is_not_kept(encounter, client_for):
    """Pressing Save sends the last keystrokes as a draft too; when that draft lands after the
    save it must not come back over the saved notes (it held "j45.9", the record "J45.9")."""
    client = client_for(encounter.doctor)
    page = client.get(reverse("encounter", args=[encounter.pk])).content.decode()
    version = page.split('data-notes-version="')[1].split('"')[0]
    client.post(
        reverse("encounter", args=[encounter.pk]),
        {"complaints": COMPLAINTS, "diagnosis": "Asthma", "icd10_code": "j45.9"},
    )

    late = client.post(
        reverse("encounter_draft", args=[encounter.pk]),
        {"complaints": COMPLAINTS, "icd10_code": "j45.9", "notes_version": version},
    )

    assert late.status_code == 200 and not EncounterDraft.objects.exists()
    page = client.get(reverse("encounter", args=[encounter.pk])).content.decode()
    assert 'data-testid="draft-restored"' not in page and 'value="J45.9"' in page


def test_the_page_opened_again_says_when_the_notes_were_last_saved(encounter, client_for):
    """After a save the line under the notes says "Notes saved at 14:05"; a plain reload (or the
    page opened later) says the same from the record, instead of nothing."""
    client = client_for(encounter.doctor)
    before = client.get(reverse("encounter", args=[encounter.pk])).content.decode()
    assert "Notes saved at" not in before  # never saved: nothing claimed

    saved = client.post(
        reverse("encounter", args=[encounter.pk]),
        {"complaints": COMPLAINTS, "diagnosis": "Malaria"},
        HTTP_HX_REQUEST="true",
    )
    encounter.refresh_from_db()
    at = timezone.localtime(encounter.notes_saved_at).strftime("%H:%M")
    assert f"Notes saved at {at}." in saved.content.decode()

    again = client.get(reverse("encounter", args=[encounter.pk])).content.decode()
    line = again.split('data-testid="draft-status"')[1].split("</span></span>")[0]
    assert f"Notes saved at {at}." in line and "Unsaved" not in line

    services.encounter_draft_save(
        actor=encounter.doctor, encounter=encounter, fields={"complaints": COMPLAINTS + " More."}
    )
    typing = client.get(reverse("encounter", args=[encounter.pk])).content.decode()
    assert "Unsaved notes kept at" in typing  # a newer draft is what the line speaks of
