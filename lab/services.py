"""Business actions of the lab: order and cancel tests (posting and reversing their charges),
move an order one step along, enter and correct results, attach the report, and the catalogue.

Each is one transaction with its audit row; a refusal raises LabError with the sentence the user
reads, and a role that may not do the thing at all gets PermissionDenied (403, nothing changed). The technicians' worklist and the ordering doctor hear about every change on commit.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats, timezone

from accounts.models import User
from billing import services as billing
from clinical import open_orders
from clinical.models import Encounter, Patient, PatientState
from engineering import availability
from engineering.models import Machine, MachineType
from hms import audit, files, params, rbac, submissions
from hms.locking import locked
from hms.numbering import yearly_number
from hms.refusals import Refusal
from lab import live, selectors
from lab.models import (
    OPEN_STATUSES,
    CriticalCall,
    Flag,
    LabTest,
    OrderStatus,
    Priority,
    ReferenceRange,
    ResultField,
    ResultValue,
    ResultVersion,
    TestOrder,
    admission_model,
)
from messaging.services import notify

# The worklist's live topic (technicians and admin) and the event its page listens for.
CANCELLABLE = [OrderStatus.PENDING, OrderStatus.COLLECTED]
STEP_STAMPS = {
    OrderStatus.COLLECTED: ("collected_at", "collected_by"),
    OrderStatus.IN_PROGRESS: ("started_at", "started_by"),
    OrderStatus.COMPLETED: ("completed_at", "completed_by"),
    OrderStatus.VERIFIED: ("verified_at", "verified_by"),
}


class LabError(Refusal):
    """A lab action that cannot be done, with the sentence the user reads. `fields` names the
    posted fields it is about, each with its own sentence ({"field-12": "Haemoglobin: …",
    "reason": "…"}), so the form shows each beside its field."""

    def __init__(
        self, message: str, *, field: str | None = None, fields: dict | None = None
    ) -> None:
        super().__init__(message, field=field)
        self.fields = dict(fields or {})
        if field:
            self.fields.setdefault(field, message)


class MachineUnavailable(LabError):
    """An imaging test whose machine type has no Operational machine: `down` names the machines
    of each such type (their status and since when), so the form can offer to order it "to be
    done when the machine is back"."""

    def __init__(self, message: str, *, down: dict[str, list[Machine]]) -> None:
        super().__init__(message)
        self.down = down


MACHINE_WAIT_LIMIT = TestOrder._meta.get_field("machine_wait_reason").max_length


