"""Business actions of engineering: register and edit machines, change a machine's status,
report a fault, take it as a work order, log work, escalate to the vendor, resolve; a machine's
preventive-maintenance plan, the work orders the periodic task makes when one falls due, and
completing one with its checklist.

Each is one transaction with its audit row; a refusal raises EngineeringError with the sentence
the person reads (and the form field it is about); a role that may not do the thing at all gets
PermissionDenied (403, nothing changed). A machine's status changes only through
machine_status_change, which appends to its history and never rewrites it; the engineers' screens
and the machine's page hear about every change on commit.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats, timezone

from accounts.models import Department, User
from engineering import live
from engineering.models import (
    OPEN_WORK,
    PRIORITY_RANK,
    FaultRequest,
    Machine,
    MachineStatus,
    MachineStatusChange,
    PartUsed,
    PmCheck,
    PmStep,
    Priority,
    WorkKind,
    WorkLogEntry,
    WorkOrder,
    WorkOrderStatus,
)
from hms import audit, params, rbac, submissions
from hms.locking import locked
from hms.money import money, money_exact
from hms.numbering import yearly_number
from hms.refusals import Refusal
from messaging.services import notify

# What a machine's audit rows show of it.
MACHINE_FIELDS = [
    "name",
    "asset_tag",
    "department",
    "machine_type",
    "manufacturer",
    "model_name",
    "serial_number",
    "installed_date",
    "warranty_end_date",
    "service_vendor",
    "vendor_contact",
    "criticality",
    "last_serviced_date",
    "pm_interval_days",
]
REASON_LIMIT = MachineStatusChange._meta.get_field("reason").max_length


class EngineeringError(Refusal):
    """An engineering action that cannot be done, with the sentence the person reads."""


def _may_manage(actor: User, what: str) -> None:
    """Raises PermissionDenied unless the actor's role manages machines and maintenance."""
    if not rbac.allows(actor, "engineering.machines"):
        raise PermissionDenied(f"Only an engineer or an administrator can {what}.")


def _clean(machine: Machine) -> None:
    """The model's own rules (lengths, the asset tag's characters, choices), as a refusal beside
    the first field that breaks one."""
    try:
        machine.full_clean(exclude=["status_since", "registered_at"], validate_unique=False)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        label = Machine._meta.get_field(field).verbose_name if field != "__all__" else ""
        sentence = f"{label.capitalize()}: {messages[0]}" if label else messages[0]
        raise EngineeringError(sentence, field=None if field == "__all__" else field) from None


def _tag_is_free(tag: str, machine: Machine) -> None:
    taken = Machine.objects.filter(asset_tag__iexact=tag).exclude(pk=machine.pk).first()
    if taken is not None:
        raise EngineeringError(
            f"{taken.asset_tag} is already the tag of {taken.name}: each machine has its own.",
            field="asset_tag",
        )


def _save_fields(machine: Machine, fields: dict) -> None:
    """Set, check and save a machine's register fields (the asset tag in capitals)."""
    fields["asset_tag"] = (fields.get("asset_tag") or "").strip().upper()
    for name, value in fields.items():
        setattr(machine, name, value.strip() if isinstance(value, str) else value)
    if machine.installed_date and machine.installed_date > timezone.localdate():
        raise EngineeringError(
            "The installation date cannot be in the future.", field="installed_date"
        )
    _clean(machine)
    _tag_is_free(machine.asset_tag, machine)
    try:
        with transaction.atomic():
            machine.save()
    except IntegrityError:  # the same tag saved a moment ago by someone else
        raise EngineeringError(
            f"{machine.asset_tag} was given to another machine a moment ago.", field="asset_tag"
        ) from None


@transaction.atomic
@submissions.once("engineering.machine_register")
def machine_register(
    *,
    actor: User,
    name: str,
    asset_tag: str,
    machine_type: str,
    department: Department | None = None,
    manufacturer: str = "",
    model_name: str = "",
    serial_number: str = "",
    installed_date: date | None = None,
    warranty_end_date: date | None = None,
    service_vendor: str = "",
    vendor_contact: str = "",
    criticality: str = "medium",
    last_serviced_date: date | None = None,
    pm_interval_days: int | None = None,
    status: str = MachineStatus.OPERATIONAL,
    request: HttpRequest | None = None,
) -> Machine:
    """Add a machine to the asset register, with the first entry of its status history (`status`,
    effective now). Dates are calendar dates; `pm_interval_days` a whole number of days.

    Raises PermissionDenied when the actor is not an engineer or administrator; EngineeringError
    (with the field) when a value breaks the register's rules (the asset tag's characters, a length,
    an unknown choice, an installation date in the future) or the asset tag is another machine's;
    AlreadySubmitted (hms.submissions) when the same form was already sent.
    """
    _may_manage(actor, "add machines to the register")
    if status not in MachineStatus.values:
        raise EngineeringError("Choose the machine's status.", field="status")
    now = timezone.now()
    machine = Machine(status=status, status_since=now, registered_at=now)
    _save_fields(
        machine,
        {
            "name": name,
            "asset_tag": asset_tag,
            "machine_type": machine_type,
            "department": department,
            "manufacturer": manufacturer,
            "model_name": model_name,
            "serial_number": serial_number,
            "installed_date": installed_date,
            "warranty_end_date": warranty_end_date,
            "service_vendor": service_vendor,
            "vendor_contact": vendor_contact,
            "criticality": criticality,
            "last_serviced_date": last_serviced_date,
            "pm_interval_days": pm_interval_days,
        },
    )
    MachineStatusChange.objects.create(
        machine=machine,
        from_status="",
        to_status=status,
        effective_at=now,
        recorded_at=now,
        changed_by=actor,
        reason="Entered in the asset register",
    )
    audit.record(
        actor=actor,
        action="machine.register",
        obj=machine,
        after=audit.snapshot(machine, [*MACHINE_FIELDS, "status"]),
        request=request,
    )
    live.register_changed()
    return machine


