"""The queue's rules: numbering per point per day, calling order, waiting times per step,
sending on, not answered, who calls where, and the ticket a check-in issues."""

from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError
from django.utils import timezone

from clinical import services as clinical
from clinical.models import Appointment, AppointmentStatus
from hms.models import AuditEntry
from queues import services
from queues.models import OPEN_STATUSES, PointKind, QueueTicket, ServicePoint, TicketStatus
from tests.factories import AppointmentFactory, PatientFactory

# "Today, in half an hour" must still be today, whatever the hour CI runs at.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("midday", "charge_master")]


def queue_notes(appointment) -> list[str]:
    """What the queue said at check-in (the fee posted then is said after it)."""
    return [note for note in appointment.arrival_notes if "Consultation fee" not in note]


MORNING = timezone.make_aware(timezone.datetime(2026, 11, 23, 8, 0))


def test_numbers_run_per_service_point_and_start_again_each_day(points, staff):
    with time_machine.travel(MORNING, tick=False):
        first = services.ticket_issue(actor=staff.receptionist, service_point=points["T"])
        second = services.ticket_issue(actor=staff.receptionist, service_point=points["T"])
        at_cashier = services.ticket_issue(actor=staff.receptionist, service_point=points["B"])
    with time_machine.travel(MORNING + timedelta(days=1), tick=False):
        next_morning = services.ticket_issue(actor=staff.receptionist, service_point=points["T"])

    assert [first.label, second.label, at_cashier.label] == ["T-001", "T-002", "B-001"]
    assert next_morning.label == "T-001" and next_morning.day == first.day + timedelta(days=1)


def test_the_database_refuses_a_second_ticket_with_the_same_number(points, staff):
    ticket = services.ticket_issue(actor=staff.receptionist, service_point=points["T"])

    with pytest.raises(IntegrityError):
        QueueTicket.objects.create(service_point=points["T"], day=ticket.day, number=ticket.number)


def test_a_patient_holds_one_open_ticket_at_a_time(points, staff):
    patient = PatientFactory()
    services.ticket_issue(actor=staff.receptionist, service_point=points["T"], patient=patient)

    with pytest.raises(services.QueueError, match="already holds ticket T-001 at Triage"):
        services.ticket_issue(actor=staff.receptionist, service_point=points["L"], patient=patient)


def test_a_closed_point_gives_no_tickets(points, staff):
    points["P"].is_active = False
    points["P"].save()

    with pytest.raises(services.QueueError, match="Pharmacy is closed"):
        services.ticket_issue(actor=staff.receptionist, service_point=points["P"])


def test_call_next_takes_priority_first_then_the_longest_waiting(points, staff):
    with time_machine.travel(MORNING, tick=False) as clock:
        early = services.ticket_issue(actor=staff.receptionist, service_point=points["T"])
        clock.shift(timedelta(minutes=5))
        services.ticket_issue(actor=staff.receptionist, service_point=points["T"])
        clock.shift(timedelta(minutes=5))
        urgent = services.ticket_issue(
            actor=staff.receptionist, service_point=points["T"], priority=True
        )
        clock.shift(timedelta(minutes=1))

        called = [
            services.ticket_call_next(actor=staff.nurse, service_point=points["T"]).pk
            for _ in range(2)
        ]

    assert called == [urgent.pk, early.pk]


def test_nobody_waiting_is_said(points, staff):
    with pytest.raises(services.QueueError, match="Nobody is waiting at Triage"):
        services.ticket_call_next(actor=staff.nurse, service_point=points["T"])


def test_waiting_and_service_times_are_recorded_for_each_step(points, staff):
    patient = PatientFactory()
    with time_machine.travel(MORNING, tick=False) as clock:
        triage = services.ticket_issue(
            actor=staff.receptionist, service_point=points["T"], patient=patient
        )
        clock.shift(timedelta(minutes=12))
        services.ticket_call_next(actor=staff.nurse, service_point=points["T"])
        clock.shift(timedelta(minutes=1))
        services.ticket_serve(actor=staff.nurse, ticket=triage)
        clock.shift(timedelta(minutes=6))
        doctor = services.ticket_transfer(actor=staff.nurse, ticket=triage, to_point=points["D"])
        clock.shift(timedelta(minutes=25))
        services.ticket_call_next(actor=staff.doctor, service_point=points["D"])
        clock.shift(timedelta(minutes=2))
        services.ticket_finish(actor=staff.doctor, ticket=doctor)

    triage.refresh_from_db()
    doctor.refresh_from_db()
    assert triage.status == TicketStatus.TRANSFERRED
    assert triage.waited == timedelta(minutes=12)
    assert triage.served_for == timedelta(minutes=6)
    # The visit goes on at the doctor's queue with a number of its own, the same patient.
    assert doctor.follows_id == triage.pk and doctor.patient == patient
    assert doctor.label == "D-001" and doctor.status == TicketStatus.DONE
    assert doctor.waited == timedelta(minutes=25)
    assert doctor.served_for == timedelta(minutes=2)  # served from the call when not started


