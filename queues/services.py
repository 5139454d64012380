"""Business actions of the queue: issuing a ticket (at the desk, or when an appointment is
checked in), calling the next one, serving, finishing, sending on to the next service point,
marking a ticket not answered; setting up service points and the waiting-area displays.

Ticket numbers run per service point per day ("T-001" each morning) from a locked number series
(hms.numbering), so two desks checking in at once never get the same number; calling the next
ticket takes the first waiting one nobody else is taking (SKIP LOCKED on PostgreSQL), so two
staff calling at once get two different patients.

A role that does not do the work of a service point (a cashier at triage, say), or does not set
them up, gets PermissionDenied (403, nothing changed); a rule about the ticket or the point itself
(nobody waiting, another doctor's room) raises QueueError with the sentence the person reads.
"""

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from clinical.models import Appointment, Patient
from hms import audit, numbering, rbac, submissions
from hms.locking import locked
from hms.refusals import Refusal
from queues import live
from queues.models import (
    OPEN_STATUSES,
    DisplayScreen,
    PointKind,
    QueueTicket,
    ServicePoint,
    TicketStatus,
)

# What a person must be allowed to do to call patients at a kind of service point.
SERVED_WITH: dict[str, tuple[str, frozenset[str] | None]] = {
    PointKind.TRIAGE: ("vitals.record", None),
    PointKind.CONSULTATION: ("clinical.consult", None),
    PointKind.LAB: ("tests.process", None),
    PointKind.PHARMACY: ("queue.pharmacy_window", None),
    PointKind.BILLING: ("billing.invoices", frozenset({rbac.ALL})),
}


class QueueError(Refusal):
    """A queue action that cannot be done, with the sentence the person reads."""


def _does_the_work_of(user: User, point: ServicePoint) -> bool:
    """Whether `user`'s role does the work of `point`'s kind (SERVED_WITH): a question of the
    role alone, whoever's room the point is."""
    capability, scopes = SERVED_WITH[point.kind]
    return rbac.allows(user, "queue.view") and rbac.allows(user, capability, scopes=scopes)


def may_serve(user: User, point: ServicePoint) -> bool:
    """Whether `user` calls patients at `point`: the work of its kind (a nurse or doctor at
    triage, the lab's technicians, the pharmacists, the cashiers), and a doctor's own room is
    that doctor's. Administrators pass every check."""
    if not _does_the_work_of(user, point):
        return False
    if point.doctor_id and not rbac.passes_every_check(user):
        return point.doctor_id == user.pk
    return True


def _check_serves(actor: User, point: ServicePoint) -> None:
    """Raises PermissionDenied when the actor's role does not do the work of the point's kind;
    QueueError when the point is another doctor's own room (the record, not the role)."""
    refused = f"Patients at {point} are called by the staff who work there."
    if not _does_the_work_of(actor, point):
        raise PermissionDenied(refused)
    if not may_serve(actor, point):
        raise QueueError(refused)


def _series(point: ServicePoint, day: date) -> str:
    return f"queue-{point.pk}-{day:%Y%m%d}"


def _locked_ticket(ticket: QueueTicket) -> QueueTicket:
    return locked(QueueTicket.objects).select_related("service_point").get(pk=ticket.pk)


def _audit(
    actor: User | None,
    action: str,
    ticket: QueueTicket,
    request: HttpRequest | None,
    **after: object,
) -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=ticket,
        patient=ticket.patient_id,
        after={"status": ticket.status, **after},
        request=request,
    )


def _moved(
    actor: User | None,
    action: str,
    ticket: QueueTicket,
    request: HttpRequest | None,
    fields: list[str],
    **after: object,
) -> QueueTicket:
    """A ticket's step written: the changed `fields` saved, the audit row, the point's screens
    told (on commit)."""
    ticket.save(update_fields=fields)
    _audit(actor, action, ticket, request, **after)
    live.queue_changed(ticket.service_point_id)
    return ticket