def _since(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def machines_down_sentence(down: dict[str, list[Machine]]) -> str:
    """What a doctor reads when no machine of a test's type works: each type, each of its
    machines with its status and since when (engineering's own "since")."""
    parts = []
    for machine_type, machines in down.items():
        listed = "; ".join(
            f"{m.name} ({m.asset_tag}) {m.get_status_display().lower()} since {_since(m.status_since)}"
            for m in machines
        )
        parts.append(f"No {MachineType(machine_type).label} machine is working: {listed}.")
    return " ".join(parts)


def _machine_wait(
    tests: list[LabTest], *, when_machine_back: bool, reason: str
) -> tuple[dict[str, list[Machine]], str]:
    """The machine types of the imaging `tests` with no Operational machine (one query), and the
    reason the doctor gave for ordering them anyway; refuses when none was given."""
    types = {t.machine_type for t in tests if t.machine_type}
    down = availability.unavailable(types) if types else {}
    if not down:
        return {}, ""
    sentence = machines_down_sentence(down)
    if not when_machine_back:
        raise MachineUnavailable(
            f"{sentence} Order it to be done when the machine is back (tick it below and say"
            " why), or leave it out.",
            down=down,
        )
    reason = (reason or "").strip()
    if not reason:
        raise LabError(
            f"{sentence} Say why it is ordered now, to be done when the machine is back.",
            field="machine_wait_reason",
        )
    if len(reason) > MACHINE_WAIT_LIMIT:
        raise LabError(
            f"Reason: at most {MACHINE_WAIT_LIMIT} characters (this has {len(reason)}).",
            field="machine_wait_reason",
        )
    return down, reason


def order_source(order: TestOrder) -> str:
    """The charge source label of a test order (how billing refers to it).

    Raises no domain error.
    """
    return f"lab.TestOrder:{order.pk}"


def _signal(order: TestOrder) -> None:
    """Tell the lab's worklists, and the pages showing this patient's orders, that it changed."""
    live.order_changed(patient_id=order.patient_id, ordered_by_id=order.ordered_by_id)


def _result_link(order: TestOrder) -> str:
    return reverse("lab_order", args=[order.pk])


def _locked(order: TestOrder) -> TestOrder:
    return locked(TestOrder.objects).select_related("test", "patient").get(pk=order.pk)


# --- ordering ----------------------------------------------------------------------------------


@transaction.atomic
@submissions.once("lab.order")
def order_tests(
    *,
    actor: User,
    patient: Patient,
    tests: list[LabTest],
    priority: str = Priority.ROUTINE,
    clinical_notes: str = "",
    encounter: Encounter | None = None,
    admission: models.Model | None = None,
    when_machine_back: bool = False,
    machine_wait_reason: str = "",
    request: HttpRequest | None = None,
) -> list[TestOrder]:
    """Order one or several tests for a patient, from a consultation or an admission. Each test
    is an order of its own (its own number, steps and result) and posts its charge: to the
    admission's bill for an inpatient, to the patient's account otherwise.

    An imaging test whose machine type has machines in engineering's register but none
    Operational is refused, naming them; with `when_machine_back` and a reason it is ordered "to
    be done when the machine is back" (the reason stored on the order and audited).

    Raises PermissionDenied when the actor's role may not order tests; MachineUnavailable (a
    LabError) when an imaging test's machines are all down and `when_machine_back` is not set;
    LabError when the record is archived, no test or priority is chosen, the consultation or admission is another patient's,
    the patient was discharged, a test is no longer offered or already pending, the reason for
    ordering while the machine is down is missing or over 200 characters, or a test cannot be
    charged; AlreadySubmitted (hms.submissions) when the same form was already sent.
    """
    if not rbac.allows(actor, "tests.order"):
        raise PermissionDenied("Only a doctor can order tests.")
    if admission is not None:
        # The stay before the patient, in the order a discharge locks them: a test ordered while
        # the stay is being discharged waits, then is refused (the stay has ended) or is seen by
        # the discharge as an open order.
        locked(admission_model().objects).filter(pk=admission.pk).first()
    patient = locked(Patient.objects).get(pk=patient.pk)
    if patient.state == PatientState.ARCHIVED:
        raise LabError("This patient's record is archived: reactivate it before ordering tests.")
    if not tests:
        raise LabError("Choose at least one test.")
    if priority not in Priority.values:
        raise LabError("Choose the priority: routine, urgent or STAT.")
    if encounter is not None and encounter.patient_id != patient.pk:
        raise LabError("That consultation belongs to another patient.")
    if admission is not None:
        if admission.patient_id != patient.pk:
            raise LabError("That admission belongs to another patient.")
        if (
            not admission_model()
            .objects.filter(pk=admission.pk, discharged_at__isnull=True)
            .exists()
        ):
            raise LabError("The patient has been discharged: order from a new visit.")
    inactive = [t.name for t in tests if not t.active]
    if inactive:
        raise LabError(f"No longer offered: {', '.join(inactive)}.")
    already = list(
        TestOrder.objects.filter(
            patient=patient, test__in=tests, status__in=OPEN_STATUSES
        ).select_related("test")
    )
    if already:
        names = ", ".join(f"{o.test.name} ({o.number})" for o in already)
        raise LabError(f"Already ordered and not done yet: {names}. Cancel it first to re-order.")
    down, wait_reason = _machine_wait(
        tests, when_machine_back=when_machine_back, reason=machine_wait_reason
    )
    now = timezone.now()
    orders = []
    for test in tests:
        order = TestOrder.objects.create(
            number=yearly_number("LAB"),
            patient=patient,
            test=test,
            encounter=encounter,
            admission=admission,
            priority=priority,
            clinical_notes=clinical_notes.strip()[:500],
            machine_type=test.machine_type,
            machine_wait_reason=wait_reason if test.machine_type in down else "",
            ordered_at=now,
            due_at=now + timedelta(minutes=test.turnaround_minutes),
            ordered_by=actor,
        )
        try:
            billing.charge_post(
                actor=actor,
                patient=patient,
                code=test.charge_item.code,
                description=f"{test.name} ({order.number})",
                admission=admission,
                source=order_source(order),
                accrual_key=f"lab-order:{order.pk}",
                service_from=now,
                request=request,
            )
        except billing.BillingError as error:
            raise LabError(f"{test.name} cannot be charged: {error}") from error
        audit.record(
            actor=actor,
            action="lab.order",
            obj=order,
            patient=patient,
            after={
                "number": order.number,
                "test": test.code,
                "priority": priority,
                "encounter": encounter.pk if encounter else None,
                "admission": admission.pk if admission else None,
                **_waiting(order, down),
            },
            request=request,
        )
        orders.append(order)
    _signal(orders[0])
    return orders


def _waiting(order: TestOrder, down: dict[str, list[Machine]]) -> dict:
    """An order's audit of waiting for its machine: the reason and the machines down then."""
    if not order.machine_wait_reason:
        return {}
    return {
        "machine_wait_reason": order.machine_wait_reason,
        "machines_down": [
            f"{m.asset_tag} {m.status} since {m.status_since.isoformat()}"
            for m in down[order.machine_type]
        ],
    }


@transaction.atomic
def order_cancel(
    *, actor: User, order: TestOrder, reason: str, request: HttpRequest | None = None
) -> TestOrder:
    """Cancel an order the lab has not started on; its charge is reversed with a visible line.

    Raises PermissionDenied when the actor's role may not order tests; LabError when the lab has
    already begun the test, or no reason is given.
    """
    if not rbac.allows(actor, "tests.order"):
        raise PermissionDenied("Only a doctor can cancel a test order.")
    order = _locked(order)
    if order.status not in CANCELLABLE:
        raise LabError(
            f"{order.number} is {order.get_status_display().lower()}: only a test the lab has not"
            " started on can be cancelled."
        )
    if not reason.strip():
        raise LabError("Give the reason for cancelling the test.")
    before = order.status
    order.status = OrderStatus.CANCELLED
    order.cancelled_at = timezone.now()
    order.cancelled_by = actor
    order.cancel_reason = reason.strip()[:200]
    order.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason"])
    billing.reverse_source(
        actor=actor,
        source=order_source(order),
        reason=f"{order.number} cancelled",
        request=request,
    )
    audit.record(
        actor=actor,
        action="lab.cancel",
        obj=order,
        patient=order.patient_id,
        before={"status": before},
        after={"status": order.status, "reason": order.cancel_reason},
        request=request,
    )
    _signal(order)
    return order


@transaction.atomic
def order_carry_over(
    *, actor: User, order: TestOrder, reason: str, request: HttpRequest | None = None
) -> TestOrder:
    """Carry a test not yet resulted over to outpatient follow-up, when its inpatient goes home:
    it stays on the worklist (marked, with the reason) and its charge stands; the result reaches
    the ordering doctor as any other.

    Raises PermissionDenied when the actor's role may not order tests; LabError when the test is
    done or cancelled, already carried over, or the reason is missing or too long.
    """
    if not rbac.allows(actor, "tests.order"):
        raise PermissionDenied("Only a doctor can carry a test over to outpatient follow-up.")
    order = _locked(order)
    if not order.is_open:
        raise LabError(
            f"{order.number} is {order.get_status_display().lower()}: only a test not yet"
            " resulted is carried over."
        )
    if order.carried_over:
        raise LabError(f"{order.number} is already carried over to outpatient follow-up.")
    reason = reason.strip()
    if not reason:
        raise LabError(
            "Give the reason for carrying the test over (the follow-up it is for, e.g. review in"
            " clinic on Friday)."
        )
    limit = TestOrder._meta.get_field("carry_over_reason").max_length
    if len(reason) > limit:
        raise LabError(f"Reason for carrying over: at most {limit} characters.")
    order.carried_over_at = timezone.now()
    order.carried_over_by = actor
    order.carry_over_reason = reason
    order.save(update_fields=["carried_over_at", "carried_over_by", "carry_over_reason"])
    audit.record(
        actor=actor,
        action="lab.carry_over",
        obj=order,
        patient=order.patient_id,
        after={"status": order.status, "reason": reason, "admission": order.admission_id},
        request=request,
    )
    _signal(order)
    return order


# --- open orders at discharge (clinical.open_orders: wards asks, lab answers) ---------------


def _open_order(order: TestOrder) -> open_orders.OpenOrder:
    return open_orders.OpenOrder(
        source="lab",
        order_id=order.pk,
        number=order.number,
        name=order.test.name,
        status=order.get_status_display(),
        ordered_at=order.ordered_at,
        ordered_by=str(order.ordered_by),
        link=_result_link(order),
        cancellable=order.status in CANCELLABLE,
        kind="Imaging" if order.test.is_imaging else "Lab test",
    )


def _settle(
    action: Callable[..., object],
    *,
    actor: User,
    order_id: int,
    reason: str,
    request: HttpRequest | None = None,
) -> None:
    order = TestOrder.objects.filter(pk=order_id).first()
    if order is None:
        raise open_orders.OrderRefused("That test order no longer exists.")
    try:
        action(actor=actor, order=order, reason=reason, request=request)
    except LabError as refusal:
        raise open_orders.OrderRefused(str(refusal)) from refusal


OPEN_ORDER_SOURCE = open_orders.OrderSource(
    name="lab",
    open_for_stay=lambda admission: [
        _open_order(order) for order in selectors.open_orders_of_stay(admission)
    ],
    cancel=lambda **kwargs: _settle(order_cancel, **kwargs),
    carry_over=lambda **kwargs: _settle(order_carry_over, **kwargs),
)


# --- the technician's steps ----------------------------------------------------------------


def _may_complete(order: TestOrder) -> None:
    if order.result_version == 0 and not order.report:
        raise LabError("Enter the results (or attach the report) before completing the test.")
    if order.test.is_imaging:
        version = order.versions.filter(version=order.result_version).first()
        if not order.report and not (version and version.findings.strip()):
            raise LabError("Write the findings or attach the report before completing the test.")
        return
    entered = {
        v.field_id for v in order.values.all() if v.version == order.result_version and v.value
    }
    missing = [f.name for f in order.test.fields.all() if f.numeric and f.pk not in entered]
    if missing:
        raise LabError(f"Enter every value before completing: {', '.join(missing)} missing.")


def needs_a_colleague_to_verify(actor: User, order: TestOrder) -> bool:
    """Whether `actor` completed or entered this result and so may not verify it themself (a
    second person verifies; a one-person lab sets HMS_LAB_ALLOW_SELF_VERIFY).

    Raises no domain error.
    """
    if settings.HMS_LAB_ALLOW_SELF_VERIFY or rbac.passes_every_check(actor):
        return False
    return order.completed_by_id == actor.pk


def _may_verify(actor: User, order: TestOrder) -> None:
    if settings.HMS_LAB_ALLOW_SELF_VERIFY or rbac.passes_every_check(actor):
        return
    if order.completed_by_id == actor.pk:
        raise LabError(
            "A second person verifies a result: you completed this test, so a colleague must"
            " verify it."
        )
    entry = order.versions.filter(version=order.result_version).first()
    if entry is not None and entry.entered_by_id == actor.pk:
        raise LabError(
            "A second person verifies a result: you entered these results, so a colleague must"
            " verify them."
        )


@transaction.atomic
def order_advance(
    *, actor: User, order: TestOrder, to_status: str, request: HttpRequest | None = None
) -> TestOrder:
    """Move an order one step along its line (Pending → Sample collected → In progress →
    Completed → Verified), stamping who and when. Skipping a step, or going back, is refused.

    Raises PermissionDenied when the actor's role may not process tests; LabError when the status
    is unknown or not the next step, results are missing before completing, or the actor verifies
    a test they completed or results they entered (a colleague must).
    """
    if not rbac.allows(actor, "tests.process"):
        raise PermissionDenied("Only the lab can change a test's status.")
    order = _locked(order)
    labels = dict(OrderStatus.choices)
    if to_status not in labels:
        raise LabError("Unknown status.")
    if order.next_status is None:
        raise LabError(f"{order.number} is {order.get_status_display().lower()}: nothing follows.")
    if to_status != order.next_status:
        raise LabError(
            f"{order.number} is {order.get_status_display().lower()}: the next step is"
            f" “{labels[order.next_status]}”, not “{labels[to_status]}”. Steps are taken one at a"
            " time."
        )
    if to_status == OrderStatus.COMPLETED:
        _may_complete(order)
    if to_status == OrderStatus.VERIFIED:
        _may_verify(actor, order)
    before = order.status
    now = timezone.now()
    at_field, by_field = STEP_STAMPS[to_status]
    setattr(order, at_field, now)
    setattr(order, by_field, actor)
    order.status = to_status
    update = ["status", at_field, by_field]
    if to_status == OrderStatus.VERIFIED:
        order.verified_version = order.result_version
        update.append("verified_version")
        order.versions.filter(version=order.result_version).update(
            verified_at=now, verified_by=actor
        )
    order.save(update_fields=update)
    audit.record(
        actor=actor,
        action=f"lab.{to_status}",
        obj=order,
        patient=order.patient_id,
        before={"status": before},
        after={"status": to_status},
        request=request,
    )
    if to_status in (OrderStatus.COMPLETED, OrderStatus.VERIFIED):
        word = (
            "verified" if to_status == OrderStatus.VERIFIED else "completed, awaiting verification"
        )
        flagged = {"critical": " CRITICAL values.", "abnormal": " Abnormal values."}.get(
            order.flag, ""
        )
        notify(
            order.ordered_by,
            f"{order.test.name} for {order.patient.full_name} is {word}.{flagged}",
            link=_result_link(order),
            kind="lab_result",
        )
    _signal(order)
    return order


# --- results ---------------------------------------------------------------------------------


# Every numeric field of the catalogue is a count, a concentration, a ratio or a time: none can
# be below zero. (A field that can, such as a base excess, would carry its own lowest value.)
LOWEST_POSSIBLE = Decimal(0)
# What a stored value holds (ResultValue.numeric_value): 3 places, 12 digits.
VALUE_PLACES, VALUE_DIGITS = 3, 12


def _parse(field: ResultField, raw: str) -> Decimal:
    """The number exactly as typed (a decimal comma is read as a point), or refused: Python's
    syntax (1_5, 1e3), more places than are stored, or a value no patient can have."""
    text = raw.strip()
    if "," in text:
        whole, _, decimals = text.partition(",")
        if "." in text or "," in decimals or len(decimals) == 3:
            # 1,000 could be a thousand or one: the reading is asked again, never guessed.
            raise LabError(f"{field.name}: write the number without a thousands comma, e.g. 1000.")
        text = f"{whole}.{decimals}"
    try:
        value = params.plain_decimal(
            text, places=VALUE_PLACES, max_digits=VALUE_DIGITS, allow_negative=True
        )
    except params.ValueRefused as refusal:
        if "decimal places" in str(refusal):
            raise LabError(f"{field.name}: enter at most {VALUE_PLACES} decimal places.") from None
        if "too large" in str(refusal):
            raise LabError(f"{field.name}: that number is too large; check the reading.") from None
        raise LabError(f"{field.name}: enter a number, such as 13.5.") from None
    if value < LOWEST_POSSIBLE:
        raise LabError(
            f"{field.name}: {text} is not possible (it cannot be below {LOWEST_POSSIBLE});"
            " check the reading."
        )
    low, high = field.possible_low, field.possible_high
    if (low is not None and value < low) or (high is not None and value > high):
        raise LabError(
            f"{field.name}: {text} is not possible ({possible_range(field)}); check the reading."
        )
    return value


def possible_range(field: ResultField) -> str:
    """The values `field` can take, as its refusal says them: "a reading lies between 1 and 26
    g/dL", "... is at least 0.1 mmol/L", "... is at most 15"; "" when the field holds none."""

    def number(value: Decimal) -> str:
        return f"{value.normalize():f}"

    unit = f" {field.unit}" if field.unit else ""
    low, high = field.possible_low, field.possible_high
    if low is not None and high is not None:
        return f"a reading lies between {number(low)} and {number(high)}{unit}"
    if low is not None:
        return f"a reading is at least {number(low)}{unit}"
    if high is not None:
        return f"a reading is at most {number(high)}{unit}"
    return ""


def _write_values(order: TestOrder, version: int, values: dict, findings: str) -> str:
    """Store a version's values (flagged against the patient's reference range) and findings;
    returns the worst flag: "critical", "abnormal" or ""."""
    fields = selectors.fields_with_ranges(order.test)
    patient = order.patient
    age_days = selectors.range_age_days(order)
    rows = []
    worst = ""
    refused = {}  # every refused value is named at once, each beside its field
    for field in fields:
        raw = (values.get(str(field.pk)) or values.get(field.pk) or "").strip()
        if not raw:
            continue
        try:
            if len(raw) > 200:
                raise LabError(f"{field.name}: at most 200 characters.")
            number = _parse(field, raw) if field.numeric else None
        except LabError as refusal:
            refused[f"field-{field.pk}"] = str(refusal)
            continue
        flag, reference = Flag.NORMAL, ""
        if field.numeric:
            band = selectors.reference_range(list(field.ranges.all()), patient.sex, age_days)
            flag = selectors.flag_of(number, band)
            reference = band.describe_with_note() if band else ""
            raw = f"{number.normalize():f}"
        if flag in (Flag.CRITICAL_LOW, Flag.CRITICAL_HIGH):
            worst = "critical"
        elif flag and not worst:
            worst = "abnormal"
        rows.append(
            ResultValue(
                order=order,
                version=version,
                field=field,
                name=field.name,
                unit=field.unit,
                value=raw,
                numeric_value=number,
                reference=reference,
                flag=flag,
            )
        )
    if refused:
        raise LabError(" ".join(refused.values()), fields=refused)
    order.values.filter(version=version).delete()
    ResultValue.objects.bulk_create(rows)
    return worst


def _snapshot(order: TestOrder, version: int) -> dict:
    values = {v.name: f"{v.value} {v.unit}".strip() for v in order.values.filter(version=version)}
    entry = order.versions.filter(version=version).first()
    return {"version": version, "values": values, "findings": entry.findings if entry else ""}


def _tell_critical(order: TestOrder, before_flag: str) -> None:
    """A critical value reaches the ordering doctor at once, before anyone verifies it."""
    if order.flag == "critical" and before_flag != "critical":
        critical = ", ".join(
            f"{v.name} {v.value} {v.unit}".strip()
            for v in order.values.filter(version=order.result_version)
            if v.is_critical
        )
        notify(
            order.ordered_by,
            f"CRITICAL result for {order.patient.full_name} ({order.test.name}): {critical}."
            " Call the lab.",
            link=_result_link(order),
            urgent=True,
            kind="critical_result",
            event=f"critical_result:{order.pk}:{order.result_version}",
        )


@transaction.atomic
def results_enter(
    *,
    actor: User,
    order: TestOrder,
    values: dict,
    findings: str = "",
    request: HttpRequest | None = None,
) -> TestOrder:
    """Enter (or correct, until it is completed) the result of a test in progress: values per
    field, flagged against the reference range for the patient's sex and age, and findings.

    Raises PermissionDenied when the actor's role may not process tests; LabError when the test is
    not in progress, the findings or a value are too long or refused, or nothing is entered.
    """
    if not rbac.allows(actor, "tests.process"):
        raise PermissionDenied("Only the lab can enter results.")
    order = _locked(order)
    if order.status != OrderStatus.IN_PROGRESS:
        raise LabError(
            f"Results are entered while a test is in progress; {order.number} is"
            f" {order.get_status_display().lower()}."
        )
    findings = findings.strip()
    if len(findings) > 5000:
        raise LabError("Findings: at most 5,000 characters.", field="findings")
    version = order.result_version or 1
    before = _snapshot(order, version) if order.result_version else None
    before_flag = order.flag
    order.flag = _write_values(order, version, values, findings)
    entry, _ = ResultVersion.objects.update_or_create(
        order=order,
        version=version,
        defaults={"findings": findings, "entered_at": timezone.now(), "entered_by": actor},
    )
    if not order.values.filter(version=version).exists() and not findings:
        raise LabError("Enter at least one value or the findings.")
    order.result_version = version
    order.save(update_fields=["flag", "result_version"])
    audit.record(
        actor=actor,
        action="lab.results",
        obj=order,
        patient=order.patient_id,
        before=before,
        after=_snapshot(order, version),
        request=request,
    )
    _tell_critical(order, before_flag)
    _signal(order)
    return order


@transaction.atomic
def results_amend(
    *,
    actor: User,
    order: TestOrder,
    values: dict,
    findings: str = "",
    reason: str,
    request: HttpRequest | None = None,
) -> TestOrder:
    """Correct a verified result: a new version is entered beside the original (which stays,
    and stays what the patient sees) and goes back to Completed until a second person verifies
    the correction.

    Raises PermissionDenied when the actor's role may not process tests; LabError when the result
    is not verified, the reason is missing or too long, the findings or a value are too long or
    refused, or nothing is entered.
    """
    if not rbac.allows(actor, "tests.process"):
        raise PermissionDenied("Only the lab can amend results.")
    order = _locked(order)
    if order.status != OrderStatus.VERIFIED:
        raise LabError("Only a verified result is amended; until then, correct it directly.")
    if not reason.strip():
        raise LabError("Give the reason for the amendment.", field="reason")
    limit = params.model_limit(ResultVersion, "amendment_reason")
    if len(reason.strip()) > limit:
        raise LabError(f"Reason for the amendment: at most {limit} characters.", field="reason")
    findings = findings.strip()
    if len(findings) > 5000:
        raise LabError("Findings: at most 5,000 characters.", field="findings")
    original = _snapshot(order, order.result_version)
    version = order.result_version + 1
    before_flag = order.flag
    order.flag = _write_values(order, version, values, findings)
    if not order.values.filter(version=version).exists() and not findings:
        raise LabError("Enter the corrected values or findings.")
    now = timezone.now()
    previous = order.versions.filter(version=version - 1).first()
    ResultVersion.objects.create(
        order=order,
        version=version,
        findings=findings,
        entered_at=now,
        entered_by=actor,
        amendment_reason=reason.strip(),
        # The report carries over until a corrected one is attached.
        report=previous.report.name if previous else "",
        report_size=previous.report_size if previous else 0,
    )
    order.result_version = version
    order.status = OrderStatus.COMPLETED
    order.completed_at, order.completed_by = now, actor
    order.verified_at, order.verified_by = None, None
    order.save(
        update_fields=[
            "flag",
            "result_version",
            "status",
            "completed_at",
            "completed_by",
            "verified_at",
            "verified_by",
        ]
    )
    audit.record(
        actor=actor,
        action="lab.amend",
        obj=order,
        patient=order.patient_id,
        before=original,
        after=_snapshot(order, version) | {"reason": reason.strip()},
        request=request,
    )
    notify(
        order.ordered_by,
        f"{order.test.name} for {order.patient.full_name} was amended ({reason.strip()[:80]});"
        " the correction awaits verification.",
        link=_result_link(order),
        kind="lab_result",
    )
    _tell_critical(order, before_flag)
    _signal(order)
    return order


CALLED_PERSON_LIMIT = 120


@transaction.atomic
@submissions.once("lab.critical_call")
def critical_call_record(
    *,
    actor: User,
    order: TestOrder,
    called_person: str,
    called_at: datetime,
    read_back: bool,
    request: HttpRequest | None = None,
) -> CriticalCall:
    """Record the lab's telephone call about a critical result: who was called (name and role,
    e.g. "Dr Otieno, ward 3"), when (not in the future), and whether they read the values back.
    Audited as `lab.critical_call`; shown on the result.

    Raises PermissionDenied when the actor's role may not process tests; LabError when the result
    has no critical value, the person is missing or too long, or the time is in the future or
    before the result version it is about was entered.
    """
    if not rbac.allows(actor, "tests.process"):
        raise PermissionDenied("Only the lab records the critical-value call.")
    order = _locked(order)
    if order.flag != "critical":
        raise LabError(f"{order.number} has no critical value to call about.")
    called_person = called_person.strip()
    if not called_person:
        raise LabError("Name the person called.", field="called_person")
    if len(called_person) > CALLED_PERSON_LIMIT:
        raise LabError(
            f"Person called: at most {CALLED_PERSON_LIMIT} characters.", field="called_person"
        )
    if called_at > timezone.now() + timedelta(minutes=1):
        raise LabError("The call cannot be in the future.", field="called_at")
    entered_at = (
        order.versions.filter(version=order.result_version)
        .values_list("entered_at", flat=True)
        .first()
    )
    # The call is typed to the minute: one in the minute the result was entered counts.
    if entered_at is not None and called_at < entered_at.replace(second=0, microsecond=0):
        entered = timezone.localtime(entered_at)
        day = "today" if entered.date() == timezone.localdate() else f"{entered:%d %b %Y}"
        raise LabError(
            f"The call cannot be before the result was entered ({entered:%H:%M} {day}).",
            field="called_at",
        )
    call = CriticalCall.objects.create(
        order=order,
        result_version=order.result_version,
        called_person=called_person,
        called_at=called_at,
        read_back=read_back,
        recorded_by=actor,
    )
    audit.record(
        actor=actor,
        action="lab.critical_call",
        obj=order,
        patient=order.patient_id,
        after={
            "called_person": called_person,
            "called_at": called_at,
            "read_back": read_back,
            "result_version": order.result_version,
        },
        request=request,
    )
    return call


@transaction.atomic
def report_downloaded(*, actor: User, order: TestOrder, request: HttpRequest | None = None) -> None:
    """Every download of a lab report is audited: who took a copy of whose result, and when.

    Raises no domain error.
    """
    audit.record(
        actor=actor,
        action="lab.report_download",
        obj=order,
        patient=order.patient_id,
        request=request,
    )


@transaction.atomic
def report_attach(
    *, actor: User, order: TestOrder, upload: UploadedFile, request: HttpRequest | None = None
) -> TestOrder:
    """Attach the report PDF (type recognised from its bytes, size checked) to a test in
    progress or completed; private storage, downloaded through signed links.

    Raises PermissionDenied when the actor's role may not process tests; LabError when the test is
    not in progress or completed, or the upload is refused, not a PDF, or the file store does not
    take it.
    """
    if not rbac.allows(actor, "tests.process"):
        raise PermissionDenied("Only the lab can attach reports.")
    order = _locked(order)
    if order.status not in (OrderStatus.IN_PROGRESS, OrderStatus.COMPLETED):
        raise LabError(
            f"A report is attached while the test is in progress or completed; {order.number} is"
            f" {order.get_status_display().lower()}."
        )
    try:
        content_type = files.check_upload(upload)
    except files.UploadRefused as refusal:
        raise LabError(str(refusal)) from refusal
    if content_type != "application/pdf":
        raise LabError("The report must be a PDF.")
    replaced = order.report.name
    # The report belongs to the version being worked on (the first one, if no values were
    # entered: an imaging test reported by its PDF alone).
    entry, _ = ResultVersion.objects.get_or_create(
        order=order,
        version=order.result_version or 1,
        defaults={"entered_at": timezone.now(), "entered_by": actor},
    )
    try:
        files.store(order.report, "report.pdf", upload)
    except files.StorageUnavailable as refusal:
        raise LabError(str(refusal)) from refusal
    order.report_size = upload.size
    order.result_version = entry.version
    order.save(update_fields=["report", "report_size", "result_version"])
    entry.report, entry.report_size = order.report.name, upload.size
    entry.save(update_fields=["report", "report_size"])
    audit.record(
        actor=actor,
        action="lab.report",
        obj=order,
        patient=order.patient_id,
        after={"size": upload.size, "replaced": bool(replaced)},
        request=request,
    )
    _signal(order)
    return order


# --- catalogue -------------------------------------------------------------------------------


@transaction.atomic
def catalogue_save(
    *, actor: User, test: LabTest, request: HttpRequest | None = None, **fields: object
) -> LabTest:
    """Create or change a catalogue test (admin).

    Raises PermissionDenied when the actor's role may not change the catalogue; LabError when an
    imaging test names no machine type.
    """
    if not rbac.allows(actor, "tests.catalogue"):
        raise PermissionDenied("Only an administrator can change the test catalogue.")
    names = [
        "code",
        "name",
        "kind",
        "department",
        "sample_type",
        "machine_type",
        "charge_item",
        "turnaround_minutes",
        "active",
    ]
    before = audit.snapshot(test, names) if test.pk else None
    for name, value in fields.items():
        setattr(test, name, value)
    if test.kind == "lab":
        test.machine_type = ""
    elif not test.machine_type:
        raise LabError("An imaging test names its machine type.")
    test.save()
    audit.record(
        actor=actor,
        action="lab.catalogue",
        obj=test,
        before=before,
        after=audit.snapshot(test, names),
        request=request,
    )
    return test


@transaction.atomic
def catalogue_part_save(
    *, actor: User, part: ResultField | ReferenceRange, request: HttpRequest | None = None
) -> ResultField | ReferenceRange:
    """Add a result field or a reference range to a catalogue test (admin). Results already
    entered keep the range they were flagged against.

    Raises PermissionDenied when the actor's role may not change the catalogue.
    """
    if not rbac.allows(actor, "tests.catalogue"):
        raise PermissionDenied("Only an administrator can change the test catalogue.")
    part.save()
    audit.record(
        actor=actor,
        action=f"lab.catalogue.{type(part).__name__.lower()}",
        obj=part,
        after={"what": str(part)},
        request=request,
    )
    return part


@transaction.atomic
def catalogue_part_remove(
    *, actor: User, part: ResultField | ReferenceRange, request: HttpRequest | None = None
) -> None:
    """Remove a result field or a reference range from the catalogue, audited.

    Raises PermissionDenied when the actor's role may not change the catalogue.
    """
    if not rbac.allows(actor, "tests.catalogue"):
        raise PermissionDenied("Only an administrator can change the test catalogue.")
    audit.record(
        actor=actor,
        action=f"lab.catalogue.{type(part).__name__.lower()}.remove",
        obj=part,
        before={"what": str(part)},
        request=request,
    )
    part.delete()
