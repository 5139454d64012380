"""Ward-round and nursing notes: signed and timestamped, corrected by their author only for a few
minutes, then standing as written with addenda under them; never lost, never done twice."""

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from hms.models import AuditEntry
from tests.factories import PatientFactory
from wards import services
from wards.models import InpatientNote, NoteKind

pytestmark = pytest.mark.usefixtures("charge_master")


@pytest.fixture
def admission(staff):
    ward = services.ward_create(
        actor=staff.admin, name="Medical A", kind="general", charge_code="WARD-GEN", beds=2
    )
    return services.admission_create(
        actor=staff.receptionist,
        patient=PatientFactory(first_name="Achieng", last_name="Odhiambo"),
        attending_doctor=staff.doctor,
        bed=ward.beds.get(number="01"),
        reason="Fever for five days",
    )


def test_a_doctor_writes_a_ward_round_note_and_a_nurse_a_nursing_note(staff, admission):
    round_note = services.note_write(
        actor=staff.doctor, admission=admission, text="  Afebrile. Continue IV artesunate.  "
    )
    nursing = services.note_write(actor=staff.nurse, admission=admission, text="Slept well.")

    assert (round_note.kind, round_note.author, round_note.text) == (
        NoteKind.WARD_ROUND,
        staff.doctor,
        "Afebrile. Continue IV artesunate.",
    )
    assert (nursing.kind, nursing.author) == (NoteKind.NURSING, staff.nurse)
    assert AuditEntry.objects.filter(action="admission.note", object_id=str(nursing.pk)).exists()


@pytest.mark.parametrize("role", ["receptionist", "pharmacist", "accountant", "lab_technician"])
def test_a_role_without_notes_is_refused_and_nothing_is_written(staff, admission, role):
    with pytest.raises(PermissionDenied):
        services.note_write(actor=getattr(staff, role), admission=admission, text="x")

    assert not InpatientNote.objects.exists()


def test_a_blank_or_overlong_note_is_refused_beside_the_text(staff, admission):
    for text, says in [("   ", "Write the note first."), ("x" * 4001, "at most 4000")]:
        with pytest.raises(services.WardError, match=says) as refusal:
            services.note_write(actor=staff.doctor, admission=admission, text=text)
        assert refusal.value.field == "text"
    assert not InpatientNote.objects.exists()


def test_the_author_corrects_within_the_minutes_then_only_an_addendum(staff, admission, settings):
    settings.HMS_NOTE_EDIT_MINUTES = 15
    with time_machine.travel(timezone.now(), tick=False) as clock:
        note = services.note_write(actor=staff.doctor, admission=admission, text="BP 90/60")
        clock.shift(timedelta(minutes=14))
        services.note_edit(actor=staff.doctor, note=note, text="BP 100/60")
        with pytest.raises(services.WardError, match="Only the person who wrote"):
            services.note_edit(actor=staff.second_doctor, note=note, text="BP 120/80")
        clock.shift(timedelta(minutes=2))
        with pytest.raises(services.WardError, match="add an addendum"):
            services.note_edit(actor=staff.doctor, note=note, text="BP 110/70")
        addendum = services.note_addendum(
            actor=staff.nurse, note=note, text="Repeat BP 110/70 at 10:20."
        )

    note.refresh_from_db()
    assert note.text == "BP 100/60" and note.edited_at is not None
    edit = AuditEntry.objects.get(action="admission.note_edit", object_id=str(note.pk))
    assert edit.before == {"text": "BP 90/60"} and edit.after == {"text": "BP 100/60"}
    assert (addendum.addendum_to, addendum.kind) == (note, NoteKind.NURSING)


def test_an_addendum_to_an_addendum_goes_under_the_note_and_after_discharge_too(staff, admission):
    note = services.note_write(actor=staff.doctor, admission=admission, text="Plan: discharge")
    first = services.note_addendum(actor=staff.doctor, note=note, text="TTOs ready")
    admission.discharged_at = timezone.now()
    admission.save(update_fields=["discharged_at"])

    late = services.note_addendum(actor=staff.nurse, note=first, text="Late entry: left 14:00")

    assert late.addendum_to == note
    with pytest.raises(services.WardError, match="discharged"):
        services.note_write(actor=staff.doctor, admission=admission, text="New note")


