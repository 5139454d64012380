"""The consultation fee is posted when the patient checks in (or when booked, a setting), never
twice, and reversed if the appointment is then cancelled or marked no-show."""

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from billing.models import Charge
from clinical import services
from clinical.models import AppointmentStatus
from hms import rbac
from hms.models import AuditEntry
from tests.factories import DoctorScheduleFactory, PatientFactory

NAIROBI = ZoneInfo("Africa/Nairobi")
MONDAY = date(2026, 11, 23)
FEE = Decimal("1500.00")


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(MONDAY, time(hour, minute), tzinfo=NAIROBI)


@pytest.fixture
def clock():
    with time_machine.travel(at(8), tick=False) as traveller:
        yield traveller


@pytest.fixture
def doctor(make_user, charge_master):
    doctor = make_user(rbac.DOCTOR, first_name="Amina", last_name="Otieno")
    DoctorScheduleFactory(doctor=doctor, consultation_fee=FEE)
    return doctor


@pytest.fixture
def clerk(make_user):
    return make_user(rbac.RECEPTIONIST)


@pytest.fixture
def booked(clock, doctor, clerk):
    return services.appointment_book(
        actor=clerk, patient=PatientFactory(), doctor=doctor, starts_at=at(9)
    )


def fees(appointment) -> list[Decimal]:
    return list(
        Charge.objects.filter(source=f"clinical.Appointment:{appointment.pk}")
        .order_by("id")
        .values_list("amount", flat=True)
    )


def test_booking_posts_nothing_and_check_in_posts_the_fee_for_the_desk_to_collect(booked, clerk):
    before = fees(booked)

    checked = services.appointment_check_in(actor=clerk, appointment=booked)

    assert before == []
    assert fees(booked) == [FEE]
    assert checked.arrival_notes[-1] == (
        "Consultation fee KES 1,500.00 is on the patient's account."
    )
    assert Charge.objects.get().item.code == "CONSULT"


def test_completing_the_consultation_does_not_post_the_fee_again(booked, clerk, doctor):
    services.appointment_check_in(actor=clerk, appointment=booked)
    encounter = services.encounter_start(actor=doctor, appointment=booked)
    encounter.diagnosis = "Malaria"
    encounter.save(update_fields=["diagnosis"])

    services.encounter_complete(actor=doctor, encounter=encounter)

    assert fees(booked) == [FEE]


def test_a_consultation_held_without_check_in_still_posts_its_fee_on_completion(booked, doctor):
    encounter = services.encounter_start(actor=doctor, appointment=booked)
    encounter.diagnosis = "Malaria"
    encounter.save(update_fields=["diagnosis"])

    services.encounter_complete(actor=doctor, encounter=encounter)

    assert fees(booked) == [FEE]


def test_cancelling_after_check_in_reverses_the_fee(booked, clerk):
    services.appointment_check_in(actor=clerk, appointment=booked)

    services.appointment_cancel(actor=clerk, appointment=booked, reason="Left before being seen")

    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.CANCELLED
    assert fees(booked) == [FEE, -FEE]
    entry = AuditEntry.objects.get(action="appointment.cancel")
    assert entry.before == {"status": AppointmentStatus.CHECKED_IN}


def test_a_no_show_after_check_in_reverses_the_fee(booked, clerk, clock):
    services.appointment_check_in(actor=clerk, appointment=booked)
    clock.move_to(at(10))

    services.appointment_no_show(actor=clerk, appointment=booked)

    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.NO_SHOW
    assert fees(booked) == [FEE, -FEE]


def test_once_the_consultation_has_begun_the_appointment_cannot_be_cancelled(booked, clerk, doctor):
    services.appointment_check_in(actor=clerk, appointment=booked)
    services.encounter_start(actor=doctor, appointment=booked)

    with pytest.raises(services.BookingError, match="with the doctor now"):
        services.appointment_cancel(actor=clerk, appointment=booked)

    assert fees(booked) == [FEE]


def test_a_patient_cannot_cancel_online_once_checked_in(booked, clerk, make_user, client_for):
    services.appointment_check_in(actor=clerk, appointment=booked)
    user = make_user(rbac.PATIENT)
    booked.patient.user = user
    booked.patient.save(update_fields=["user"])

    with pytest.raises(services.BookingError, match="Only a scheduled appointment"):
        services.appointment_cancel(actor=user, appointment=booked)

    assert fees(booked) == [FEE]


def test_cancelling_a_booking_that_posted_nothing_reverses_nothing(booked, clerk):
    services.appointment_cancel(actor=clerk, appointment=booked)

    assert fees(booked) == []


def test_with_the_fee_at_booking_it_is_posted_once_and_reversed_on_cancel(
    clock, doctor, clerk, settings
):
    settings.HMS_CONSULTATION_FEE_AT = "booking"
    appointment = services.appointment_book(
        actor=clerk, patient=PatientFactory(), doctor=doctor, starts_at=at(9)
    )
    posted = fees(appointment)
    checked = services.appointment_check_in(actor=clerk, appointment=appointment)

    services.appointment_cancel(actor=clerk, appointment=appointment)

    assert posted == [FEE]
    assert not any("Consultation fee" in note for note in checked.arrival_notes)
    assert fees(appointment) == [FEE, -FEE]


def test_with_the_fee_at_booking_a_no_show_reverses_it(clock, doctor, clerk, settings):
    settings.HMS_CONSULTATION_FEE_AT = "booking"
    appointment = services.appointment_book(
        actor=clerk, patient=PatientFactory(), doctor=doctor, starts_at=at(9)
    )
    clock.move_to(at(10))

    services.appointment_no_show(actor=clerk, appointment=appointment)

    assert fees(appointment) == [FEE, -FEE]


def test_check_in_from_the_list_says_the_fee_to_collect(booked, clerk, client_for):
    response = client_for(clerk).post(
        reverse("appointment_check_in", args=[booked.pk]), follow=True
    )

    assert "Consultation fee KES 1,500.00 is on the patient" in response.content.decode()


def test_the_desk_cancels_a_checked_in_visit_from_its_page_and_the_fee_is_reversed(
    booked, clerk, client_for
):
    services.appointment_check_in(actor=clerk, appointment=booked)
    desk = client_for(clerk)
    page = desk.get(reverse("appointment_detail", args=[booked.pk])).content.decode()

    desk.post(reverse("appointment_cancel", args=[booked.pk]), {"reason": "Left"})

    assert 'data-testid="left-before-seen"' in page
    assert fees(booked) == [FEE, -FEE]
