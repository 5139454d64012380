"""When the doctor starts a consultation (the appointment is "In consultation", issue 19), the
patient's ticket at the consultation room is being seen: the waiting-area TV says which number
is with the doctor, and the desk's flow panel counts the patients with the doctor."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from clinical import services
from queues import services as queues
from queues.models import DisplayScreen, QueueTicket, TicketStatus
from tests.factories import DoctorScheduleFactory

NAIROBI = ZoneInfo("Africa/Nairobi")
MONDAY = date(2026, 11, 23)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(MONDAY, time(hour, minute), tzinfo=NAIROBI)


@pytest.fixture(autouse=True)
def monday_morning():
    with time_machine.travel(at(8), tick=False) as traveller:
        yield traveller


@pytest.fixture
def checked_in(staff, charge_master):
    """Mary's 09:00 appointment with Dr Odhiambo, checked in at the desk."""
    DoctorScheduleFactory(doctor=staff.doctor)
    booked = services.appointment_book(
        actor=staff.receptionist, patient=staff.patient, doctor=staff.doctor, starts_at=at(9)
    )
    return services.appointment_check_in(actor=staff.receptionist, appointment=booked)


def test_the_ticket_is_being_seen_and_the_tv_says_with_the_doctor(
    points, staff, checked_in, monday_morning, client_for
):
    ticket = QueueTicket.objects.get(appointment=checked_in)
    assert (ticket.service_point, ticket.status) == (points["D"], TicketStatus.WAITING)

    monday_morning.move_to(at(9, 5))
    services.encounter_start(actor=staff.doctor, appointment=checked_in)

    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SERVING
    assert ticket.called_at == ticket.serving_at == at(9, 5)
    display = DisplayScreen.objects.create(name="Main hall")
    board = Client().get(reverse("queue_display_board", args=[display.token])).content.decode()
    assert 'data-testid="board-serving">With the doctor: <span class="fw-bold">D-001<' in board
    assert staff.patient.last_name not in board and staff.patient.mrn not in board
    flow = client_for(staff.receptionist).get(reverse("queue_flow_panel")).content.decode()
    assert 'data-testid="flow-with-doctor">1<' in flow
    assert 'data-testid="flow-checked-in">1<' in flow


def test_a_called_ticket_keeps_its_call(points, staff, checked_in, monday_morning):
    queues.ticket_call_next(actor=staff.doctor, service_point=points["D"])
    monday_morning.move_to(at(9, 7))

    services.encounter_start(actor=staff.doctor, appointment=checked_in)

    ticket = QueueTicket.objects.get(appointment=checked_in)
    assert ticket.status == TicketStatus.SERVING
    assert (ticket.called_at, ticket.serving_at, ticket.calls) == (at(8), at(9, 7), 1)


def test_a_ticket_still_at_triage_is_left_where_it_is(points, staff, charge_master, settings):
    settings.HMS_QUEUE_CHECK_IN_TO = "triage"
    DoctorScheduleFactory(doctor=staff.doctor)
    booked = services.appointment_book(
        actor=staff.receptionist, patient=staff.patient, doctor=staff.doctor, starts_at=at(9)
    )
    services.appointment_check_in(actor=staff.receptionist, appointment=booked)

    services.encounter_start(actor=staff.doctor, appointment=booked)

    ticket = QueueTicket.objects.get(appointment=booked)
    assert (ticket.service_point, ticket.status) == (points["T"], TicketStatus.WAITING)