@transaction.atomic
@submissions.once("engineering.machine_edit")
def machine_edit(
    *,
    actor: User,
    machine: Machine,
    name: str,
    asset_tag: str,
    machine_type: str,
    department: Department | None = None,
    manufacturer: str = "",
    model_name: str = "",
    serial_number: str = "",
    installed_date: date | None = None,
    warranty_end_date: date | None = None,
    service_vendor: str = "",
    vendor_contact: str = "",
    criticality: str = "medium",
    last_serviced_date: date | None = None,
    pm_interval_days: int | None = None,
    request: HttpRequest | None = None,
) -> Machine:
    """Change a machine's register entry (not its status: that is machine_status_change).

    Raises PermissionDenied when the actor is not an engineer or administrator; EngineeringError
    (with the field) when a value breaks the register's rules or the asset tag is another machine's;
    AlreadySubmitted when the same form was already sent.
    """
    _may_manage(actor, "change the asset register")
    machine = locked(Machine.objects).get(pk=machine.pk)
    before = audit.snapshot(machine, MACHINE_FIELDS)
    _save_fields(
        machine,
        {
            "name": name,
            "asset_tag": asset_tag,
            "machine_type": machine_type,
            "department": department,
            "manufacturer": manufacturer,
            "model_name": model_name,
            "serial_number": serial_number,
            "installed_date": installed_date,
            "warranty_end_date": warranty_end_date,
            "service_vendor": service_vendor,
            "vendor_contact": vendor_contact,
            "criticality": criticality,
            "last_serviced_date": last_serviced_date,
            "pm_interval_days": pm_interval_days,
        },
    )
    audit.record(
        actor=actor,
        action="machine.edit",
        obj=machine,
        before=before,
        after=audit.snapshot(machine, MACHINE_FIELDS),
        request=request,
    )
    live.machine_changed(machine.pk)
    return machine


# --- status and its history ------------------------------------------------------------------


def _when(moment: datetime) -> str:
    """A moment as the hospital writes it ("30 Nov 2026 14:05", its own time zone)."""
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _status_at(machine: Machine, moment: datetime) -> str | None:
    """The machine's status at `moment` by its history (None: before it entered the register)."""
    return (
        machine.status_changes.filter(effective_at__lte=moment)
        .order_by("-effective_at", "-id")
        .values_list("to_status", flat=True)
        .first()
    )


def _settle_status(machine: Machine) -> None:
    """Set the machine's status and `status_since` from its history: the last entry's status,
    since the first entry of the last run of it."""
    entries = machine.status_changes.order_by("-effective_at", "-id").values_list(
        "to_status", "effective_at"
    )
    status, since = None, None
    for to_status, effective_at in entries.iterator(chunk_size=100):
        if status is None:
            status = to_status
        elif to_status != status:
            break
        since = effective_at
    machine.status, machine.status_since = status, since
    machine.save(update_fields=["status", "status_since"])


def _status_apply(
    *,
    actor: User | None,
    machine: Machine,
    to_status: str,
    reason: str,
    effective_at: datetime | None = None,
    request: HttpRequest | None = None,
) -> MachineStatusChange:
    """Append one entry to a locked machine's history and settle its status: the one writer of
    the history, for machine_status_change and for the actions that take a machine down or bring
    it back (a fault request marked unusable, a resolved work order). Checks no capability: the
    caller did.

    Raises EngineeringError when the machine already had `to_status` at that moment.
    """
    now = timezone.now()
    correction = effective_at is not None
    moment = effective_at or now
    before = _status_at(machine, moment) if correction else machine.status
    if before == to_status:
        label = MachineStatus(to_status).label.lower()
        when = f"at {_when(moment)}" if correction else "already"
        raise EngineeringError(f"{machine.name} was {label} {when}.", field="to_status")
    entry = MachineStatusChange.objects.create(
        machine=machine,
        from_status=before or "",
        to_status=to_status,
        effective_at=moment,
        recorded_at=now,
        changed_by=actor if getattr(actor, "is_authenticated", False) else None,
        reason=reason,
        correction=correction,
    )
    _settle_status(machine)
    audit.record(
        actor=actor,
        action="machine.status_correction" if correction else "machine.status",
        obj=machine,
        before={"status": before},
        after={
            "status": to_status,
            "effective_at": moment,
            "reason": reason,
            "machine_status": machine.status,
        },
        request=request,
    )
    live.machine_changed(machine.pk)
    return entry


