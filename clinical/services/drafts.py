"""The consultation notes' server-side draft: saved while the doctor types, restored on the next
page, taken in when the notes are saved (clinical.models.EncounterDraft)."""

import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from clinical.models import Encounter, EncounterDraft
from clinical.services.consultations import ENCOUNTER_FIELDS, _own_notes
from hms.locking import locked
from hms.prepared import Prepared

# Characters kept of each field of a draft: far more than any note (the record's own limits are
# checked when the notes are saved), far less than a pasted book.
DRAFT_FIELD_LIMIT = 20_000


def notes_version(encounter: Encounter) -> str:
    """A short fingerprint of the consultation's saved notes: the page that drew the form sends
    it back with each draft, so a draft typed against notes saved since is known for stale."""
    saved = {name: getattr(encounter, name) or "" for name in ENCOUNTER_FIELDS}
    return hashlib.sha256(json.dumps(saved, sort_keys=True).encode()).hexdigest()[:16]


@transaction.atomic
def encounter_draft_save(
    *, actor: User, encounter: Encounter, fields: dict, based_on: str | None = None
) -> EncounterDraft | None:
    """Keep what `actor` has typed into the consultation's notes: `fields` maps the note fields
    (clinical.services.ENCOUNTER_FIELDS; others are ignored) to their text as typed. One draft
    per consultation and writer, replaced each time; not audited (scratch, not the record).
    `based_on` is the `notes_version` of the notes the page showed: when they have been saved
    since (the doctor pressed Save while this draft was on its way), the draft is stale and
    nothing is kept (returns None), so it cannot come back over the saved notes.

    Raises ConsultationError when the actor is not the consultation's doctor or it is completed.
    """
    encounter = locked(Encounter.objects).get(pk=encounter.pk)
    _own_notes(actor, encounter)
    if based_on is not None and based_on != notes_version(encounter):
        return None
    typed = {
        name: str(fields.get(name) or "")[:DRAFT_FIELD_LIMIT]
        for name in ENCOUNTER_FIELDS
        if name in fields
    }
    now = timezone.now()
    updated = EncounterDraft.objects.filter(encounter=encounter, author=actor).update(
        fields=typed, saved_at=now
    )
    if updated:
        return EncounterDraft.objects.get(encounter=encounter, author=actor)
    try:
        with transaction.atomic():
            return EncounterDraft.objects.create(
                encounter=encounter, author=actor, fields=typed, saved_at=now
            )
    except IntegrityError:  # the same writer's other tab created it a moment ago
        EncounterDraft.objects.filter(encounter=encounter, author=actor).update(
            fields=typed, saved_at=now
        )
        return EncounterDraft.objects.get(encounter=encounter, author=actor)


# Every consultation screen its writer opens asks this (hms.prepared); one per writer.
_DRAFT = Prepared(
    lambda encounter_id, author_id: EncounterDraft.objects.filter(
        encounter_id=encounter_id, author_id=author_id
    ),
    encounter_id=-1,
    author_id=-1,
)


def encounter_draft_for(actor: User, encounter: Encounter) -> EncounterDraft | None:
    """`actor`'s draft of the consultation's notes when it says something the saved notes do not
    (a draft equal to them is stale: it is deleted), else None."""
    draft = _DRAFT.one(encounter_id=encounter.pk, author_id=actor.pk)
    if draft is None:
        return None
    saved = {name: getattr(encounter, name) or "" for name in draft.fields}
    if all((draft.fields[name] or "").strip() == saved[name].strip() for name in draft.fields):
        draft.delete()
        return None
    return draft


@transaction.atomic
def encounter_draft_discard(*, actor: User, encounter: Encounter) -> int:
    """Throw away `actor`'s draft of the consultation's notes; returns how many were deleted."""
    deleted, _ = EncounterDraft.objects.filter(encounter=encounter, author=actor).delete()
    return deleted
