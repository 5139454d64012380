"""The medication administration record: a doctor's inpatient medication orders and each dose
the ward records against them (docs/DECISIONS.md, "The medication administration record").

A dose given takes its units from the ward store of the patient's current ward, first expiry
first out, through pharmacy.ledger.move (kind ADMINISTER), never below zero, and posts its
charge to the stay through billing's charge_post, as a dispense does. Ordering and stopping are
the doctor's ("pharmacy.mar_order"); recording a dose is the nurse's and the doctor's
("pharmacy.mar_record"). Each action is one transaction with its audit row.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from billing.services import charges as billing_charges
from clinical import services as clinical_services
from clinical.models import PatientState, Route
from hms import audit, submissions
from hms.locking import locked
from hms.money import ZERO, money
from pharmacy import ledger, live, mar
from pharmacy.models import (
    DoseFrequency,
    DoseOutcome,
    FormularyItem,
    ItemCategory,
    MedicationAdministration,
    MedicationOrder,
    MovementKind,
    Store,
    StoreKind,
    admission_model,
)
from pharmacy.services.common import PharmacyError, reason_text, require
from pharmacy.units import in_units

ORDER = "pharmacy.mar_order"
RECORD = "pharmacy.mar_record"
# A scheduled dose may be recorded from this long before its time (given a little early).
EARLY_BY = timedelta(hours=1)
MOST_UNITS_PER_DOSE = 20
# How far from now an order may start: back to the stay's admission but at most a day (an order
# written up after the night's doses), ahead at most a week; it runs at most a year.
STARTS_BACK_BY = timedelta(hours=24)
STARTS_AHEAD_BY = timedelta(days=7)
LONGEST_ORDER = timedelta(days=366)


def _open_admission(admission: object) -> object:
    stay = (
        admission_model()
        .objects.select_related("patient", "bed")
        .filter(pk=getattr(admission, "pk", admission))
        .first()
    )
    if stay is None or stay.discharged_at is not None:
        raise PharmacyError("This patient has been discharged: the medication chart is closed.")
    if stay.patient.state == PatientState.ARCHIVED:
        raise PharmacyError("This patient's record is archived.")
    return stay


def _whole(value: object, *, field: str, low: int, high: int, words: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise PharmacyError(f"Enter {words} as a whole number.", field=field) from None
    if not low <= number <= high:
        raise PharmacyError(f"Enter {words} between {low} and {high}.", field=field)
    return number


def _when(moment: datetime, now: datetime) -> str:
    """A moment as the chart writes it, with its year when that is not this one."""
    local, today = timezone.localtime(moment), timezone.localtime(now)
    return f"{local:%d %b %H:%M}" if local.year == today.year else f"{local:%d %b %Y %H:%M}"


def _check_start(start_at: datetime, admitted_at: datetime, now: datetime) -> None:
    """An order starts within the stay: not before the admission (to its minute), nor more than
    STARTS_BACK_BY ago or STARTS_AHEAD_BY ahead (a dose would fall due, overdue, before the
    patient was here, and giving it would take stock and charge the stay)."""
    admitted = admitted_at.replace(second=0, microsecond=0)
    if start_at < admitted:
        raise PharmacyError(
            f"The start is before the patient was admitted ({_when(admitted_at, now)}).",
            field="start_at",
        )
    if start_at < now - STARTS_BACK_BY:
        raise PharmacyError(
            "The start is at most 24 hours ago: record earlier doses in the notes.",
            field="start_at",
        )
    if start_at > now + STARTS_AHEAD_BY:
        raise PharmacyError(
            "The start is at most 7 days ahead: write the order nearer the day.", field="start_at"
        )


@transaction.atomic
@submissions.once("pharmacy.medication_order_create")
def medication_order_create(
    *,
    actor: User,
    admission: object,
    item: FormularyItem,
    dose: str,
    units_per_dose: int,
    route: str,
    frequency: str,
    start_at: datetime | None = None,
    stop_at: datetime | None = None,
    prn_max_per_24h: int | None = None,
    indication: str = "",
    allergy_override_reason: str = "",
    warnings_confirmed: Iterable[str] = (),
    request: HttpRequest | None = None,
) -> MedicationOrder:
    """Order `item` for an admitted patient (wards.Admission, by label): `dose` as the nurse
    reads it ("1 g"), `units_per_dose` whole dispensing units taken from the ward store per dose,
    `route` (clinical.models.Route), `frequency` (pharmacy.models.DoseFrequency), from `start_at`
    (default now) to the optional planned `stop_at`, both to the minute (seconds dropped). A PRN order needs `prn_max_per_24h` (1–24)
    and its `indication`.

    The order passes the prescribing checks a consultation's prescription does
    (clinical.services.prescription_findings: the patient's allergies, their running
    prescriptions and other active orders, the item's maximum a day, the interaction table): an
    allergy stops it unless `allergy_override_reason` is given (kept on the order and audited as
    "pharmacy.medication_order_allergy_override"); each warning stops it until its code is in
    `warnings_confirmed` (their sentences are kept on the order).

    Raises PermissionDenied unless the actor orders medicines (doctor, admin); PharmacyError (with
    its field) when the stay is discharged or the record archived, the item is not an active drug,
    the dose is blank, the units, route or frequency are not valid, the start is before the
    admission, more than a day ago or more than a week ahead (field "start_at"), the stop is not
    after the start or more than a year after it, or a PRN order lacks its maximum or indication; clinical's PrescribingStopped (field
    "drug", with the findings) when a check stops it; AlreadySubmitted on a resent form.
    """
    require(actor, ORDER)
    stay = _open_admission(admission)
    if not item.active or item.category != ItemCategory.DRUG:
        raise PharmacyError(f"{item.name} is not a drug in use in the formulary.", field="item")
    dose = (dose or "").strip()
    if not dose:
        raise PharmacyError("Enter the dose as the nurse gives it, e.g. 1 g.", field="dose")
    if len(dose) > 40:
        raise PharmacyError("At most 40 characters.", field="dose")
    units = _whole(
        units_per_dose,
        field="units_per_dose",
        low=1,
        high=MOST_UNITS_PER_DOSE,
        words=f"the {item.dispensing_unit}s one dose takes",
    )
    if route not in Route.values:
        raise PharmacyError("Choose the route.", field="route")
    if frequency not in DoseFrequency.values:
        raise PharmacyError("Choose how often.", field="frequency")
    now = timezone.now()
    # Orders are timed to the minute: every dose time is then a whole minute the screens name.
    start_at = (start_at or now).replace(second=0, microsecond=0)
    if stop_at is not None:
        stop_at = stop_at.replace(second=0, microsecond=0)
    _check_start(start_at, stay.admitted_at, now)
    if stop_at is not None and stop_at <= start_at:
        raise PharmacyError("The planned stop must be after the start.", field="stop_at")
    if stop_at is not None and stop_at > start_at + LONGEST_ORDER:
        raise PharmacyError(
            "The planned stop is at most a year after the start: review the order and write"
            " it again then.",
            field="stop_at",
        )
    indication = (indication or "").strip()[:120]
    if frequency == DoseFrequency.PRN:
        if prn_max_per_24h in (None, ""):
            raise PharmacyError(
                "Give the most doses in 24 hours for a when-required order.",
                field="prn_max_per_24h",
            )
        prn_max_per_24h = _whole(
            prn_max_per_24h,
            field="prn_max_per_24h",
            low=1,
            high=24,
            words="the most doses in 24 hours",
        )
        if not indication:
            raise PharmacyError(
                "Say what it is for (e.g. pain, fever above 38.5 °C).", field="indication"
            )
    else:
        prn_max_per_24h = None
    findings = clinical_services.prescription_findings(
        patient=stay.patient,
        encounter=None,
        drug=item.generic_name,
        strength=item.strength,
        dose=dose,
        # A PRN order's most in 24 hours is what its maximum a day is checked against.
        frequency=f"{prn_max_per_24h} times a day" if prn_max_per_24h else frequency,
        formulary_item=item,
    )
    checked, override = clinical_services.checks_answered(
        findings,
        allergy_override_reason=allergy_override_reason,
        warnings_confirmed=warnings_confirmed,
    )
    order = MedicationOrder.objects.create(
        admission_id=stay.pk,
        patient_id=stay.patient_id,
        item=item,
        dose=dose,
        units_per_dose=units,
        route=route,
        frequency=frequency,
        prn_max_per_24h=prn_max_per_24h,
        indication=indication,
        start_at=start_at,
        stop_at=stop_at,
        ordered_by=actor,
        ordered_at=now,
        allergy_override_reason=override[:300] if checked.blocks else "",
        warnings_confirmed=[warning.message for warning in checked.warnings],
    )
    if checked.blocks:
        audit.record(
            actor=actor,
            action="pharmacy.medication_order_allergy_override",
            obj=order,
            patient=stay.patient_id,
            after={
                "allergies": [finding.message for finding in checked.blocks],
                "reason": order.allergy_override_reason,
            },
            request=request,
        )
    audit.record(
        actor=actor,
        action="pharmacy.medication_order_create",
        obj=order,
        patient=stay.patient_id,
        after={
            "admission": stay.pk,
            "item": item.name,
            "dose": dose,
            "units_per_dose": units,
            "route": route,
            "frequency": frequency,
            "prn_max_per_24h": prn_max_per_24h,
            "indication": indication,
            "start_at": start_at.isoformat(),
            "stop_at": stop_at.isoformat() if stop_at else None,
            "warnings_confirmed": order.warnings_confirmed,
        },
        request=request,
    )
    live.mar_changed(patient_id=stay.patient_id, ward_id=stay.bed.ward_id)
    return order


@transaction.atomic
@submissions.once("pharmacy.medication_order_stop")
def medication_order_stop(
    *, actor: User, order: MedicationOrder, reason: str, request: HttpRequest | None = None
) -> MedicationOrder:
    """Stop an inpatient medication order now, with the reason: no dose falls due after this
    moment (doses due before it may still be recorded).

    Raises PermissionDenied unless the actor orders medicines (doctor, admin); PharmacyError when
    the order is already stopped or has ended, or no reason is given; AlreadySubmitted on a
    resent form.
    """
    require(actor, ORDER)
    order = locked(MedicationOrder.objects).select_related("item").get(pk=order.pk)
    now = timezone.now()
    if order.stopped_at is not None:
        raise PharmacyError(
            f"This order was stopped on {timezone.localtime(order.stopped_at):%d %b %H:%M}."
        )
    if order.stop_at is not None and order.stop_at <= now:
        raise PharmacyError("This order has already ended at its planned stop.")
    reason = reason_text(reason, missing="Say why the order is stopped.")
    stay = admission_model().objects.select_related("bed").get(pk=order.admission_id)
    order.stopped_by = actor
    order.stopped_at = now
    order.stop_reason = reason
    order.save(update_fields=["stopped_by", "stopped_at", "stop_reason"])
    audit.record(
        actor=actor,
        action="pharmacy.medication_order_stop",
        obj=order,
        patient=order.patient_id,
        before={"stopped_at": None},
        after={"item": order.item.name, "stopped_at": now.isoformat(), "reason": reason},
        request=request,
    )
    live.mar_changed(patient_id=order.patient_id, ward_id=stay.bed.ward_id)
    return order


def ward_store_of(ward_id: int) -> Store | None:
    """The active store of the ward (pharmacy.Store of kind ward), or None."""
    return Store.objects.filter(kind=StoreKind.WARD, ward_id=ward_id, active=True).first()


def _check_due(
    order: MedicationOrder, due_at: datetime | None, now: datetime, admitted_at: datetime
) -> None:
    if order.is_prn:
        if due_at is not None:
            raise PharmacyError("A when-required dose has no scheduled time.", field="due_at")
        return
    if due_at is None:
        raise PharmacyError("Choose the scheduled dose to record.", field="due_at")
    window = (due_at, due_at + timedelta(microseconds=1))
    if mar.due_times(order, *window, admitted_at=admitted_at) != [due_at]:
        raise PharmacyError("No dose of this order is due at that time.", field="due_at")
    if due_at > now + EARLY_BY:
        raise PharmacyError(
            f"This dose is due at {timezone.localtime(due_at):%H:%M}: record it from"
            f" {timezone.localtime(due_at - EARLY_BY):%H:%M}.",
            field="due_at",
        )


@transaction.atomic
@submissions.once("pharmacy.dose_record")
def dose_record(
    *,
    actor: User,
    order: MedicationOrder,
    outcome: str,
    due_at: datetime | None = None,
    reason: str = "",
    request: HttpRequest | None = None,
) -> MedicationAdministration:
    """Record one dose of `order`: the scheduled dose due at `due_at` (None for a PRN dose) as
    given, held, refused or not available (pharmacy.models.DoseOutcome; a reason unless given).

    A dose given takes the order's units_per_dose from the ward store of the patient's current
    ward, first expiry first out (ledger kind ADMINISTER), and posts units × the item's price to
    the stay's bill. A PRN dose given is refused once prn_max_per_24h doses were given in the
    last 24 hours.

    Raises PermissionDenied unless the actor records doses (nurse, doctor, admin); PharmacyError
    (with its field) when the stay is discharged, the dose is not one of the order's, is more
    than an hour ahead, was already recorded (by whom, when, how), the outcome is unknown, a
    reason is missing, the PRN maximum is reached, the ward has no store, or the ward store holds
    too few unexpired units (record "not available" instead); AlreadySubmitted on a resent form.
    """
    require(actor, RECORD)
    order = (
        locked(MedicationOrder.objects).select_related("item", "item__charge_item").get(pk=order.pk)
    )
    stay = _open_admission(order.admission_id)
    now = timezone.now()
    if outcome not in DoseOutcome.values:
        raise PharmacyError("Choose given, held, refused or not available.", field="outcome")
    _check_due(order, due_at, now, stay.admitted_at)
    if due_at is not None:
        earlier = (
            MedicationAdministration.objects.filter(order=order, due_at=due_at)
            .select_related("recorded_by")
            .first()
        )
        if earlier is not None:
            raise PharmacyError(
                f"The {timezone.localtime(due_at):%H:%M} dose was already recorded as"
                f" {earlier.get_outcome_display().lower()} by {earlier.recorded_by} at"
                f" {timezone.localtime(earlier.recorded_at):%H:%M}.",
                field="due_at",
            )
    if outcome == DoseOutcome.GIVEN:
        reason = (reason or "").strip()[:200]
    else:
        reason = reason_text(
            reason,
            missing=(
                "Say why the dose was not given (e.g. nil by mouth for theatre, vomiting,"
                " out of stock on the ward)."
            ),
        )
    if order.is_prn and outcome == DoseOutcome.GIVEN:
        given = MedicationAdministration.objects.filter(
            order=order, outcome=DoseOutcome.GIVEN, recorded_at__gt=now - timedelta(hours=24)
        ).count()
        if given >= order.prn_max_per_24h:
            raise PharmacyError(
                f"{given} doses were given in the last 24 hours: the most ordered is"
                f" {order.prn_max_per_24h}. Ask the doctor.",
                field="outcome",
            )
    store = None
    takes: list[ledger.Take] = []
    if outcome == DoseOutcome.GIVEN:
        store = ward_store_of(stay.bed.ward_id)
        if store is None:
            raise PharmacyError(
                "This ward has no store to give the dose from: record it as not available.",
                field="outcome",
            )
        try:
            takes = ledger.fefo_take(store=store, item=order.item, quantity=order.units_per_dose)
        except ledger.StockError:
            held = ledger.on_hand(item=order.item, store=store, usable_on=timezone.localdate())
            raise PharmacyError(
                f"{store} holds {in_units(held, order.item.dispensing_unit)} of {order.item.name}"
                f" not expired; this dose needs {order.units_per_dose}. Record the dose as not"
                " available and ask the pharmacy for stock.",
                field="outcome",
            ) from None
    record = MedicationAdministration.objects.create(
        order=order,
        due_at=due_at,
        outcome=outcome,
        reason=reason,
        recorded_by=actor,
        recorded_at=now,
        store=store,
    )
    for take in takes:
        ledger.move(
            store=store,
            batch=take.batch,
            kind=MovementKind.ADMINISTER,
            quantity=-take.quantity,
            actor=actor,
            reason=f"{order.item.name} {order.dose} to {stay.patient.mrn}",
            moved_at=now,
            administration=record,
        )
    if takes:
        charge_item = order.item.charge_item
        record.charge = billing_charges.charge_post(
            actor=actor,
            patient=stay.patient_id,
            code=charge_item.code,
            quantity=Decimal(order.units_per_dose),
            unit_price=money(charge_item.price),
            description=f"{order.item.name} × {order.units_per_dose} (ward dose)",
            admission=stay.pk,
            source=f"pharmacy.MedicationAdministration:{record.pk}",
            request=request,
        )
        record.save(update_fields=["charge"])
    audit.record(
        actor=actor,
        action="pharmacy.dose_record",
        obj=record,
        patient=stay.patient_id,
        after={
            "order": order.pk,
            "item": order.item.name,
            "due_at": due_at.isoformat() if due_at else None,
            "outcome": outcome,
            "reason": reason,
            "batches": {take.batch.batch_number: take.quantity for take in takes},
            "amount": record.charge.amount if record.charge else ZERO,
        },
        request=request,
    )
    live.mar_changed(patient_id=stay.patient_id, ward_id=stay.bed.ward_id)
    if store is not None:
        live.stock_changed(store_ids=[store.pk])
    return record
