"""Merging a duplicate patient record into the surviving one, and undoing it within
settings.HMS_PATIENT_UNMERGE_DAYS (docs/DECISIONS.md, "Merging duplicate patients").

Every row of every app that points at the merged record moves to the survivor in one
transaction, found from the models (clinical.merging), and the merge keeps the list of what moved
(model, field and primary keys) so that an un-merge puts back exactly those rows. The merged record
is kept, marked `merged_into` the survivor: hidden from lists and searches, its MRN leads to the
survivor.

Who: an administrator alone, or a receptionist with a second person (another receptionist or an
administrator) confirming with their own password on the same screen (rbac "patients.merge").
"""

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts import services as accounts
from accounts.models import User
from clinical import live, merging
from clinical.models import (
    Appointment,
    Patient,
    PatientMerge,
    PatientState,
    PatientStateChange,
)
from hms import audit, rbac, submissions
from hms.locking import locked
from hms.refusals import Refusal

CAPABILITY = "patients.merge"


class MergeRefused(Refusal):
    """A merge or un-merge that cannot be done safely; nothing was changed."""


def _check_who(actor: User, confirmed_by: User | None, doing: str) -> User | None:
    """The second person the actor's role needs (None for an administrator), checked.

    Raises PermissionDenied when the actor's role may not merge at all; MergeRefused when it needs
    a second person and `confirmed_by` is missing, the actor themself, inactive, or not allowed to
    merge (about what was typed, beside its field).
    """
    held = rbac.scope(actor, CAPABILITY)
    if held is None:
        raise PermissionDenied(f"Your role may not {doing} patient records.")
    if held == rbac.ALL:
        return None
    if confirmed_by is None:
        raise MergeRefused(
            f"A second person (another receptionist or an administrator) must confirm before you"
            f" {doing} these records.",
            field="confirm_username",
        )
    if confirmed_by.pk == actor.pk:
        raise MergeRefused(
            "The second person must be someone else: ask a colleague to type their own username"
            " and password.",
            field="confirm_username",
        )
    if not confirmed_by.is_active or not rbac.allows(confirmed_by, CAPABILITY):
        raise MergeRefused(
            f"{confirmed_by.get_full_name() or confirmed_by.username} may not confirm this:"
            " ask another receptionist or an administrator.",
            field="confirm_username",
        )
    return confirmed_by


def _lock_pair(first: Patient, second: Patient) -> tuple[Patient, Patient]:
    """Both records, read again under row locks taken in one order (by id), so two clerks merging
    the same pair (either way round) wait for each other instead of deadlocking."""
    rows = {
        p.pk: p for p in locked(Patient.objects).filter(pk__in=[first.pk, second.pk]).order_by("pk")
    }
    return rows[first.pk], rows[second.pk]


def _refuse_unsafe(survivor: Patient, merged: Patient) -> None:
    """Raises MergeRefused naming the first reason the pair cannot be merged now."""
    if survivor.pk == merged.pk:
        raise MergeRefused("Choose two different records: a record cannot be merged into itself.")
    if merged.merged_into_id:
        raise MergeRefused(
            f"MRN {merged.mrn} was already merged into MRN {merged.merged_into.mrn}.",
        )
    if survivor.merged_into_id:
        raise MergeRefused(
            f"MRN {survivor.mrn} was merged into MRN {survivor.merged_into.mrn}: it cannot be the"
            " record kept. Keep that one instead.",
            field="survivor",
        )
    if survivor.is_archived:
        raise MergeRefused(
            f"MRN {survivor.mrn} is archived: reactivate it first, or keep the other record.",
            field="survivor",
        )
    if survivor.state == PatientState.ADMITTED and merged.state == PatientState.ADMITTED:
        raise MergeRefused(
            "Both records are admitted now: discharge one of the stays before merging."
        )
    clash = merging.overlapping_appointment(survivor, merged)
    if clash is not None:
        raise MergeRefused(
            f"Both records have an appointment at {timezone.localtime(clash.starts_at):%d %b %Y %H:%M}"
            f" (MRN {merged.mrn} with {clash.doctor}): cancel or move one of them first."
        )
    collisions = merging.unique_collisions(survivor, merged)
    if collisions:
        raise MergeRefused(collisions[0])


def _move_rows(survivor: Patient, merged: Patient) -> list[dict]:
    """Every row pointing at `merged` now points at `survivor`; what moved, by relation.

    Raises MergeRefused when the database refuses a move (a rule it enforces that the models do
    not declare), everything rolled back.
    """
    moved = []
    try:
        with transaction.atomic():
            for field in merging.merge_relations():
                rows = field.model._base_manager.filter(**{field.name: merged})
                pks = list(rows.order_by("pk").values_list("pk", flat=True))
                if not pks:
                    continue
                field.model._base_manager.filter(pk__in=pks).update(**{field.name: survivor})
                moved.append(
                    {
                        "model": field.model._meta.label,
                        "field": field.name,
                        "pks": [pk if isinstance(pk, int) else str(pk) for pk in pks],
                    }
                )
    except IntegrityError as error:
        raise MergeRefused(
            "The database refused to move the records (a rule both records break together):"
            f" nothing was changed. {str(error).splitlines()[0]}"
        ) from error
    return moved