@transaction.atomic
@submissions.once("queue.ticket_issue")
def ticket_issue(
    *,
    actor: User | None,
    service_point: ServicePoint,
    patient: Patient | None = None,
    appointment: Appointment | None = None,
    priority: bool = False,
    follows: QueueTicket | None = None,
    request: HttpRequest | None = None,
) -> QueueTicket:
    """Give the patient (or a walk-in without a record) the next number of the service point
    today. Raises QueueError when the point is closed or the patient already holds an open
    ticket (one place in the queues at a time); AlreadySubmitted when the form was sent."""
    point = ServicePoint.objects.get(pk=service_point.pk)
    if not point.is_active:
        raise QueueError(f"{point} is closed: choose another service point.", field="service_point")
    if patient is not None:
        # One patient's tickets are issued one at a time (two desks at once).
        patient = locked(Patient.objects).get(pk=patient.pk)
        holding = (
            QueueTicket.objects.filter(patient=patient, status__in=OPEN_STATUSES)
            .select_related("service_point")
            .first()
        )
        if holding is not None:
            raise QueueError(
                f"{patient.full_name} already holds ticket {holding.label} at"
                f" {holding.service_point}: send it on from there instead.",
                field="mrn",  # the desk's form names the patient by MRN
            )
    day = timezone.localdate()
    try:
        with transaction.atomic():
            ticket = QueueTicket.objects.create(
                service_point=point,
                day=day,
                number=numbering.next_number(_series(point, day)),
                patient=patient,
                appointment=appointment,
                follows=follows,
                priority=priority,
                issued_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
    except IntegrityError:  # the index over open tickets: another desk was a moment faster
        raise QueueError("That patient was given a ticket a moment ago.", field="mrn") from None
    _audit(actor, "queue.ticket_issue", ticket, request, priority=priority)
    live.queue_changed(point.pk)
    return ticket


def ticket_for_arrival(
    *, actor: User, appointment: Appointment, request: HttpRequest | None = None
) -> str:
    """clinical's arrival hook: a checked-in appointment's ticket, at the doctor's own room, or
    else the general consultation queue, or else triage (HMS_QUEUE_CHECK_IN_TO = "triage"
    sends every arrival to triage first). Nothing when no such point is set up, or when the
    patient is already in a queue."""
    from django.conf import settings

    points = ServicePoint.objects.filter(is_active=True)
    if settings.HMS_QUEUE_CHECK_IN_TO == PointKind.TRIAGE:
        point = points.filter(kind=PointKind.TRIAGE).first()
    else:
        point = points.filter(doctor_id=appointment.doctor_id).first() or (
            points.filter(kind=PointKind.CONSULTATION, doctor=None).first()
        )
    if point is None:
        return ""
    holding = (
        QueueTicket.objects.filter(patient_id=appointment.patient_id, status__in=OPEN_STATUSES)
        .select_related("service_point")
        .first()
    )
    if holding is not None:
        return f"Already in the queue: ticket {holding.label} at {holding.service_point}."
    ticket = ticket_issue(
        actor=actor,
        service_point=point,
        patient=appointment.patient,
        appointment=appointment,
        request=request,
    )
    return f"Ticket {ticket.label}: {point}."


def tickets_for_departure(
    *, actor: User, appointment: Appointment, request: HttpRequest | None = None
) -> str:
    """clinical's departure hook: the checked-in appointment was cancelled or marked no-show
    before the consultation (the patient left), so its open tickets close as not answered."""
    closed = []
    for ticket in locked(QueueTicket.objects).filter(
        appointment_id=appointment.pk, status__in=OPEN_STATUSES
    ):
        ticket.status = TicketStatus.NO_SHOW
        ticket.finished_at = timezone.now()
        ticket.save(update_fields=["status", "finished_at"])
        _audit(actor, "queue.ticket_left", ticket, request)
        live.queue_changed(ticket.service_point_id)
        closed.append(ticket.label)
    return f"Ticket {', '.join(closed)} closed." if closed else ""


def ticket_for_consultation(
    *, actor: User, appointment: Appointment, request: HttpRequest | None = None
) -> str:
    """clinical's consultation hook: the doctor started the appointment's consultation, so the
    patient's open ticket at a consultation room (the doctor's own or the general one) is being
    seen from now, called first if nobody had called it (the doctor fetched the patient without
    the queue). A ticket elsewhere (still at triage, at the lab) is left as it is: the patient
    holds one place at a time, and the doctor may have started before sending them on."""
    ticket = (
        locked(QueueTicket.objects)
        .select_related("service_point")
        .filter(
            appointment_id=appointment.pk,
            status__in=[TicketStatus.WAITING, TicketStatus.CALLED],
            service_point__kind=PointKind.CONSULTATION,
        )
        .first()
    )
    if ticket is None:
        return ""
    now = timezone.now()
    fields = ["status", "serving_at"]
    if ticket.called_at is None:
        ticket.called_at = ticket.last_called_at = now
        ticket.calls = max(ticket.calls, 1)
        ticket.called_by = actor
        fields += ["called_at", "last_called_at", "calls", "called_by"]
    ticket.status = TicketStatus.SERVING
    ticket.serving_at = now
    _moved(actor, "queue.ticket_serve", ticket, request, fields, by="consultation started")
    return f"Ticket {ticket.label}: being seen."


@transaction.atomic
@submissions.once("queue.call_next")
def ticket_call_next(
    *, actor: User, service_point: ServicePoint, request: HttpRequest | None = None
) -> QueueTicket:
    """Call the next patient: the first waiting ticket, priority first then the longest waiting,
    that no one else is calling this very moment. Raises PermissionDenied when the actor's role
    does not work at a point of its kind; QueueError when nobody is waiting or it is another
    doctor's room."""
    _check_serves(actor, service_point)
    ticket = (
        locked(QueueTicket.objects, skip_locked=True)
        .select_related("service_point")
        .filter(service_point=service_point, status=TicketStatus.WAITING)
        .order_by("-priority", "issued_at", "pk")
        .first()
    )
    if ticket is None:
        raise QueueError(f"Nobody is waiting at {service_point}.")
    now = timezone.now()
    ticket.status = TicketStatus.CALLED
    ticket.called_at = ticket.last_called_at = now
    ticket.calls = 1
    ticket.called_by = actor
    ticket.save(update_fields=["status", "called_at", "last_called_at", "calls", "called_by"])
    _audit(actor, "queue.ticket_call", ticket, request, waited_seconds=_seconds(ticket.waited))
    live.queue_changed(service_point.pk)
    return ticket


def _seconds(delta: timedelta) -> int:
    return int(delta.total_seconds())


def _step(
    actor: User,
    ticket: QueueTicket,
    *,
    allowed_from: list[str],
    doing: str,
) -> QueueTicket:
    ticket = _locked_ticket(ticket)
    _check_serves(actor, ticket.service_point)
    if ticket.status not in allowed_from:
        raise QueueError(
            f"Ticket {ticket.label} cannot be {doing}: it is {ticket.get_status_display().lower()}."
        )
    return ticket


@transaction.atomic
@submissions.once("queue.recall")
def ticket_recall(
    *, actor: User, ticket: QueueTicket, request: HttpRequest | None = None
) -> QueueTicket:
    """Call the same number again (the patient did not come up yet): the TV announces it again.
    Raises PermissionDenied or QueueError as `_check_serves` does; QueueError when the ticket is
    not called."""
    ticket = _step(actor, ticket, allowed_from=[TicketStatus.CALLED], doing="called again")
    ticket.last_called_at = timezone.now()
    ticket.calls += 1
    return _moved(
        actor,
        "queue.ticket_recall",
        ticket,
        request,
        ["last_called_at", "calls"],
        calls=ticket.calls,
    )


@transaction.atomic
@submissions.once("queue.serve")
def ticket_serve(
    *, actor: User, ticket: QueueTicket, request: HttpRequest | None = None
) -> QueueTicket:
    """The patient has come up: being seen from now (the service time starts). Raises
    PermissionDenied or QueueError as `_check_serves` does; QueueError when the ticket is not
    called."""
    ticket = _step(actor, ticket, allowed_from=[TicketStatus.CALLED], doing="started")
    ticket.status = TicketStatus.SERVING
    ticket.serving_at = timezone.now()
    return _moved(actor, "queue.ticket_serve", ticket, request, ["status", "serving_at"])


@transaction.atomic
@submissions.once("queue.finish")
def ticket_finish(
    *, actor: User, ticket: QueueTicket, request: HttpRequest | None = None
) -> QueueTicket:
    """Done at this point (the visit ends here, or the patient goes on without a queue). Raises
    PermissionDenied or QueueError as `_check_serves` does; QueueError when the ticket is not
    called or being seen."""
    ticket = _step(
        actor, ticket, allowed_from=[TicketStatus.CALLED, TicketStatus.SERVING], doing="finished"
    )
    now = timezone.now()
    ticket.status = TicketStatus.DONE
    ticket.serving_at = ticket.serving_at or ticket.called_at or now  # seen from the call
    ticket.finished_at = now
    return _moved(
        actor, "queue.ticket_finish", ticket, request, ["status", "serving_at", "finished_at"]
    )


@transaction.atomic
@submissions.once("queue.no_show")
def ticket_no_show(
    *, actor: User, ticket: QueueTicket, request: HttpRequest | None = None
) -> QueueTicket:
    """Called and did not come up: the ticket closes (the desk issues a new one if they return).
    Raises PermissionDenied or QueueError as `_check_serves` does; QueueError when the ticket is
    not called."""
    ticket = _step(actor, ticket, allowed_from=[TicketStatus.CALLED], doing="marked not answered")
    ticket.status = TicketStatus.NO_SHOW
    ticket.finished_at = timezone.now()
    return _moved(
        actor,
        "queue.ticket_no_show",
        ticket,
        request,
        ["status", "finished_at"],
        calls=ticket.calls,
    )


@transaction.atomic
@submissions.once("queue.transfer")
def ticket_transfer(
    *,
    actor: User,
    ticket: QueueTicket,
    to_point: ServicePoint,
    priority: bool | None = None,
    request: HttpRequest | None = None,
) -> QueueTicket:
    """Send the patient on to the next service point (triage to the doctor, the doctor to the
    lab, the pharmacy or the cashier): this ticket ends and the next one, at `to_point`, follows
    it, so the visit keeps its steps. Returns the new ticket.

    Raises PermissionDenied or QueueError as `_check_serves` does (for the point the ticket is
    at); QueueError when the ticket is not called or being seen, `to_point` is its own point, or
    `to_point` refuses the ticket as `ticket_issue` does."""
    ticket = _step(
        actor, ticket, allowed_from=[TicketStatus.CALLED, TicketStatus.SERVING], doing="sent on"
    )
    if to_point.pk == ticket.service_point_id:
        raise QueueError("Choose another service point to send the patient to.", field="to_point")
    now = timezone.now()
    ticket.status = TicketStatus.TRANSFERRED
    ticket.serving_at = ticket.serving_at or ticket.called_at or now  # seen from the call
    ticket.finished_at = now
    ticket.save(update_fields=["status", "serving_at", "finished_at"])
    next_ticket = ticket_issue(
        actor=actor,
        service_point=to_point,
        patient=ticket.patient,
        appointment=ticket.appointment,
        priority=ticket.priority if priority is None else priority,
        follows=ticket,
        request=request,
    )
    _audit(actor, "queue.ticket_transfer", ticket, request, to=next_ticket.label)
    live.queue_changed(ticket.service_point_id, to_point.pk)
    return next_ticket


@transaction.atomic
def service_point_save(
    *,
    actor: User,
    fields: dict,
    point: ServicePoint | None = None,
    request: HttpRequest | None = None,
) -> ServicePoint:
    """Add a service point or change one (name, kind, prefix, a doctor's room, open or closed).
    Raises PermissionDenied when the actor's role does not set up the queues; QueueError for a
    doctor's room that is not a consultation, or a name or prefix already used."""
    if not rbac.allows(actor, "queue.setup"):
        raise PermissionDenied("Service points are set up by an administrator.")
    point = locked(ServicePoint.objects).get(pk=point.pk) if point else ServicePoint()
    before = {name: getattr(point, name) for name in fields} if point.pk else None
    for name, value in fields.items():
        setattr(point, name, value)
    if point.doctor_id and point.kind != PointKind.CONSULTATION:
        raise QueueError("Only a consultation room belongs to a doctor.", field="doctor")
    point.prefix = point.prefix.upper()
    clash = ServicePoint.objects.exclude(pk=point.pk)
    if clash.filter(name__iexact=point.name).exists():
        raise QueueError("Another service point has that name.", field="name")
    if clash.filter(prefix=point.prefix).exists():
        raise QueueError("Another service point's tickets start with that.", field="prefix")
    if point.doctor_id and clash.filter(doctor_id=point.doctor_id).exists():
        raise QueueError("That doctor already has a room.", field="doctor")
    point.save()
    audit.record(
        actor=actor,
        action="queue.point_save",
        obj=point,
        before=before,
        after={name: getattr(point, name) for name in fields},
        request=request,
    )
    live.queue_changed()
    return point


@transaction.atomic
@submissions.once("queue.display_create")
def display_create(*, actor: User, name: str, request: HttpRequest | None = None) -> DisplayScreen:
    """A new waiting-area display, with its own random token (its address is the key). Raises
    PermissionDenied when the actor's role does not set up the queues."""
    if not rbac.allows(actor, "queue.setup"):
        raise PermissionDenied("Displays are set up by an administrator.")
    display = DisplayScreen.objects.create(name=name)
    audit.record(actor=actor, action="queue.display_create", obj=display, request=request)
    return display


@transaction.atomic
def display_revoke(
    *, actor: User, display: DisplayScreen, request: HttpRequest | None = None
) -> DisplayScreen:
    """Switch a display off: its address stops working (its open socket closes at its next
    heartbeat, within 25 seconds). Raises PermissionDenied when the actor's role does not set up
    the queues."""
    if not rbac.allows(actor, "queue.setup"):
        raise PermissionDenied("Displays are set up by an administrator.")
    display = locked(DisplayScreen.objects).get(pk=display.pk)
    display.is_active = False
    display.save(update_fields=["is_active"])
    audit.record(actor=actor, action="queue.display_revoke", obj=display, request=request)
    return display