@transaction.atomic
@submissions.once("engineering.machine_status")
def machine_status_change(
    *,
    actor: User,
    machine: Machine,
    to_status: str,
    reason: str,
    effective_at: datetime | None = None,
    request: HttpRequest | None = None,
) -> MachineStatusChange:
    """Change a machine's status (Operational, Under maintenance, Out of order), as one new entry
    of its history: from, to, when, who, why. Without `effective_at` the change takes effect now;
    with it (an aware datetime in the past) the entry is a back-dated correction: its own entry,
    placed in the history where it took effect, the entries after it left as they are (the
    machine's status is the history's last entry).

    Raises PermissionDenied when the actor is not an engineer or administrator; EngineeringError
    (with the field) when the status is unknown, the reason is missing or longer than 500
    characters, `effective_at` is in the future or before the machine entered the register, or the
    machine already had that status then; AlreadySubmitted when the same form was already sent.
    """
    _may_manage(actor, "change a machine's status")
    if to_status not in MachineStatus.values:
        raise EngineeringError("Choose the new status.", field="to_status")
    reason = (reason or "").strip()
    if not reason:
        raise EngineeringError("Say why the status changes.", field="reason")
    if len(reason) > REASON_LIMIT:
        raise EngineeringError(f"Reason: at most {REASON_LIMIT} characters.", field="reason")
    machine = locked(Machine.objects).get(pk=machine.pk)
    if effective_at is not None:
        if effective_at > timezone.now():
            raise EngineeringError(
                "A change cannot take effect in the future: leave the time empty for now.",
                field="effective_at",
            )
        first = machine.status_changes.order_by("effective_at", "id").first()
        if first is not None and effective_at < first.effective_at:
            raise EngineeringError(
                f"{machine.name} entered the register at {_when(first.effective_at)}: a"
                " correction cannot go back before that.",
                field="effective_at",
            )
    return _status_apply(
        actor=actor,
        machine=machine,
        to_status=to_status,
        reason=reason,
        effective_at=effective_at,
        request=request,
    )


# --- fault requests and work orders ----------------------------------------------------------

DESCRIPTION_LIMIT = FaultRequest._meta.get_field("description").max_length
WORK_DONE_LIMIT = WorkLogEntry._meta.get_field("work_done").max_length
RESOLUTION_LIMIT = WorkOrder._meta.get_field("resolution").max_length
VENDOR_REFERENCE_LIMIT = WorkOrder._meta.get_field("vendor_reference").max_length
PART_NAME_LIMIT = PartUsed._meta.get_field("name").max_length
# A stretch of work logged at once: at most a week of labour.
LABOUR_LIMIT_MINUTES = 7 * 24 * 60


class AlreadyTaken(EngineeringError):
    """Another engineer took the request a moment ago."""


@dataclass(frozen=True)
class PartLine:
    """A part used: its name, how many (a whole number, 1 or more), the cost of one (money)."""

    name: str
    quantity: int
    unit_cost: Decimal


def _text(value: str, *, limit: int, field: str, required: str) -> str:
    try:
        return params.bounded_text(value, limit=limit, required=required)
    except params.ValueRefused as refusal:
        raise EngineeringError(str(refusal), field=field) from None


def _machine_link(machine: Machine) -> str:
    return reverse("machine_detail", args=[machine.pk])


def _tell_requester(work_order: WorkOrder, text: str) -> None:
    """The person who raised the request hears of each step (their bell, live)."""
    fault = work_order.fault_request
    if fault is not None:
        notify(
            fault.raised_by,
            f"{fault.number} ({work_order.machine.name}): {text}",
            link=_machine_link(work_order.machine),
            kind="equipment_repair",
        )


