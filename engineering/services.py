"""Business actions of engineering: register and edit machines, change a machine's status.

Each is one transaction with its audit row; a refusal raises EngineeringError with the sentence
the person reads (and the form field it is about). A machine's status changes only through
machine_status_change, which appends to its history and never rewrites it; the engineers' screens
and the machine's page hear about every change on commit.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import formats, timezone

from accounts.models import Department, User
from engineering import live
from engineering.models import Machine, MachineStatus, MachineStatusChange
from hms import audit, rbac, submissions
from hms.refusals import Refusal

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
    if not rbac.allows(actor, "engineering.machines"):
        raise EngineeringError(f"Only an engineer or an administrator can {what}.")


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

    Raises EngineeringError (with the field) when the actor is not an engineer or administrator,
    a value breaks the register's rules (the asset tag's characters, a length, an unknown choice,
    an installation date in the future) or the asset tag is another machine's; AlreadySubmitted
    (hms.submissions) when the same form was already sent.
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

    Raises EngineeringError (with the field) when the actor is not an engineer or administrator,
    a value breaks the register's rules or the asset tag is another machine's; AlreadySubmitted
    when the same form was already sent.
    """
    _may_manage(actor, "change the asset register")
    machine = Machine.objects.select_for_update().get(pk=machine.pk)
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

    Raises EngineeringError (with the field) when the actor is not an engineer or administrator,
    the status is unknown, the reason is missing or longer than 500 characters, `effective_at` is
    in the future or before the machine entered the register, or the machine already had that
    status then; AlreadySubmitted when the same form was already sent.
    """
    _may_manage(actor, "change a machine's status")
    if to_status not in MachineStatus.values:
        raise EngineeringError("Choose the new status.", field="to_status")
    reason = (reason or "").strip()
    if not reason:
        raise EngineeringError("Say why the status changes.", field="reason")
    if len(reason) > REASON_LIMIT:
        raise EngineeringError(f"Reason: at most {REASON_LIMIT} characters.", field="reason")
    machine = Machine.objects.select_for_update().get(pk=machine.pk)
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
