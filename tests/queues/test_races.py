"""Two desks and two staff at once, on PostgreSQL with two real transactions: each check-in
gets its own number, and each Call next its own patient."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clinical import services as clinical
from queues import services
from queues.models import QueueTicket, TicketStatus
from tests.factories import AppointmentFactory, PatientFactory
from tests.races import race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("midday", "charge_master"),
]


def test_two_desks_checking_in_at_once_get_two_numbers(points, staff, make_user):
    desks = [staff.receptionist, make_user("receptionist")]
    starts = timezone.now() + timedelta(minutes=30)
    appointments = [
        AppointmentFactory(
            doctor=doctor,
            patient=PatientFactory(),
            starts_at=starts,
            ends_at=starts + timedelta(minutes=15),
        )
        for doctor in (staff.doctor, staff.second_doctor)
    ]

    outcome = race(
        lambda n: clinical.appointment_check_in(actor=desks[n], appointment=appointments[n])
    )

    assert all(not isinstance(v, Exception) for v in outcome.values()), outcome
    labels = sorted(QueueTicket.objects.values_list("number", flat=True))
    assert labels == [1, 2]


def test_two_walk_ins_at_once_at_two_desks_get_two_numbers(points, staff, make_user):
    desks = [staff.receptionist, make_user("receptionist")]

    outcome = race(lambda n: services.ticket_issue(actor=desks[n], service_point=points["B"]).label)

    assert sorted(outcome.values()) == ["B-001", "B-002"], outcome


def test_two_staff_calling_next_at_once_get_two_different_patients(points, staff):
    first = services.ticket_issue(actor=staff.receptionist, service_point=points["T"])
    second = services.ticket_issue(actor=staff.receptionist, service_point=points["T"])
    callers = [staff.nurse, staff.doctor]

    outcome = race(
        lambda n: services.ticket_call_next(actor=callers[n], service_point=points["T"]).pk
    )

    assert sorted(outcome.values()) == sorted([first.pk, second.pk]), outcome
    called = QueueTicket.objects.filter(status=TicketStatus.CALLED)
    assert sorted(called.values_list("called_by", flat=True)) == sorted(u.pk for u in callers)


def test_one_waiting_and_two_calling_one_gets_it_the_other_is_told(points, staff):
    only = services.ticket_issue(actor=staff.receptionist, service_point=points["T"])
    callers = [staff.nurse, staff.doctor]

    outcome = race(
        lambda n: services.ticket_call_next(actor=callers[n], service_point=points["T"]).pk
    )

    kinds = sorted(type(v).__name__ for v in outcome.values())
    assert kinds == ["QueueError", "int"], outcome
    assert only.pk in outcome.values()
