"""The booking rules are checked on the slot itself, by the service, for booking and moving:
not past, within the horizon, on the day the form chose; a patient booking online is held to
the portal's limits (per doctor per day, and in all), the desk is not."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from clinical import services
from clinical.models import Appointment, AppointmentStatus
from hms import rbac
from tests.factories import DoctorScheduleFactory, PatientFactory
from tests.races import race

NAIROBI = ZoneInfo("Africa/Nairobi")
MONDAY = date(2026, 11, 23)


def at(hour: int, minute: int = 0, day: date = MONDAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NAIROBI)


def in_days(days: int, hour: int = 9, minute: int = 0) -> datetime:
    return at(hour, minute, MONDAY + timedelta(days=days))


@pytest.fixture(autouse=True)
def monday_morning():
    with time_machine.travel(at(6), tick=False):
        yield


def clinic(doctor) -> None:
    """Clinic every day of the week, 09:00-12:00 in 15-minute slots."""
    for weekday in range(7):
        DoctorScheduleFactory(doctor=doctor, weekday=weekday)


@pytest.fixture
def doctor(make_user):
    doctor = make_user(rbac.DOCTOR, first_name="Amina", last_name="Otieno")
    clinic(doctor)
    return doctor


@pytest.fixture
def other_doctor(make_user):
    doctor = make_user(rbac.DOCTOR, first_name="Brian", last_name="Kiprop")
    clinic(doctor)
    return doctor


@pytest.fixture
def clerk(make_user):
    return make_user(rbac.RECEPTIONIST)


@pytest.fixture
def portal(make_user, client_for):
    user = make_user(rbac.PATIENT)
    return user, PatientFactory(user=user), client_for(user)


def book_on_the_desk_form(client, patient, doctor, *, day: str, starts_at: datetime):
    return client.post(
        reverse("appointment_book"),
        {
            "patient": patient.pk,
            "doctor": doctor.pk,
            "date": day,
            "starts_at": starts_at.isoformat(),
        },
    )


# --- the slot itself, whatever the form said ---------------------------------------------


def test_a_slot_beyond_the_horizon_is_refused_even_with_a_near_date(doctor, clerk, client_for):
    patient = PatientFactory()

    response = book_on_the_desk_form(
        client_for(clerk),
        patient,
        doctor,
        day=(MONDAY + timedelta(days=5)).isoformat(),
        starts_at=in_days(1000),
    )

    assert (
        response.status_code == 200 and 'data-testid="booking-error"' in response.content.decode()
    )
    assert not Appointment.objects.exists()


def test_a_slot_beyond_the_horizon_is_refused_when_the_date_says_so_too(doctor, clerk, client_for):
    far = MONDAY + timedelta(days=1000)

    response = book_on_the_desk_form(
        client_for(clerk), PatientFactory(), doctor, day=far.isoformat(), starts_at=in_days(1000)
    )

    page = response.content.decode()
    assert response.status_code == 200 and "up to 90 days ahead" in page
    assert "is-invalid" in page  # the message stands beside the day field
    assert not Appointment.objects.exists()


def test_the_service_refuses_a_slot_beyond_the_horizon_whoever_calls_it(doctor, clerk):
    with pytest.raises(services.BookingError, match="up to 90 days ahead") as refusal:
        services.appointment_book(
            actor=clerk, patient=PatientFactory(), doctor=doctor, starts_at=in_days(1000)
        )

    assert refusal.value.field == "date"
    assert not Appointment.objects.exists()


def test_the_last_day_of_the_horizon_books_and_the_next_does_not(doctor, clerk):
    last = services.appointment_book(
        actor=clerk, patient=PatientFactory(), doctor=doctor, starts_at=in_days(90)
    )

    with pytest.raises(services.BookingError, match="days ahead"):
        services.appointment_book(
            actor=clerk, patient=PatientFactory(), doctor=doctor, starts_at=in_days(91)
        )
    assert last.starts_at == in_days(90)


def test_the_horizon_is_a_setting(doctor, clerk, settings):
    settings.HMS_BOOKING_HORIZON_DAYS = 7

    with pytest.raises(services.BookingError, match="up to 7 days ahead"):
        services.appointment_book(
            actor=clerk, patient=PatientFactory(), doctor=doctor, starts_at=in_days(8)
        )

    assert services.booking_last_day() == MONDAY + timedelta(days=7)


def test_a_past_date_with_a_future_slot_is_refused(doctor, clerk, client_for):
    response = book_on_the_desk_form(
        client_for(clerk),
        PatientFactory(),
        doctor,
        day=(MONDAY - timedelta(days=3)).isoformat(),
        starts_at=in_days(2),
    )

    page = response.content.decode()
    assert response.status_code == 200 and "is not on the day chosen" in page
    assert not Appointment.objects.exists()


def test_a_slot_on_another_day_than_the_one_chosen_is_refused_by_the_service(doctor, clerk):
    with pytest.raises(services.BookingError, match="not on the day chosen"):
        services.appointment_book(
            actor=clerk,
            patient=PatientFactory(),
            doctor=doctor,
            starts_at=in_days(2),
            on_date=MONDAY + timedelta(days=1),
        )

    assert not Appointment.objects.exists()


def test_a_time_without_an_offset_is_the_hospitals_local_time(doctor, clerk):
    appointment = services.appointment_book(
        actor=clerk,
        patient=PatientFactory(),
        doctor=doctor,
        starts_at=datetime(2026, 11, 24, 9, 30),
        on_date=date(2026, 11, 24),
    )

    assert appointment.starts_at == in_days(1, 9, 30)


def test_a_next_free_time_on_a_later_day_books_on_that_day(doctor, clerk, client_for):
    for minutes in range(0, 180, 15):
        services.appointment_book(
            actor=clerk,
            patient=PatientFactory(),
            doctor=doctor,
            starts_at=at(9) + timedelta(minutes=minutes),
        )
    patient = PatientFactory()
    client = client_for(clerk)

    taken = book_on_the_desk_form(client, patient, doctor, day="2026-11-23", starts_at=at(11, 45))
    offer = book_on_the_desk_form(client, patient, doctor, day="2026-11-24", starts_at=in_days(1))

    page = taken.content.decode()
    assert 'data-testid="next-free"' in page
    assert 'name="date" value="2026-11-24"' in page and in_days(1).isoformat() in page
    assert offer.status_code == 302
    assert Appointment.objects.get(patient=patient).starts_at == in_days(1)


# --- moving --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("to", "message"),
    [
        (in_days(1000), "up to 90 days ahead"),
        (in_days(91), "up to 90 days ahead"),
        (at(9, day=MONDAY - timedelta(days=7)), "already passed"),
    ],
)
def test_moving_beyond_the_horizon_or_into_the_past_is_refused(doctor, clerk, to, message):
    appointment = services.appointment_book(
        actor=clerk, patient=PatientFactory(), doctor=doctor, starts_at=at(10)
    )

    with pytest.raises(services.BookingError, match=message):
        services.appointment_reschedule(actor=clerk, appointment=appointment, starts_at=to)

    appointment.refresh_from_db()
    assert appointment.starts_at == at(10) and not appointment.changes.filter(kind="rescheduled")


def test_moving_through_the_page_beyond_the_horizon_says_why(doctor, clerk, client_for):
    appointment = services.appointment_book(
        actor=clerk, patient=PatientFactory(), doctor=doctor, starts_at=at(10)
    )

    response = client_for(clerk).post(
        reverse("appointment_reschedule", args=[appointment.pk]),
        {"starts_at": in_days(1000).isoformat()},
        follow=True,
    )

    assert response.status_code == 200 and "up to 90 days ahead" in response.content.decode()
    assert Appointment.objects.get(pk=appointment.pk).starts_at == at(10)


# --- the portal's limits -------------------------------------------------------------------


def test_a_portal_patient_books_one_slot_per_doctor_per_day(doctor, portal):
    _user, me, client = portal

    first = book_on_the_desk_form(client, me, doctor, day="2026-11-23", starts_at=at(9))
    second = book_on_the_desk_form(client, me, doctor, day="2026-11-23", starts_at=at(9, 15))

    assert first.status_code == 302
    page = second.content.decode()
    assert second.status_code == 200 and "You already have an appointment with" in page
    assert "call the hospital" in page
    assert Appointment.objects.filter(patient=me).count() == 1


def test_six_consecutive_portal_bookings_with_one_doctor_on_one_day_give_one(doctor, portal):
    user, me, _client = portal
    refused = []

    for minutes in range(0, 90, 15):
        try:
            services.appointment_book(
                actor=user, patient=me, doctor=doctor, starts_at=at(9) + timedelta(minutes=minutes)
            )
        except services.BookingError as refusal:
            refused.append(refusal)

    assert Appointment.objects.filter(patient=me).count() == 1
    assert len(refused) == 5 and all(r.field == "starts_at" for r in refused)


def test_a_portal_patient_may_see_another_doctor_the_same_day(doctor, other_doctor, portal):
    user, me, _client = portal
    services.appointment_book(actor=user, patient=me, doctor=doctor, starts_at=at(9))

    services.appointment_book(actor=user, patient=me, doctor=other_doctor, starts_at=at(10))

    assert Appointment.objects.filter(patient=me).count() == 2


def test_a_portal_patient_holds_at_most_three_live_bookings(doctor, portal):
    user, me, _client = portal
    booked = [
        services.appointment_book(actor=user, patient=me, doctor=doctor, starts_at=in_days(n))
        for n in range(3)
    ]

    with pytest.raises(services.BookingError, match="3 upcoming appointments"):
        services.appointment_book(actor=user, patient=me, doctor=doctor, starts_at=in_days(3))
    services.appointment_cancel(actor=user, appointment=booked[0])
    services.appointment_book(actor=user, patient=me, doctor=doctor, starts_at=in_days(3))

    assert Appointment.objects.filter(patient=me, status=AppointmentStatus.SCHEDULED).count() == 3


def test_past_and_finished_appointments_do_not_count_against_the_portal_limit(
    doctor, clerk, portal
):
    user, me, _client = portal
    for n in range(3):
        services.appointment_book(actor=clerk, patient=me, doctor=doctor, starts_at=in_days(n))

    with time_machine.travel(in_days(3, 6), tick=False):
        services.appointment_book(actor=user, patient=me, doctor=doctor, starts_at=in_days(3))

    assert Appointment.objects.filter(patient=me).count() == 4


def test_the_portal_limits_are_settings(doctor, portal, settings):
    settings.HMS_PORTAL_MAX_BOOKINGS_PER_DOCTOR_DAY = 2
    settings.HMS_PORTAL_MAX_LIVE_BOOKINGS = 2
    user, me, _client = portal

    services.appointment_book(actor=user, patient=me, doctor=doctor, starts_at=at(9))
    services.appointment_book(actor=user, patient=me, doctor=doctor, starts_at=at(9, 15))
    with pytest.raises(services.BookingError):
        services.appointment_book(actor=user, patient=me, doctor=doctor, starts_at=in_days(1))

    assert Appointment.objects.filter(patient=me).count() == 2


def test_a_portal_patient_moves_their_appointment_within_the_day(doctor, portal):
    user, me, _client = portal
    appointment = services.appointment_book(actor=user, patient=me, doctor=doctor, starts_at=at(10))

    services.appointment_reschedule(actor=user, appointment=appointment, starts_at=at(11))

    assert Appointment.objects.get(pk=appointment.pk).starts_at == at(11)


def test_a_portal_patient_cannot_move_onto_a_day_already_booked_with_that_doctor(doctor, portal):
    user, me, _client = portal
    services.appointment_book(actor=user, patient=me, doctor=doctor, starts_at=in_days(1))
    appointment = services.appointment_book(actor=user, patient=me, doctor=doctor, starts_at=at(10))

    with pytest.raises(services.BookingError, match="You already have an appointment with"):
        services.appointment_reschedule(
            actor=user, appointment=appointment, starts_at=in_days(1, 11)
        )

    assert Appointment.objects.get(pk=appointment.pk).starts_at == at(10)


def test_the_desk_is_not_limited(doctor, clerk, client_for):
    patient = PatientFactory()
    client = client_for(clerk)

    responses = [
        book_on_the_desk_form(
            client, patient, doctor, day="2026-11-23", starts_at=at(9) + timedelta(minutes=m)
        )
        for m in range(0, 90, 15)
    ]
    for n in range(1, 4):
        services.appointment_book(actor=clerk, patient=patient, doctor=doctor, starts_at=in_days(n))

    assert [r.status_code for r in responses] == [302] * 6
    assert Appointment.objects.filter(patient=patient).count() == 9


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_portal_tabs_racing_for_two_slots_of_one_doctor_book_one(doctor, make_user):
    guard = time_machine.travel(at(6), tick=True)
    guard.start()
    user = make_user(rbac.PATIENT)
    me = PatientFactory(user=user)

    def attempt(n: int) -> object:
        return services.appointment_book(
            actor=user, patient=me, doctor=doctor, starts_at=at(9, 15 * n)
        )

    outcome = race(attempt)
    guard.stop()

    kinds = sorted(type(value).__name__ for value in outcome.values())
    assert kinds == ["Appointment", "BookingError"], outcome
    assert Appointment.objects.filter(patient=me).count() == 1


def test_a_double_tap_on_book_books_once_and_shows_the_appointment(doctor, clerk, client_for):
    patient = PatientFactory()
    desk = client_for(clerk)
    form = {
        "patient": patient.pk,
        "doctor": doctor.pk,
        "date": "2026-11-23",
        "starts_at": at(9).isoformat(),
        "submission": "0b6f1f5e-7a52-4c1e-9d43-2f3a3f0c9a11",
    }

    first = desk.post(reverse("appointment_book"), form)
    second = desk.post(reverse("appointment_book"), form)

    booked = Appointment.objects.get(patient=patient)
    assert first["Location"] == second["Location"] == booked.get_absolute_url()