def test_a_patient_who_does_not_answer_is_closed_after_a_recall(points, staff):
    ticket = services.ticket_issue(actor=staff.receptionist, service_point=points["L"])
    services.ticket_call_next(actor=staff.lab_technician, service_point=points["L"])
    services.ticket_recall(actor=staff.lab_technician, ticket=ticket)

    services.ticket_no_show(actor=staff.lab_technician, ticket=ticket)

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NO_SHOW and ticket.calls == 2
    assert ticket.finished_at is not None
    with pytest.raises(services.QueueError, match="it is did not answer"):
        services.ticket_serve(actor=staff.lab_technician, ticket=ticket)
    assert AuditEntry.objects.filter(action="queue.ticket_no_show").count() == 1


@pytest.mark.parametrize(
    ("prefix", "allowed", "refused"),
    [
        ("T", ["nurse", "doctor", "admin"], ["receptionist", "lab_technician", "pharmacist"]),
        ("D", ["doctor", "admin"], ["nurse", "receptionist"]),
        ("L", ["lab_technician"], ["doctor", "nurse"]),
        ("P", ["pharmacist"], ["nurse", "lab_technician"]),
        ("B", ["receptionist", "accountant"], ["doctor", "pharmacist"]),
    ],
)
def test_patients_are_called_by_the_staff_who_work_at_the_point(
    points, staff, prefix, allowed, refused
):
    for role in allowed:
        assert services.may_serve(getattr(staff, role), points[prefix]), role
    for role in refused + ["engineer", "patient_user"]:
        assert not services.may_serve(getattr(staff, role), points[prefix]), role


def test_a_doctors_own_room_is_called_by_that_doctor(points, staff):
    room = ServicePoint.objects.create(
        name="Room 3", kind=PointKind.CONSULTATION, prefix="R", doctor=staff.doctor
    )
    services.ticket_issue(actor=staff.receptionist, service_point=room)

    with pytest.raises(services.QueueError, match="called by the staff who work there"):
        services.ticket_call_next(actor=staff.second_doctor, service_point=room)
    assert services.ticket_call_next(actor=staff.doctor, service_point=room).label == "R-001"


def _todays_appointment(doctor, patient=None) -> Appointment:
    starts = timezone.now() + timedelta(minutes=30)
    return AppointmentFactory(
        doctor=doctor,
        patient=patient or PatientFactory(),
        starts_at=starts,
        ends_at=starts + timedelta(minutes=15),
        status=AppointmentStatus.SCHEDULED,
    )


def test_checking_in_an_appointment_issues_a_ticket_at_consultation(points, staff):
    appointment = _todays_appointment(staff.doctor)

    checked = clinical.appointment_check_in(actor=staff.receptionist, appointment=appointment)

    ticket = QueueTicket.objects.get(appointment=appointment)
    assert ticket.service_point == points["D"] and ticket.patient == appointment.patient
    assert queue_notes(checked) == ["Ticket D-001: Consultation."]


def test_a_checked_in_patient_who_leaves_before_being_seen_leaves_the_queue(points, staff):
    appointment = _todays_appointment(staff.doctor)
    clinical.appointment_check_in(actor=staff.receptionist, appointment=appointment)

    clinical.appointment_cancel(
        actor=staff.receptionist, appointment=appointment, reason="Left before being seen"
    )

    ticket = QueueTicket.objects.get(appointment=appointment)
    assert ticket.status == TicketStatus.NO_SHOW and ticket.finished_at is not None
    assert not QueueTicket.objects.filter(status__in=OPEN_STATUSES).exists()


def test_a_doctors_own_room_takes_their_patients_at_check_in(points, staff):
    room = ServicePoint.objects.create(
        name="Dr Odhiambo's room", kind=PointKind.CONSULTATION, prefix="A", doctor=staff.doctor
    )

    clinical.appointment_check_in(
        actor=staff.receptionist, appointment=_todays_appointment(staff.doctor)
    )

    assert QueueTicket.objects.get().service_point == room


def test_with_triage_first_every_arrival_goes_to_triage(points, staff, settings):
    settings.HMS_QUEUE_CHECK_IN_TO = "triage"

    clinical.appointment_check_in(
        actor=staff.receptionist, appointment=_todays_appointment(staff.doctor)
    )

    assert QueueTicket.objects.get().label == "T-001"


def test_check_in_without_any_service_point_still_checks_in(staff):
    appointment = _todays_appointment(staff.doctor)

    checked = clinical.appointment_check_in(actor=staff.receptionist, appointment=appointment)

    assert checked.status == AppointmentStatus.CHECKED_IN and queue_notes(checked) == []
    assert not QueueTicket.objects.exists()


def test_check_in_of_a_patient_already_queueing_says_where_they_are(points, staff):
    patient = PatientFactory()
    services.ticket_issue(actor=staff.receptionist, service_point=points["L"], patient=patient)

    checked = clinical.appointment_check_in(
        actor=staff.receptionist, appointment=_todays_appointment(staff.doctor, patient)
    )

    assert queue_notes(checked) == ["Already in the queue: ticket L-001 at Laboratory."]
    assert QueueTicket.objects.count() == 1