def test_the_same_form_sent_twice_writes_one_note(staff, admission, client_for):
    client = client_for(staff.nurse)
    url = reverse("admission_note_add", args=[admission.pk])
    form = {"text": "Observations stable.", "submission": str(uuid.uuid4())}

    first = client.post(url, form)
    again = client.post(url, form)

    assert first.status_code == 302 and again.status_code in (200, 302)
    assert InpatientNote.objects.count() == 1


def test_the_page_shows_notes_signed_and_a_refused_note_keeps_what_was_typed(
    staff, admission, client_for
):
    services.note_write(actor=staff.doctor, admission=admission, text="Ward round: improving")
    client = client_for(staff.nurse)
    typed = "y" * 4001

    refused = client.post(reverse("admission_note_add", args=[admission.pk]), {"text": typed})

    html = refused.content.decode()
    assert refused.status_code == 200
    assert "at most 4000 characters" in html and typed in html
    assert "Ward round: improving" in html and "Amina Odhiambo" in html
    assert InpatientNote.objects.count() == 1


def test_reception_sees_no_notes_on_the_stay(staff, admission, client_for):
    services.note_write(actor=staff.doctor, admission=admission, text="Confidential plan")

    page = client_for(staff.receptionist).get(reverse("admission_detail", args=[admission.pk]))

    assert page.status_code == 200 and "Confidential plan" not in page.content.decode()


def test_the_notes_are_paged_with_their_count_in_constant_queries(
    staff, admission, client_for, django_assert_max_num_queries
):
    client = client_for(staff.doctor)
    url = reverse("admission_detail", args=[admission.pk])

    def add(n: int) -> None:
        now = timezone.now()
        notes = InpatientNote.objects.bulk_create(
            InpatientNote(
                admission=admission,
                kind=NoteKind.NURSING,
                author=staff.nurse,
                written_at=now - timedelta(minutes=i),
                text=f"Note {i}",
            )
            for i in range(n)
        )
        InpatientNote.objects.bulk_create(
            InpatientNote(
                admission=admission,
                kind=NoteKind.WARD_ROUND,
                author=staff.doctor,
                written_at=now,
                text="Addendum",
                addendum_to=note,
            )
            for note in notes
        )

    add(3)
    client.get(url)  # warm the session
    with django_assert_max_num_queries(40) as few:
        client.get(url)
    add(300)
    # A list that fits its first page is its own count (hms.paging.page_at); a longer one adds
    # the one count, and nothing more however long it grows.
    with django_assert_max_num_queries(len(few.captured_queries) + 1):
        page = client.get(url)

    assert "1–20 of 303 notes" in page.content.decode()


def test_a_page_of_notes_without_addenda_reads_no_addenda(
    staff, admission, client_for, django_assert_max_num_queries
):
    client = client_for(staff.doctor)
    url = reverse("admission_detail", args=[admission.pk])
    notes = InpatientNote.objects.bulk_create(
        InpatientNote(
            admission=admission,
            kind=NoteKind.NURSING,
            author=staff.nurse,
            written_at=timezone.now() - timedelta(minutes=i),
            text=f"Note {i}",
        )
        for i in range(5)
    )
    client.get(url)  # warm the session
    with django_assert_max_num_queries(40) as without:
        bare = client.get(url).content.decode()
    services.note_addendum(actor=staff.doctor, note=notes[2], text="Seen: settled overnight.")

    with django_assert_max_num_queries(40) as with_one:
        page = client.get(url).content.decode()

    assert len(with_one.captured_queries) == len(without.captured_queries) + 1
    assert bare.count('data-testid="note"') == 5 and 'data-testid="addendum"' not in bare
    assert page.count('data-testid="addendum"') == 1 and "Seen: settled overnight." in page


def test_another_persons_note_is_not_offered_for_correction(staff, admission, client_for):
    note = services.note_write(actor=staff.doctor, admission=admission, text="BP 90/60")
    url = reverse("note_edit", args=[note.pk])

    opened = client_for(staff.nurse).get(url, follow=True)
    sent = client_for(staff.nurse).post(url, {"text": "BP 120/80"})

    assert "Only its author corrects a note: add an addendum" in opened.content.decode()
    assert "Correct your" not in opened.content.decode()
    assert sent.status_code == 302
    note.refresh_from_db()
    assert note.text == "BP 90/60"