def _hand_over_login(
    *, actor: User, survivor: Patient, merged: Patient, request: HttpRequest | None
) -> dict:
    """The portal login after a merge: the survivor's stays; the merged record's moves to the
    survivor when it has none, else is deactivated (kept on the merged record for an un-merge)."""
    login = merged.user
    if login is None:
        return {}
    kept = {"user": login.pk, "username": login.username, "was_active": login.is_active}
    if survivor.user_id is None:
        merged.user = None
        merged.save(update_fields=["user"])
        survivor.user = login
        survivor.save(update_fields=["user"])
        return kept | {"action": "moved"}
    if login.is_active:
        accounts.user_set_active(actor=actor, user=login, active=False, request=request)
    return kept | {"action": "deactivated"}


def _hand_over_identity(survivor: Patient, merged: Patient) -> dict:
    """The merged record's identity document goes to a survivor that has none (one document
    names one record, so it cannot be on both)."""
    if survivor.id_number or not merged.id_number:
        return {}
    identity = {"id_type": merged.id_type, "id_number": merged.id_number}
    merged.id_type = merged.id_number = ""
    merged.save(update_fields=["id_type", "id_number"])
    survivor.id_type, survivor.id_number = identity["id_type"], identity["id_number"]
    survivor.save(update_fields=["id_type", "id_number"])
    return identity


def _appointments_changed(moved: list[dict]) -> None:
    """The day lists showing an appointment that changed hands fetch themselves again."""
    pks = [pk for entry in moved if entry["model"] == "clinical.Appointment" for pk in entry["pks"]]
    doctors = Appointment.objects.filter(pk__in=pks).values_list("doctor_id", flat=True)
    for doctor_id in sorted(set(doctors)):
        live.today_changed(doctor_id)


def _set_state(patient: Patient, to_state: str, *, actor: User, reason: str) -> None:
    if patient.state == to_state:
        return
    from_state = patient.state
    patient.state = to_state
    patient.save(update_fields=["state"])
    PatientStateChange.objects.create(
        patient=patient, from_state=from_state, to_state=to_state, by=actor, reason=reason[:200]
    )


@transaction.atomic
@submissions.once("patient.merge")
def patient_merge(
    *,
    actor: User,
    survivor: Patient,
    merged: Patient,
    confirmed_by: User | None = None,
    request: HttpRequest | None = None,
) -> PatientMerge:
    """Merge the duplicate record `merged` into `survivor`, in one transaction under locks on
    both records: every row of every app pointing at `merged` moves to `survivor`; the portal
    login moves too, or is deactivated when the survivor has its own; an identity document moves
    to a survivor without one; the survivor takes the merged record's lifecycle state when that
    is more active (admitted, under treatment). `merged` is kept, marked merged into `survivor`.

    A receptionist needs `confirmed_by`, a second person who may merge (the view checks their
    password); an administrator does not.

    Returns the PatientMerge, whose `moved` lists every row moved:
    [{"model": "billing.Charge", "field": "patient", "pks": [...]}, ...].

    Raises PermissionDenied (nothing changed) when the actor's role may not merge; MergeRefused
    (nothing changed) when the actor lacks a valid second person (field "confirm_username"), the
    two are one record, either was merged already, the survivor is archived (field "survivor"),
    both are admitted, both have an appointment at the same time, both hold a row a patient may
    hold only once, or the database refuses a move; AlreadySubmitted (hms.submissions) when the
    same form was already sent.
    """
    confirmed_by = _check_who(actor, confirmed_by, "merge")
    if survivor.pk == merged.pk:
        raise MergeRefused("Choose two different records: a record cannot be merged into itself.")
    survivor, merged = _lock_pair(survivor, merged)
    _refuse_unsafe(survivor, merged)
    survivor_state = survivor.state
    moved = _move_rows(survivor, merged)
    login = _hand_over_login(actor=actor, survivor=survivor, merged=merged, request=request)
    identity = _hand_over_identity(survivor, merged)
    now = timezone.now()
    merged.merged_into, merged.merged_at = survivor, now
    merged.save(update_fields=["merged_into", "merged_at"])
    _set_state(
        survivor,
        merging.state_after_merge(survivor, merged),
        actor=actor,
        reason=f"Merged with MRN {merged.mrn}",
    )
    merge = PatientMerge.objects.create(
        survivor=survivor,
        merged=merged,
        merged_at=now,
        merged_by=actor,
        confirmed_by=confirmed_by,
        moved=moved,
        login=login,
        identity=identity,
        survivor_state_before=survivor_state,
        survivor_state_after=survivor.state,
    )
    _appointments_changed(moved)
    summary = {
        "survivor": survivor.mrn,
        "merged": merged.mrn,
        "confirmed_by": confirmed_by.username if confirmed_by else "",
        "moved": moved,
        "login": login,
        "identity": identity,
    }
    for record in (survivor, merged):
        audit.record(
            actor=actor,
            action="patient.merge",
            obj=merge,
            patient=record,
            after=summary,
            request=request,
        )
    return merge