@transaction.atomic
@submissions.once("engineering.fault_raise")
def fault_request_raise(
    *,
    actor: User,
    machine: Machine,
    description: str,
    unusable: bool,
    priority: str = Priority.NORMAL,
    request: HttpRequest | None = None,
) -> FaultRequest:
    """Report a fault on a machine (any member of staff). A machine reported unusable is Out of
    order at once (an entry of its history, by the reporter); the engineers' queue shows the
    request live, and engineers are notified of an urgent or unusable one.

    Raises PermissionDenied when the actor is not staff; EngineeringError (with the field) when the
    description is missing or longer than 1,000 characters, or the priority is unknown;
    AlreadySubmitted when the same form was already sent.
    """
    if not rbac.allows(actor, "engineering.request"):
        raise PermissionDenied("Only the hospital's staff can report a machine fault.")
    description = _text(
        description,
        limit=DESCRIPTION_LIMIT,
        field="description",
        required="Say what is wrong with the machine.",
    )
    if priority not in Priority.values:
        raise EngineeringError("Choose how urgent it is.", field="priority")
    machine = locked(Machine.objects).get(pk=machine.pk)
    fault = FaultRequest.objects.create(
        number=yearly_number("FR"),
        machine=machine,
        raised_by=actor,
        raised_at=timezone.now(),
        description=description,
        unusable=unusable,
        priority=priority,
        priority_rank=PRIORITY_RANK[priority],
    )
    audit.record(
        actor=actor,
        action="fault.raise",
        obj=fault,
        after={"machine": machine.asset_tag, "unusable": unusable, "priority": priority},
        request=request,
    )
    if unusable and machine.status != MachineStatus.OUT_OF_ORDER:
        _status_apply(
            actor=actor,
            machine=machine,
            to_status=MachineStatus.OUT_OF_ORDER,
            reason=f"{fault.number}: reported unusable: {description}"[:REASON_LIMIT],
            request=request,
        )
    else:
        live.machine_changed(machine.pk)
    if unusable or priority == Priority.URGENT:
        notify(
            rbac.ENGINEER,
            f"{fault.get_priority_display()} fault {fault.number}: {machine}"
            f"{' is unusable' if unusable else ''}. {description[:120]}",
            link=reverse("work_queue"),
            urgent=True,
            kind="equipment_fault",
        )
    return fault


@transaction.atomic
@submissions.once("engineering.fault_take")
def fault_request_take(
    *, actor: User, fault_request: FaultRequest, request: HttpRequest | None = None
) -> WorkOrder:
    """Take an open fault request: it becomes the actor's work order (In progress). One engineer
    at a time: the request's row is locked, and the work order's unique link to it settles two
    engineers taking it at the same moment.

    Raises AlreadyTaken (an EngineeringError) naming who has it when another engineer took it
    first; PermissionDenied when the actor is not an engineer or administrator; AlreadySubmitted
    when the same form was already sent.
    """
    _may_manage(actor, "take a fault request")
    fault = locked(FaultRequest.objects).select_related("machine").get(pk=fault_request.pk)
    taken = WorkOrder.objects.filter(fault_request=fault).select_related("engineer").first()
    if taken is not None:
        who = "You" if taken.engineer_id == actor.pk else str(taken.engineer)
        raise AlreadyTaken(
            f"{who} took {fault.number} at {_when(taken.opened_at)} ({taken.number})."
        )
    try:
        with transaction.atomic():
            work_order = WorkOrder.objects.create(
                number=yearly_number("WO"),
                machine=fault.machine,
                fault_request=fault,
                engineer=actor,
                opened_at=timezone.now(),
            )
    except IntegrityError:  # taken in the same instant by a transaction that held no lock
        raise AlreadyTaken(f"Another engineer took {fault.number} a moment ago.") from None
    audit.record(
        actor=actor,
        action="work_order.take",
        obj=work_order,
        after={"fault_request": fault.number, "machine": fault.machine.asset_tag},
        request=request,
    )
    _tell_requester(work_order, f"{actor} is on it.")
    live.machine_changed(fault.machine_id)
    return work_order


def _locked_open(work_order: WorkOrder) -> WorkOrder:
    work_order = (
        locked(WorkOrder.objects)
        .select_related("machine", "fault_request__raised_by")
        .get(pk=work_order.pk)
    )
    if not work_order.is_open:
        raise EngineeringError(
            f"{work_order.number} was resolved at {_when(work_order.resolved_at)}: nothing more"
            " is done on it. Raise a new request if the fault is back."
        )
    return work_order


def _start(work_order: WorkOrder, actor: User) -> None:
    """A preventive maintenance nobody has started yet becomes the actor's, in progress (on its
    first logged work, escalation or completion)."""
    if work_order.status == WorkOrderStatus.DUE:
        work_order.engineer = actor
        work_order.status = WorkOrderStatus.IN_PROGRESS
        work_order.save(update_fields=["engineer", "status"])


def _moment(value: datetime | None, field: str, label: str) -> datetime:
    if value is None:
        raise EngineeringError(f"Enter when the work {label}.", field=field)
    if value > timezone.now():
        raise EngineeringError(f"The work cannot have {label} in the future.", field=field)
    return value


def _after_the_fault(work_order: WorkOrder, started_at: datetime) -> None:
    """Work on a fault repair starts once the fault was reported (an engineer may be at the
    machine before taking the request on screen); on a preventive maintenance once it fell due
    (its work order opened)."""
    fault = work_order.fault_request
    if fault is not None:
        since = fault.raised_at
    else:  # from the start of its due day, if the periodic task opened it later
        due_day = datetime.combine(work_order.pm_due_date, time.min)
        since = min(work_order.opened_at, timezone.make_aware(due_day))
    since = since.replace(second=0, microsecond=0)  # typed to the minute
    if started_at < since:
        what = (
            f"{fault.number} was reported" if fault is not None else f"{work_order.number} opened"
        )
        raise EngineeringError(
            f"The work cannot have started before {what} ({_when(since)}).", field="started_at"
        )


