"""Business actions of the wards: admit, transfer, order and process discharge, bed status.

Each is one transaction that locks the beds it reads (hms.locking.locked), so two people assigning
one bed cannot both succeed; the partial unique indexes back that up. Every change is audited and
announced on the `beds` topic after commit, which makes every open bed board refresh itself.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from billing import selectors as billing_selectors
from billing import services as billing
from billing.models import ChargeItem, ChargeType
from clinical import lifecycle, open_orders
from clinical import services as clinical
from clinical.models import Patient, PatientState
from hms import audit, rbac, submissions
from hms.locking import locked
from hms.money import money_text
from hms.refusals import Refusal
from messaging.services import notify
from wards import accrual, live
from wards.models import (
    ACTIVE_ADMISSION,
    Admission,
    AdmissionStatus,
    Bed,
    BedStatus,
    BedStatusChange,
    BedStay,
    InpatientNote,
    NoteKind,
    Ward,
)

SUMMARY_FIELDS = [
    "final_diagnosis",
    "treatment_given",
    "procedures",
    "discharge_medications",
    "follow_up",
]


class WardError(Refusal):
    """A ward action that cannot be done, with the sentence the person reads."""


class BedTaken(WardError):
    """The bed was taken (or closed) a moment ago."""


def _link(admission: Admission) -> str:
    from django.urls import reverse

    return reverse("admission_detail", args=[admission.pk])


def _announce_beds() -> None:
    live.beds_changed()


def _set_bed(bed: Bed, status: str, *, by: User | None) -> None:
    """The one place a bed's status changes: the bed's row, and its history (BedStatusChange,
    which the dashboard's occupancy reads for the time a bed was in maintenance)."""
    before = bed.status
    bed.status = status
    bed.status_changed_at = timezone.now()
    bed.save(update_fields=["status", "status_changed_at"])
    BedStatusChange.objects.create(
        bed=bed, from_status=before, to_status=status, at=bed.status_changed_at, by=by
    )


def _locked_bed(bed: Bed) -> Bed:
    return locked(Bed.objects).select_related("ward").get(pk=bed.pk)


def _require_vacant(bed: Bed) -> None:
    if bed.status != BedStatus.VACANT:
        raise BedTaken(f"{bed} is {bed.get_status_display().lower()} now: choose another bed.")
    if not bed.ward.active:
        raise WardError(f"{bed.ward} is closed.")


@transaction.atomic
@submissions.once("admission.create")
def admission_create(
    *,
    actor: User,
    patient: Patient,
    attending_doctor: User,
    bed: Bed,
    reason: str,
    diagnosis: str = "",
    expected_days: int | None = None,
    advance_deposit: Decimal = Decimal("0"),
    deposit_mode: str = "cash",
    deposit_reference: str = "",
    request: HttpRequest | None = None,
) -> Admission:
    """Admit a patient to a vacant bed. Assigning the bed starts the ward's charge (its stay).

    Raises WardError when the doctor cannot attend, no reason is given, the deposit is negative,
    the patient is already admitted or in a state that cannot be admitted, the ward is closed or
    cannot be charged, or the deposit is refused; BedTaken when the bed is no longer vacant;
    AlreadySubmitted (hms.submissions) when the same form was already sent.
    """
    if attending_doctor.role != rbac.DOCTOR or not attending_doctor.is_active:
        raise WardError(f"{attending_doctor} is not a doctor who can attend patients.")
    if not reason.strip():
        raise WardError("Give the reason for admission.")
    if advance_deposit < 0:
        raise WardError("The advance deposit cannot be negative.")
    patient = locked(Patient.objects).get(pk=patient.pk)
    if patient.merged_into_id is not None:
        raise WardError("This record was merged into another: admit the record kept.")
    if Admission.objects.filter(ACTIVE_ADMISSION, patient=patient).exists():
        raise WardError(f"{patient.full_name} is already admitted.")
    if PatientState.ADMITTED not in lifecycle.ALLOWED[patient.state]:
        raise WardError(
            f"{patient.full_name} cannot be admitted while {patient.get_state_display().lower()}."
        )
    bed = _locked_bed(bed)
    _require_vacant(bed)
    now = timezone.now()
    try:
        with transaction.atomic():
            admission = Admission.objects.create(
                patient=patient,
                attending_doctor=attending_doctor,
                bed=bed,
                reason=reason.strip()[:200],
                diagnosis=diagnosis.strip()[:200],
                expected_days=expected_days,
                advance_deposit=advance_deposit,
                admitted_at=now,
                admitted_by=actor,
            )
    except IntegrityError:
        raise BedTaken(f"{bed} has just been taken: choose another bed.") from None
    BedStay.objects.create(admission=admission, bed=bed, ward=bed.ward, started_at=now)
    _set_bed(bed, BedStatus.OCCUPIED, by=actor)
    # The consultation and tests that led here are billed with the stay: one invoice.
    billing.charges_join_stay(actor=actor, patient=patient, admission=admission, request=request)
    try:
        # The first day (or hour) is charged on admission: the running bill starts with it.
        accrual.accrue_admission(admission, now=now, actor=actor, request=request)
    except billing.BillingError as error:
        raise WardError(f"{bed.ward} cannot be charged: {error}") from error
    clinical.patient_transition(
        actor=actor,
        patient=patient,
        to_state=PatientState.ADMITTED,
        reason=f"Admitted to {bed}",
        request=request,
    )
    if advance_deposit > 0:
        try:
            billing.advance_take(
                actor=actor,
                patient=patient,
                amount=advance_deposit,
                mode=deposit_mode,
                reference=deposit_reference,
                admission=admission,
                request=request,
            )
        except billing.BillingError as error:
            # Beside the admission form's deposit field the refusal is about.
            field = {"amount": "advance_deposit", "mode": "deposit_mode"}.get(
                error.field, f"deposit_{error.field}" if error.field else None
            )
            raise WardError(f"Deposit not recorded: {error}", field=field) from error
    audit.record(
        actor=actor,
        action="admission.create",
        obj=admission,
        patient=patient,
        after={
            "bed": str(bed),
            "attending_doctor": attending_doctor.pk,
            "reason": admission.reason,
            "advance_deposit": advance_deposit,
        },
        request=request,
    )
    notify(
        rbac.RECEPTIONIST,
        f"{patient.full_name} admitted to {bed}",
        link=_link(admission),
        kind="admission",
    )
    notify(
        attending_doctor,
        f"{patient.full_name} admitted under you to {bed}",
        link=_link(admission),
        kind="admission",
    )
    _announce_beds()
    return admission


@transaction.atomic
@submissions.once("admission.transfer")
def admission_transfer(
    *, actor: User, admission: Admission, bed: Bed, reason: str, request: HttpRequest | None = None
) -> Admission:
    """Move the patient to another bed: the old one goes to Cleaning, the stay is split now.

    Raises WardError when the admission has ended, no reason is given, the patient is already in
    that bed, or the ward is closed or cannot be charged; BedTaken when the new bed is no longer
    vacant; AlreadySubmitted (hms.submissions) when the same form was already sent.
    """
    admission = locked(Admission.objects).select_related("bed", "patient").get(pk=admission.pk)
    if not admission.is_active:
        raise WardError("This admission has ended: the patient was discharged.")
    if not reason.strip():
        raise WardError("Give the reason for the transfer.")
    if bed.pk == admission.bed_id:
        raise WardError("The patient is already in that bed.")
    # Lock both beds in id order, so two transfers crossing each other cannot deadlock.
    beds = {
        b.pk: b
        for b in locked(Bed.objects)
        .select_related("ward")
        .filter(pk__in=sorted([bed.pk, admission.bed_id]))
        .order_by("pk")
    }
    old_bed, new_bed = beds[admission.bed_id], beds[bed.pk]
    _require_vacant(new_bed)
    now = timezone.now()
    BedStay.objects.filter(admission=admission, ended_at__isnull=True).update(ended_at=now)
    try:
        with transaction.atomic():
            admission.bed = new_bed
            admission.save(update_fields=["bed"])
    except IntegrityError:
        raise BedTaken(f"{new_bed} has just been taken: choose another bed.") from None
    BedStay.objects.create(
        admission=admission,
        bed=new_bed,
        ward=new_bed.ward,
        started_at=now,
        reason=reason.strip()[:200],
    )
    _set_bed(old_bed, BedStatus.CLEANING, by=actor)
    _set_bed(new_bed, BedStatus.OCCUPIED, by=actor)
    try:
        accrual.accrue_admission(admission, now=now, actor=actor, request=request)
    except billing.BillingError as error:
        raise WardError(f"{new_bed.ward} cannot be charged: {error}") from error
    audit.record(
        actor=actor,
        action="admission.transfer",
        obj=admission,
        patient=admission.patient,
        before={"bed": str(old_bed)},
        after={"bed": str(new_bed), "reason": reason.strip()[:200]},
        request=request,
    )
    _announce_beds()
    return admission


def stay_open_orders(admission: Admission) -> list[open_orders.OpenOrder]:
    """The stay's orders still open (tests not yet resulted, ...), from every module that takes
    orders, through clinical's registry (wards never imports lab).

    Raises no domain error.
    """
    return open_orders.open_orders_of_stay(admission)


def _refuse_with_open_orders(admission: Admission, doing: str) -> None:
    still_open = stay_open_orders(admission)
    if still_open:
        count = "1 order" if len(still_open) == 1 else f"{len(still_open)} orders"
        raise WardError(
            f"{count} of this stay {'is' if len(still_open) == 1 else 'are'} still open:"
            f" {open_orders.describe(still_open)}. Before {doing}, a doctor cancels each or"
            " carries it over to outpatient follow-up, with the reason."
        )


@transaction.atomic
@submissions.once("discharge.open_order")
def discharge_open_order_settle(
    *,
    actor: User,
    admission: Admission,
    source: str,
    order_id: int,
    decision: str,
    reason: str,
    request: HttpRequest | None = None,
) -> open_orders.OpenOrder:
    """At discharge, a doctor settles one open order of the stay: cancels it (its charge is
    reversed by the module that posted it) or carries it over to outpatient follow-up, with the
    reason recorded on the order.

    Raises PermissionDenied when the actor's role may not order discharges; WardError when the
    patient is discharged, the order is no longer open, no choice or reason is given, the work has
    begun, or the lab refuses the cancel or carry-over; AlreadySubmitted (hms.submissions) when
    the same form was already sent.
    """
    if not rbac.allows(actor, "wards.order_discharge"):
        raise PermissionDenied("A doctor decides what happens to the stay's open orders.")
    admission = locked(Admission.objects).select_related("patient").get(pk=admission.pk)
    if not admission.is_active:
        raise WardError("This patient has already been discharged.")
    order = next(
        (o for o in stay_open_orders(admission) if o.source == source and o.order_id == order_id),
        None,
    )
    if order is None:
        raise WardError(
            "That order is no longer open on this stay: it was resulted, cancelled or carried"
            " over a moment ago."
        )
    if decision not in dict(open_orders.DECISIONS):
        raise WardError("Choose to cancel the order or carry it over to outpatient follow-up.")
    if not reason.strip():
        doing = "cancelling" if decision == open_orders.CANCEL else "carrying over"
        raise WardError(f"Give the reason for {doing} {order.name} ({order.number}).")
    if decision == open_orders.CANCEL and not order.cancellable:
        raise WardError(
            f"{order.name} ({order.number}) is {order.status.lower()}: the work has begun, so it"
            " cannot be cancelled. Carry it over to outpatient follow-up."
        )
    try:
        open_orders.settle(
            actor=actor, order=order, decision=decision, reason=reason.strip(), request=request
        )
    except open_orders.OrderRefused as refusal:
        raise WardError(str(refusal)) from refusal
    audit.record(
        actor=actor,
        action="admission.open_order",
        obj=admission,
        patient=admission.patient,
        after={"order": order.number, "decision": decision, "reason": reason.strip()},
        request=request,
    )
    return order


@transaction.atomic
@submissions.once("discharge.order")
def discharge_order(
    *, actor: User, admission: Admission, summary: dict, request: HttpRequest | None = None
) -> Admission:
    """The doctor orders the discharge and writes the discharge summary.

    Raises WardError when the patient is discharged, the discharge is already ordered, the summary
    has no diagnosis or fails validation, or the stay has open orders; AlreadySubmitted
    (hms.submissions) when the same form was already sent.
    """
    admission = locked(Admission.objects).select_related("patient", "bed").get(pk=admission.pk)
    if not admission.is_active:
        raise WardError("This patient has already been discharged.")
    if admission.status == AdmissionStatus.DISCHARGE_ORDERED:
        raise WardError("The discharge is already ordered; reception is processing it.")
    _refuse_with_open_orders(admission, "ordering the discharge")
    for name in SUMMARY_FIELDS:
        setattr(admission, name, (summary.get(name) or "").strip())
    if not admission.final_diagnosis:
        raise WardError("Write the diagnosis of the discharge summary first.")
    try:
        admission.full_clean(exclude=["patient", "attending_doctor", "bed", "admitted_by"])
    except ValidationError as error:
        raise WardError(" ".join(error.messages)) from error
    admission.status = AdmissionStatus.DISCHARGE_ORDERED
    admission.discharge_ordered_at = timezone.now()
    admission.discharge_ordered_by = actor
    admission.save()
    audit.record(
        actor=actor,
        action="admission.discharge_order",
        obj=admission,
        patient=admission.patient,
        after={name: getattr(admission, name) for name in SUMMARY_FIELDS},
        request=request,
    )
    notify(
        rbac.RECEPTIONIST,
        f"Discharge ordered: {admission.patient.full_name}, {admission.bed}",
        link=_link(admission),
        kind="admission",
    )
    _announce_beds()
    return admission


def clearance_text(clearance: billing_selectors.DischargeClearance) -> str:
    """How the bill stands for the discharge, in a few words (the audit row, the page)."""
    if clearance.exempted:
        return (
            f"{money_text(clearance.owing)} owed, exempted by {clearance.exemption.granted_by}:"
            f" {clearance.exemption.reason}"
        )
    if clearance.owing > 0:
        return f"{money_text(clearance.owing)} owed"
    if clearance.deposit_covers:
        return "covered by the advance deposit"
    return "nothing owed"


def _require_clearance(admission: Admission) -> billing_selectors.DischargeClearance:
    clearance = billing_selectors.discharge_clearance(admission.patient, admission)
    if clearance.cleared:
        return clearance
    held = clearance.account.deposits_held
    after = f" after the deposit held ({money_text(held)})" if held else ""
    exempted = (
        f" The exemption given covers {money_text(clearance.exemption.amount)} only."
        if clearance.exemption
        else ""
    )
    raise WardError(
        f"{money_text(clearance.owing)} is owed{after}.{exempted} Before the bed is released the"
        " patient pays at the desk, or an accountant authorises an exemption on the patient's"
        " account.",
        field="bill",
    )


@transaction.atomic
@submissions.once("discharge.process")
def discharge_process(
    *, actor: User, admission: Admission, request: HttpRequest | None = None
) -> Admission:
    """Reception completes the discharge: the stay ends now, the bed goes to Cleaning.

    Raises WardError when the patient is discharged, no doctor has ordered the discharge, the
    stay has open orders, or the patient owes more (after deposits) than any exemption covers
    (`field="bill"`); AlreadySubmitted (hms.submissions) when the same form was already sent.
    """
    admission = (
        locked(Admission.objects, also=("patient",)).select_related("patient").get(pk=admission.pk)
    )
    if not admission.is_active:
        raise WardError("This patient has already been discharged.")
    if admission.status != AdmissionStatus.DISCHARGE_ORDERED:
        raise WardError("A doctor must order the discharge (with its summary) first.")
    _refuse_with_open_orders(admission, "the patient goes home")
    now = timezone.now()
    bed = _locked_bed(admission.bed)
    BedStay.objects.filter(admission=admission, ended_at__isnull=True).update(ended_at=now)
    admission.status = AdmissionStatus.DISCHARGED
    admission.discharged_at = now
    admission.discharged_by = actor
    admission.save(update_fields=["status", "discharged_at", "discharged_by"])
    _set_bed(bed, BedStatus.CLEANING, by=actor)
    # Whatever the stay earned up to this moment and the periodic task has not posted yet: the
    # final bill is the running bill at the moment of discharge (wards.accrual).
    accrual.accrue_admission(admission, now=now, actor=actor, request=request)
    # The bed is released only when the bill is cleared; refusing rolls all of this back.
    clearance = _require_clearance(admission)
    # The final bill is prepared: a draft invoice of the stay, for the desk to check and issue.
    if admission.charges.filter(invoice__isnull=True).exists():
        billing.invoice_draft(
            actor=actor, patient=admission.patient, admission=admission, request=request
        )
    clinical.patient_transition(
        actor=actor,
        patient=admission.patient,
        to_state=PatientState.DISCHARGED,
        request=request,
        reason=f"Discharged from {bed}",
    )
    audit.record(
        actor=actor,
        action="admission.discharge",
        obj=admission,
        patient=admission.patient,
        after={"discharged_at": now, "bed": str(bed), "bill": clearance_text(clearance)},
        request=request,
    )
    _announce_beds()
    return admission


BED_MOVES = {
    # (from, to): who may do it
    (BedStatus.CLEANING, BedStatus.VACANT): "wards.admit",
    (BedStatus.VACANT, BedStatus.MAINTENANCE): "beds.maintenance",
    (BedStatus.CLEANING, BedStatus.MAINTENANCE): "beds.maintenance",
    (BedStatus.MAINTENANCE, BedStatus.VACANT): "beds.maintenance",
}


# How a message speaks of the state a bed is in: the refusal below, and the beds page's
# "is already" and "is now" (wards.views._move_bed).
BED_STATE_WORDS = {
    BedStatus.VACANT: "free",
    BedStatus.MAINTENANCE: "out of service",
    BedStatus.CLEANING: "being cleaned",
    BedStatus.OCCUPIED: "occupied",
}


def bed_move_allowed(actor: User, from_status: str, to_status: str) -> bool:
    """Whether `actor` may move a bed from `from_status` to `to_status` (BED_MOVES): the one rule
    bed_set_status acts on and the bed board asks before offering a button.

    Raises no domain error.
    """
    capability = BED_MOVES.get((from_status, to_status))
    return capability is not None and rbac.allows(actor, capability)


def bed_status_allowed(actor: User, bed: Bed, to_status: str) -> bool:
    """Whether `actor` may move `bed`, from the state it is in, to `to_status` (bed_move_allowed).

    Raises no domain error.
    """
    return bed_move_allowed(actor, bed.status, to_status)


@transaction.atomic
def bed_set_status(
    *, actor: User, bed: Bed, status: str, request: HttpRequest | None = None
) -> Bed:
    """Cleaning -> Vacant (ward staff); in and out of Maintenance (admin). Occupied beds change
    only through admissions.

    Raises WardError when the bed is already in `status` or cannot go from its state to it;
    PermissionDenied when it can, but the actor's role may not make that change (a nurse or the
    desk taking a bed out of service: BED_MOVES).
    """
    bed = _locked_bed(bed)
    if bed.status == status:  # the same press twice, or two people at once: done already
        raise WardError(f"{bed} is already {BED_STATE_WORDS.get(status, status)}.")
    capability = BED_MOVES.get((bed.status, status))
    if capability is None:
        raise WardError(
            f"{bed} is {bed.get_status_display().lower()}: it cannot become {BedStatus(status).label.lower()} from there."
        )
    if not bed_status_allowed(actor, bed, status):
        raise PermissionDenied("Your role cannot make that change.")
    before = bed.status
    _set_bed(bed, status, by=actor)
    audit.record(
        actor=actor,
        action="bed.status",
        obj=bed,
        before={"status": before},
        after={"status": status},
        request=request,
    )
    _announce_beds()
    return bed


@transaction.atomic
def ward_create(
    *,
    actor: User,
    name: str,
    kind: str,
    charge_code: str,
    beds: int,
    request: HttpRequest | None = None,
) -> Ward:
    """Open a ward with `beds` vacant beds numbered 01, 02, ...

    Raises PermissionDenied when the actor's role may not manage wards; WardError when a field
    fails validation, or the charge master has no active item for the ward's charge code.
    """
    if not rbac.allows(actor, "wards.manage"):
        raise PermissionDenied("Only an administrator opens wards and adds beds.")
    ward = Ward(name=name.strip(), kind=kind, charge_code=charge_code.strip().upper())
    try:
        ward.full_clean()
    except ValidationError as error:
        raise WardError(" ".join(error.messages)) from error
    expected = ChargeType.PER_HOUR if ward.charged_per_hour else ChargeType.PER_DAY
    if not ChargeItem.objects.filter(
        code=ward.charge_code, active=True, charge_type=expected
    ).exists():
        raise WardError(
            f"The charge master has no active {ChargeType(expected).label.lower()} item"
            f" {ward.charge_code!r}: create it first (Charges)."
        )
    ward.save()
    Bed.objects.bulk_create([Bed(ward=ward, number=f"{n:02d}") for n in range(1, beds + 1)])
    audit.record(
        actor=actor,
        action="ward.create",
        obj=ward,
        after={"name": ward.name, "kind": kind, "charge_code": ward.charge_code, "beds": beds},
        request=request,
    )
    _announce_beds()
    return ward


@transaction.atomic
def ward_add_bed(*, actor: User, ward: Ward, request: HttpRequest | None = None) -> Bed:
    """Add a vacant bed, numbered after the ward's highest.

    Raises PermissionDenied when the actor's role may not manage wards.
    """
    if not rbac.allows(actor, "wards.manage"):
        raise PermissionDenied("Only an administrator opens wards and adds beds.")
    numbers = [int(n) for n in ward.beds.values_list("number", flat=True) if n.isdigit()]
    bed = Bed.objects.create(ward=ward, number=f"{max(numbers, default=0) + 1:02d}")
    audit.record(
        actor=actor,
        action="bed.create",
        obj=bed,
        after={"ward": ward.name, "number": bed.number},
        request=request,
    )
    _announce_beds()
    return bed


# --- ward-round and nursing notes ----------------------------------------------------------------

NOTE_LIMIT = 4000  # characters: a long ward round fits, a pasted document does not


def note_kind_for(actor: User) -> str:
    """A nurse writes nursing notes; a doctor (or an administrator) ward-round notes."""
    return NoteKind.NURSING if actor.role == rbac.NURSE else NoteKind.WARD_ROUND


def _note_text(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise WardError("Write the note first.", field="text")
    if len(text) > NOTE_LIMIT:
        raise WardError(
            f"A note holds at most {NOTE_LIMIT} characters (this has {len(text)}): split it.",
            field="text",
        )
    return text


def _require_notes(actor: User) -> None:
    if not rbac.allows(actor, "wards.notes"):
        raise PermissionDenied("Only a doctor or a nurse writes ward-round and nursing notes.")


def note_editable_until(note: InpatientNote) -> datetime:
    """When the note's author can no longer correct it (aware datetime)."""
    return note.written_at + timedelta(minutes=settings.HMS_NOTE_EDIT_MINUTES)


@transaction.atomic
@submissions.once("note.write")
def note_write(
    *, actor: User, admission: Admission, text: str, request: HttpRequest | None = None
) -> InpatientNote:
    """Write a signed note of the stay: a ward-round note by a doctor, a nursing note by a nurse
    (`note_kind_for`), timestamped now. Audited.

    Raises PermissionDenied for a role without wards.notes; WardError when the patient has been
    discharged (an addendum to an existing note is still possible) or the text is blank or longer
    than NOTE_LIMIT characters (field "text"); AlreadySubmitted when the same form was sent.
    """
    _require_notes(actor)
    admission = Admission.objects.select_related("patient").get(pk=admission.pk)
    if not admission.is_active:
        raise WardError(
            "The patient has been discharged: add to an existing note (addendum) instead."
        )
    note = InpatientNote.objects.create(
        admission=admission,
        kind=note_kind_for(actor),
        author=actor,
        written_at=timezone.now(),
        text=_note_text(text),
    )
    audit.record(
        actor=actor,
        action="admission.note",
        obj=note,
        patient=admission.patient,
        after={"kind": note.kind, "text": note.text},
        request=request,
    )
    return note


@transaction.atomic
def note_edit(
    *, actor: User, note: InpatientNote, text: str, request: HttpRequest | None = None
) -> InpatientNote:
    """Correct a note: its author only, within HMS_NOTE_EDIT_MINUTES of writing it. Audited with
    the text before and after.

    Raises PermissionDenied for a role without wards.notes; WardError when the actor is not the
    author, the time to correct it has passed (write an addendum), or the text is blank or too
    long (field "text").
    """
    _require_notes(actor)
    note = locked(InpatientNote.objects).get(pk=note.pk)
    if note.author_id != actor.pk:
        raise WardError("Only the person who wrote a note may correct it: add an addendum.")
    if timezone.now() > note_editable_until(note):
        raise WardError(
            f"A note can be corrected for {settings.HMS_NOTE_EDIT_MINUTES} minutes after it is"
            " written; this one stands as written: add an addendum."
        )
    before = note.text
    note.text = _note_text(text)
    if note.text == before:
        return note
    note.edited_at = timezone.now()
    note.save(update_fields=["text", "edited_at"])
    admission = Admission.objects.select_related("patient").get(pk=note.admission_id)
    audit.record(
        actor=actor,
        action="admission.note_edit",
        obj=note,
        patient=admission.patient,
        before={"text": before},
        after={"text": note.text},
        request=request,
    )
    return note


@transaction.atomic
@submissions.once("note.addendum")
def note_addendum(
    *, actor: User, note: InpatientNote, text: str, request: HttpRequest | None = None
) -> InpatientNote:
    """Add to a note that stands as written: a signed, timestamped note of its own under it (an
    addendum to an addendum goes under the note itself). Possible after the discharge too (a late
    entry). Audited.

    Raises PermissionDenied for a role without wards.notes; WardError when the text is blank or
    too long (field "text"); AlreadySubmitted when the same form was sent.
    """
    _require_notes(actor)
    note = InpatientNote.objects.select_related("admission__patient").get(pk=note.pk)
    parent = note if note.addendum_to_id is None else note.addendum_to
    addendum = InpatientNote.objects.create(
        admission=note.admission,
        kind=note_kind_for(actor),
        author=actor,
        written_at=timezone.now(),
        text=_note_text(text),
        addendum_to=parent,
    )
    audit.record(
        actor=actor,
        action="admission.note_addendum",
        obj=addendum,
        patient=note.admission.patient,
        after={"addendum_to": parent.pk, "text": addendum.text},
        request=request,
    )
    return addendum