@transaction.atomic
@submissions.once("patient.unmerge")
def patient_unmerge(
    *,
    actor: User,
    merge: PatientMerge,
    confirmed_by: User | None = None,
    request: HttpRequest | None = None,
) -> PatientMerge:
    """Undo a merge within settings.HMS_PATIENT_UNMERGE_DAYS: the rows it moved that still point
    at the survivor go back to the merged record (rows made on the survivor since stay), the
    portal login and identity document go back, the survivor's state returns to what it was when
    the merge changed it and nothing has changed it since, and the merged record is live again.

    Returns the PatientMerge, now marked undone; `restored` on it lists what went back, shaped
    as `moved`.

    Raises PermissionDenied (nothing changed) when the actor's role may not un-merge;
    MergeRefused (nothing changed) when the actor lacks a valid second person (field
    "confirm_username"); the merge was already undone, is older than the window, or its
    survivor was merged into another record since (undo that first); or the database refuses;
    AlreadySubmitted (hms.submissions) when the same form was already sent.
    """
    confirmed_by = _check_who(actor, confirmed_by, "un-merge")
    merge = locked(PatientMerge.objects).get(pk=merge.pk)
    survivor, merged = _lock_pair(merge.survivor, merge.merged)
    if merge.is_undone:
        raise MergeRefused(
            f"This merge was already undone on {timezone.localtime(merge.unmerged_at):%d %b %Y %H:%M}."
        )
    deadline = merging.unmerge_deadline(merge)
    if timezone.now() > deadline:
        raise MergeRefused(
            f"This merge can no longer be undone: a merge may be undone for"
            f" {settings.HMS_PATIENT_UNMERGE_DAYS} days, until"
            f" {timezone.localtime(deadline):%d %b %Y %H:%M}."
        )
    if survivor.merged_into_id:
        raise MergeRefused(
            f"MRN {survivor.mrn} was itself merged into MRN {survivor.merged_into.mrn} since:"
            " undo that merge first."
        )
    restored = []
    try:
        with transaction.atomic():
            for entry in merge.moved:
                model = apps.get_model(entry["model"])
                field = entry["field"]
                rows = model._base_manager.filter(pk__in=entry["pks"], **{field: survivor})
                pks = list(rows.order_by("pk").values_list("pk", flat=True))
                model._base_manager.filter(pk__in=pks).update(**{field: merged})
                restored.append(
                    {
                        "model": entry["model"],
                        "field": field,
                        "pks": [pk if isinstance(pk, int) else str(pk) for pk in pks],
                    }
                )
    except IntegrityError as error:
        raise MergeRefused(
            "The database refused to put the records back: nothing was changed."
            f" {str(error).splitlines()[0]}"
        ) from error
    _restore_login(actor=actor, merge=merge, survivor=survivor, merged=merged, request=request)
    _restore_identity(merge=merge, survivor=survivor, merged=merged)
    merged.merged_into, merged.merged_at = None, None
    merged.save(update_fields=["merged_into", "merged_at"])
    if (
        survivor.state == merge.survivor_state_after
        and merge.survivor_state_before != merge.survivor_state_after
    ):
        _set_state(
            survivor,
            merge.survivor_state_before,
            actor=actor,
            reason=f"Merge with MRN {merged.mrn} undone",
        )
    merge.unmerged_at = timezone.now()
    merge.unmerged_by = actor
    merge.unmerge_confirmed_by = confirmed_by
    merge.save(update_fields=["unmerged_at", "unmerged_by", "unmerge_confirmed_by"])
    merge.restored = restored
    _appointments_changed(restored)
    summary = {
        "survivor": survivor.mrn,
        "merged": merged.mrn,
        "confirmed_by": confirmed_by.username if confirmed_by else "",
        "restored": restored,
    }
    for record in (survivor, merged):
        audit.record(
            actor=actor,
            action="patient.unmerge",
            obj=merge,
            patient=record,
            after=summary,
            request=request,
        )
    return merge


def _restore_login(
    *,
    actor: User,
    merge: PatientMerge,
    survivor: Patient,
    merged: Patient,
    request: HttpRequest | None,
) -> None:
    login = merge.login
    if not login:
        return
    user = User.objects.get(pk=login["user"])
    if login["action"] == "moved" and survivor.user_id == user.pk:
        survivor.user = None
        survivor.save(update_fields=["user"])
        merged.user = user
        merged.save(update_fields=["user"])
    elif login["action"] == "deactivated" and login["was_active"] and not user.is_active:
        accounts.user_set_active(actor=actor, user=user, active=True, request=request)


def _restore_identity(*, merge: PatientMerge, survivor: Patient, merged: Patient) -> None:
    identity = merge.identity
    if not identity or survivor.id_number != identity["id_number"]:
        return
    survivor.id_type = survivor.id_number = ""
    survivor.save(update_fields=["id_type", "id_number"])
    merged.id_type, merged.id_number = identity["id_type"], identity["id_number"]
    merged.save(update_fields=["id_type", "id_number"])