def _parts(parts: list[PartLine]) -> list[PartLine]:
    checked = []
    for n, part in enumerate(parts, 1):
        name = _text(
            part.name, limit=PART_NAME_LIMIT, field=f"part_{n}_name", required="Name the part."
        )
        if not isinstance(part.quantity, int) or part.quantity < 1:
            raise EngineeringError(f"{name}: the quantity is 1 or more.", field=f"part_{n}_qty")
        try:
            cost = money_exact(part.unit_cost)
        except (TypeError, ValueError) as error:
            raise EngineeringError(f"{name}: {error}", field=f"part_{n}_cost") from None
        if cost < 0:
            raise EngineeringError(f"{name}: a cost is 0 or more.", field=f"part_{n}_cost")
        checked.append(PartLine(name=name, quantity=part.quantity, unit_cost=cost))
    return checked


@transaction.atomic
@submissions.once("engineering.work_log")
def work_log_add(
    *,
    actor: User,
    work_order: WorkOrder,
    work_done: str,
    labour_minutes: int,
    started_at: datetime | None,
    ended_at: datetime | None,
    parts: list[PartLine] | None = None,
    request: HttpRequest | None = None,
) -> WorkLogEntry:
    """Log a stretch of work on an open work order: what was done, the labour in minutes, when it
    started and ended (aware datetimes, not in the future), the parts used (each with its
    quantity and the cost of one, money). The requester is told.

    Raises PermissionDenied when the actor is not an engineer or administrator; EngineeringError
    (with the field) when the work order is resolved, what was done is missing or too long, the
    minutes are not 0 to a week or more than the time from start to end, a time is missing or in
    the future, it starts before the fault was reported (a preventive maintenance: before its work
    order opened), it ends before it starts, or a
    part has no name, a quantity under 1 or a cost that is not money; AlreadySubmitted when the same
    form was already sent.
    """
    _may_manage(actor, "log work on a machine")
    work_done = _text(
        work_done, limit=WORK_DONE_LIMIT, field="work_done", required="Say what was done."
    )
    if not isinstance(labour_minutes, int) or not 0 <= labour_minutes <= LABOUR_LIMIT_MINUTES:
        raise EngineeringError(
            f"Labour: 0 to {LABOUR_LIMIT_MINUTES:,} minutes.", field="labour_minutes"
        )
    started_at = _moment(started_at, "started_at", "started")
    ended_at = _moment(ended_at, "ended_at", "ended")
    if ended_at < started_at:
        raise EngineeringError("The work ends after it starts.", field="ended_at")
    span = int((ended_at - started_at).total_seconds() // 60)
    if labour_minutes > span:
        # One engineer's log: the labour is theirs, so no more than the time it spans.
        raise EngineeringError(
            f"Labour: at most {span:,} minutes, the time from start to end. A colleague who"
            " worked alongside logs their own.",
            field="labour_minutes",
        )
    checked = _parts(parts or [])
    work_order = _locked_open(work_order)
    _after_the_fault(work_order, started_at)
    _start(work_order, actor)
    entry = WorkLogEntry.objects.create(
        work_order=work_order,
        engineer=actor,
        work_done=work_done,
        labour_minutes=labour_minutes,
        started_at=started_at,
        ended_at=ended_at,
        logged_at=timezone.now(),
    )
    PartUsed.objects.bulk_create(
        PartUsed(entry=entry, name=p.name, quantity=p.quantity, unit_cost=p.unit_cost)
        for p in checked
    )
    parts_cost = money(sum((money(p.quantity * p.unit_cost) for p in checked), Decimal(0)))
    audit.record(
        actor=actor,
        action="work_order.log",
        obj=work_order,
        after={
            "work_done": work_done,
            "labour_minutes": labour_minutes,
            "parts": [[p.name, p.quantity, p.unit_cost] for p in checked],
            "parts_cost": parts_cost,
        },
        request=request,
    )
    _tell_requester(work_order, f"{actor} logged work: {work_done[:120]}")
    live.machine_changed(work_order.machine_id)
    return entry


@transaction.atomic
@submissions.once("engineering.work_escalate")
def work_order_escalate(
    *,
    actor: User,
    work_order: WorkOrder,
    vendor_reference: str,
    request: HttpRequest | None = None,
) -> WorkOrder:
    """Hand an open work order to the machine's service vendor: it waits for the vendor, with the
    vendor's reference (their ticket or job number). The requester is told.

    Raises PermissionDenied when the actor is not an engineer or administrator; EngineeringError
    (with the field) when the work order is resolved or already waiting for the vendor, or the
    reference is missing or longer than 100 characters; AlreadySubmitted when the same form was
    already sent.
    """
    _may_manage(actor, "escalate a work order")
    reference = _text(
        vendor_reference,
        limit=VENDOR_REFERENCE_LIMIT,
        field="vendor_reference",
        required="Enter the vendor's reference (their ticket or job number).",
    )
    work_order = _locked_open(work_order)
    if work_order.status == WorkOrderStatus.WAITING_VENDOR:
        raise EngineeringError(
            f"{work_order.number} is already with the vendor ({work_order.vendor_reference})."
        )
    before = work_order.status
    _start(work_order, actor)
    work_order.status = WorkOrderStatus.WAITING_VENDOR
    work_order.vendor_reference = reference
    work_order.escalated_at = timezone.now()
    work_order.save(update_fields=["status", "vendor_reference", "escalated_at"])
    audit.record(
        actor=actor,
        action="work_order.escalate",
        obj=work_order,
        before={"status": before},
        after={"status": work_order.status, "vendor_reference": reference},
        request=request,
    )
    vendor = work_order.machine.service_vendor or "the vendor"
    _tell_requester(work_order, f"waiting for {vendor} (reference {reference}).")
    live.machine_changed(work_order.machine_id)
    return work_order


@transaction.atomic
@submissions.once("engineering.work_resolve")
def work_order_resolve(
    *,
    actor: User,
    work_order: WorkOrder,
    resolution: str,
    request: HttpRequest | None = None,
) -> WorkOrder:
    """Resolve an open work order: the machine is back to Operational (an entry of its history),
    unless another open fault request on it still says it is unusable. The requester is told.

    Raises PermissionDenied when the actor is not an engineer or administrator; EngineeringError
    (with the field) when the work order is already resolved, or the resolution is missing or longer
    than 1,000 characters; AlreadySubmitted when the same form was already sent.
    """
    _may_manage(actor, "resolve a work order")
    resolution = _text(
        resolution,
        limit=RESOLUTION_LIMIT,
        field="resolution",
        required="Say how it was resolved.",
    )
    work_order = _locked_open(work_order)
    if work_order.is_preventive:
        raise EngineeringError(
            f"{work_order.number} is a preventive maintenance: complete it with its checklist."
        )
    before = work_order.status
    work_order.status = WorkOrderStatus.RESOLVED
    work_order.resolved_at = timezone.now()
    work_order.resolved_by = actor
    work_order.resolution = resolution
    work_order.save(update_fields=["status", "resolved_at", "resolved_by", "resolution"])
    audit.record(
        actor=actor,
        action="work_order.resolve",
        obj=work_order,
        before={"status": before},
        after={"status": work_order.status, "resolution": resolution},
        request=request,
    )
    machine = locked(Machine.objects).get(pk=work_order.machine_id)
    if machine.status != MachineStatus.OPERATIONAL and not _still_unusable(machine, work_order):
        _status_apply(
            actor=actor,
            machine=machine,
            to_status=MachineStatus.OPERATIONAL,
            reason=f"{work_order.number} resolved: {resolution}"[:REASON_LIMIT],
            request=request,
        )
    else:
        live.machine_changed(machine.pk)
    _tell_requester(work_order, f"resolved by {actor}: {resolution[:120]}")
    return work_order


def _still_unusable(machine: Machine, resolved: WorkOrder) -> bool:
    """Whether another fault request on the machine, not resolved, reported it unusable."""
    return (
        FaultRequest.objects.filter(machine=machine, unusable=True)
        .exclude(pk=resolved.fault_request_id)
        .exclude(work_order__status=WorkOrderStatus.RESOLVED)
        .exists()
    )


# --- preventive maintenance ------------------------------------------------------------------

# A preventive maintenance's work order is made this many days before it falls due, so the
# engineers can plan it (and it shows in the queue as "due in 5 days").
PM_LEAD_DAYS = 7
PM_INTERVAL_LIMIT = 3650
PM_STEPS_LIMIT = 30
PM_STEP_LIMIT = PmStep._meta.get_field("text").max_length
PM_NOTE_LIMIT = PmCheck._meta.get_field("note").max_length


def _pm_steps(steps: list[str]) -> list[str]:
    """The checklist's steps as typed, blank ones left out, each checked for length."""
    kept = [" ".join(step.split()) for step in steps if step and step.strip()]
    if len(kept) > PM_STEPS_LIMIT:
        raise EngineeringError(
            f"At most {PM_STEPS_LIMIT} steps (this has {len(kept)}).", field="steps"
        )
    for n, step in enumerate(kept, 1):
        if len(step) > PM_STEP_LIMIT:
            raise EngineeringError(
                f"Step {n}: at most {PM_STEP_LIMIT} characters (it has {len(step)}).",
                field="steps",
            )
    return kept


@transaction.atomic
@submissions.once("engineering.pm_plan")
def pm_plan_save(
    *,
    actor: User,
    machine: Machine,
    pm_interval_days: int | None,
    steps: list[str],
    request: HttpRequest | None = None,
) -> Machine:
    """Set a machine's preventive-maintenance plan: every how many days (None: no plan) and the
    checklist's steps in order (blank ones dropped). Work orders already made keep the steps they
    were made with.

    Raises PermissionDenied when the actor is not an engineer or administrator; EngineeringError
    (with the field) when the interval is not 1 to 3,650 days, or there are more than 30 steps or
    one longer than 200 characters; AlreadySubmitted when the same form was already sent.
    """
    _may_manage(actor, "change a maintenance plan")
    if pm_interval_days is not None and not 1 <= pm_interval_days <= PM_INTERVAL_LIMIT:
        raise EngineeringError(
            f"Every 1 to {PM_INTERVAL_LIMIT:,} days, or leave it empty for no plan.",
            field="pm_interval_days",
        )
    kept = _pm_steps(steps)
    machine = locked(Machine.objects).get(pk=machine.pk)
    before = {
        "pm_interval_days": machine.pm_interval_days,
        "steps": list(machine.pm_steps.values_list("text", flat=True)),
    }
    machine.pm_interval_days = pm_interval_days
    machine.save(update_fields=["pm_interval_days"])
    machine.pm_steps.all().delete()
    PmStep.objects.bulk_create(
        PmStep(machine=machine, position=n, text=text) for n, text in enumerate(kept, 1)
    )
    audit.record(
        actor=actor,
        action="machine.pm_plan",
        obj=machine,
        before=before,
        after={"pm_interval_days": pm_interval_days, "steps": kept},
        request=request,
    )
    live.machine_changed(machine.pk)
    return machine


@transaction.atomic
def pm_work_orders_create(*, today: date | None = None) -> list[WorkOrder]:
    """Make the preventive-maintenance work orders that are due (the periodic task): one for each
    machine with a plan whose next due date (Machine.pm_next_due_date) is at most PM_LEAD_DAYS
    away and that has no preventive work order open, with the plan's checklist copied; engineers
    are told in one notification. Returns the work orders made.

    Safe to run twice, or at once on two workers: a machine has one work order per due date and
    one open at a time (both unique keys; a run that meets one skips that machine). After the
    server was off, the due date is still the one the last service set, so a machine gets one
    work order for it (already overdue), never one per interval missed.
    """
    today = today or timezone.localdate()
    horizon = today + timedelta(days=PM_LEAD_DAYS)
    busy = set(
        WorkOrder.objects.filter(kind=WorkKind.PREVENTIVE, status__in=OPEN_WORK).values_list(
            "machine_id", flat=True
        )
    )
    candidates = Machine.objects.filter(pm_interval_days__isnull=False).only(
        "name",
        "asset_tag",
        "installed_date",
        "last_serviced_date",
        "pm_interval_days",
        "registered_at",
    )
    due = [
        (machine, machine.pm_next_due_date)
        for machine in candidates.iterator(chunk_size=2000)
        if machine.pk not in busy and machine.pm_next_due_date <= horizon
    ]
    steps: dict[int, list[tuple[int, str]]] = {}
    for machine_id, position, text in PmStep.objects.filter(
        machine_id__in=[machine.pk for machine, _ in due]
    ).values_list("machine_id", "position", "text"):
        steps.setdefault(machine_id, []).append((position, text))
    made = []
    for machine, due_date in due:
        work_order = _pm_work_order_create(machine, due_date, steps.get(machine.pk, []))
        if work_order is not None:
            made.append(work_order)
    if made:
        _tell_engineers_pm_due(made, today)
        live.register_changed()
    return made


def _pm_work_order_create(
    machine: Machine, due_date: date, steps: list[tuple[int, str]]
) -> WorkOrder | None:
    """One preventive work order with its checklist, or None when the database already holds
    one for that due date or one open for the machine (another run made it)."""
    try:
        with transaction.atomic():
            work_order = WorkOrder.objects.create(
                number=yearly_number("PM"),
                machine=machine,
                kind=WorkKind.PREVENTIVE,
                pm_due_date=due_date,
                status=WorkOrderStatus.DUE,
                opened_at=timezone.now(),
            )
            PmCheck.objects.bulk_create(
                PmCheck(work_order=work_order, position=position, text=text)
                for position, text in sorted(steps)
            )
            audit.record(
                actor=None,
                actor_username="system",
                action="work_order.pm_due",
                obj=work_order,
                after={"machine": machine.asset_tag, "due": due_date, "steps": len(steps)},
            )
    except IntegrityError:
        return None
    return work_order


def _tell_engineers_pm_due(made: list[WorkOrder], today: date) -> None:
    overdue = [w for w in made if w.pm_due_date < today]
    names = ", ".join(
        f"{w.machine.name} ({formats.date_format(w.pm_due_date, 'DATE_FORMAT')})" for w in made[:5]
    )
    more = f" and {len(made) - 5} more" if len(made) > 5 else ""
    late = f", {len(overdue)} overdue" if overdue else ""
    notify(
        rbac.ENGINEER,
        f"Preventive maintenance due: {len(made)} work order{'s' if len(made) != 1 else ''}"
        f"{late}: {names}{more}.",
        link=reverse("work_queue"),
        urgent=bool(overdue),
        kind="maintenance",
    )


@dataclass(frozen=True)
class StepOutcome:
    """A checklist step's outcome: its position, pass or fail, the engineer's note, and for a
    failed step whether to report a fault on the machine (and whether it is unusable)."""

    position: int
    passed: bool
    note: str = ""
    report_fault: bool = False
    unusable: bool = False


def _outcomes(checks: list[PmCheck], outcomes: list[StepOutcome]) -> dict[int, StepOutcome]:
    by_position = {outcome.position: outcome for outcome in outcomes}
    for check in checks:
        n = check.position
        outcome = by_position.get(n)
        if outcome is None:
            raise EngineeringError(f"Step {n}: passed or failed?", field=f"step_{n}_result")
        note = (outcome.note or "").strip()
        if len(note) > PM_NOTE_LIMIT:
            raise EngineeringError(
                f"Step {n}: at most {PM_NOTE_LIMIT} characters.", field=f"step_{n}_note"
            )
        if not outcome.passed and not note:
            raise EngineeringError(f"Step {n} failed: say what was wrong.", field=f"step_{n}_note")
    return by_position


@transaction.atomic
@submissions.once("engineering.pm_complete")
def pm_complete(
    *,
    actor: User,
    work_order: WorkOrder,
    outcomes: list[StepOutcome],
    note: str = "",
    request: HttpRequest | None = None,
) -> WorkOrder:
    """Complete an open preventive maintenance: each checklist step passed or failed with its note
    (a failed one needs a note), the work order resolved, the machine's last serviced date today
    (so its next due date is `pm_interval_days` on). A machine Under maintenance is back to
    Operational unless a request still says it is unusable; a failed step marked to report a
    fault opens a fault request on the machine (fault_request_raise: unusable puts it Out of
    order, and engineers are told).

    Raises PermissionDenied when the actor is not an engineer or administrator; EngineeringError
    (with the field) when the work order is resolved or is a fault repair, a step has no outcome, a
    failed step has no note or a note is longer than 500 characters; AlreadySubmitted when the same
    form was already sent.
    """
    _may_manage(actor, "complete a preventive maintenance")
    note = _text(note, limit=RESOLUTION_LIMIT - 50, field="note", required="")
    work_order = _locked_open(work_order)
    if not work_order.is_preventive:
        raise EngineeringError(
            f"{work_order.number} is a fault repair: resolve it, there is no checklist."
        )
    checks = list(work_order.checks.order_by("position"))
    by_position = _outcomes(checks, outcomes)
    for check in checks:
        check.passed = by_position[check.position].passed
        check.note = by_position[check.position].note.strip()
    PmCheck.objects.bulk_update(checks, ["passed", "note"])
    failed = [check for check in checks if not check.passed]
    before = work_order.status
    _start(work_order, actor)
    work_order.status = WorkOrderStatus.RESOLVED
    work_order.resolved_at = timezone.now()
    work_order.resolved_by = actor
    passed = f"{len(checks) - len(failed)} of {len(checks)} steps passed"
    work_order.resolution = (f"{passed}. {note}" if note else f"{passed}.")[:RESOLUTION_LIMIT]
    work_order.save(update_fields=["status", "resolved_at", "resolved_by", "resolution"])
    machine = locked(Machine.objects).get(pk=work_order.machine_id)
    serviced_before = machine.last_serviced_date
    machine.last_serviced_date = timezone.localdate()
    machine.save(update_fields=["last_serviced_date"])
    audit.record(
        actor=actor,
        action="work_order.pm_complete",
        obj=work_order,
        before={"status": before, "last_serviced_date": serviced_before},
        after={
            "status": work_order.status,
            "steps": [[c.position, c.passed, c.note] for c in checks],
            "last_serviced_date": machine.last_serviced_date,
            "next_due": machine.pm_next_due_date,
        },
        request=request,
    )
    if machine.status == MachineStatus.UNDER_MAINTENANCE and not _still_unusable(
        machine, work_order
    ):
        _status_apply(
            actor=actor,
            machine=machine,
            to_status=MachineStatus.OPERATIONAL,
            reason=f"{work_order.number} preventive maintenance done ({passed})",
            request=request,
        )
    else:
        live.machine_changed(machine.pk)
    for check in failed:
        outcome = by_position[check.position]
        if outcome.report_fault:
            check.fault_request = fault_request_raise(
                actor=actor,
                machine=machine,
                description=(
                    f"{work_order.number} step {check.position} failed: {check.text}: {check.note}"
                )[:DESCRIPTION_LIMIT],
                unusable=outcome.unusable,
                priority=Priority.HIGH if outcome.unusable else Priority.NORMAL,
                request=request,
            )
            check.save(update_fields=["fault_request"])
    return work_order
