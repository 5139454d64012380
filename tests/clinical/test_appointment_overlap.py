"""A slot is taken when any live appointment overlaps it (start < other's end and end > other's
start), the doctor's or the patient's with any doctor: refused by the service on both databases
(with the appointment in the way named), by exclusion constraints on PostgreSQL, and never
offered in the slot lists, also after a doctor's slot length changes."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse

from clinical import selectors, services
from clinical.models import Appointment, AppointmentStatus, DoctorSchedule
from hms import rbac
from tests.factories import DoctorScheduleFactory, PatientFactory, UserFactory
from tests.races import race

NAIROBI = ZoneInfo("Africa/Nairobi")
MONDAY = date(2026, 11, 23)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(MONDAY, time(hour, minute), tzinfo=NAIROBI)


@pytest.fixture(autouse=True)
def monday_morning():
    with time_machine.travel(at(6), tick=False):
        yield


def clinic(doctor, minutes: int) -> None:
    """Monday clinic 09:00-12:00 in slots of `minutes`."""
    DoctorScheduleFactory(doctor=doctor, weekday=MONDAY.weekday(), slot_minutes=minutes)


@pytest.fixture
def long_slots(make_user):
    """A doctor seeing patients in 30-minute slots."""
    doctor = make_user(rbac.DOCTOR, first_name="Amina", last_name="Otieno")
    clinic(doctor, 30)
    return doctor


@pytest.fixture
def short_slots(make_user):
    """A doctor seeing patients in 15-minute slots."""
    doctor = make_user(rbac.DOCTOR, first_name="Brian", last_name="Kiprop")
    clinic(doctor, 15)
    return doctor


@pytest.fixture
def clerk(make_user):
    return make_user(rbac.RECEPTIONIST)


def book(clerk, patient, doctor, starts_at):
    return services.appointment_book(
        actor=clerk, patient=patient, doctor=doctor, starts_at=starts_at
    )


def free_times(doctor, **kwargs) -> set[time]:
    return {
        s.starts_at.astimezone(NAIROBI).time()
        for s in selectors.slots_for(doctor, MONDAY, **kwargs)
        if s.free
    }


# --- the patient: never in two places at once ---------------------------------------------


def test_a_patient_in_0900_0930_with_one_doctor_cannot_be_booked_0915_with_another(
    long_slots, short_slots, clerk
):
    patient = PatientFactory(first_name="Wanjiru", last_name="Kamau")
    book(clerk, patient, long_slots, at(9))

    with pytest.raises(services.BookingError) as refused:
        book(clerk, patient, short_slots, at(9, 15))

    message = str(refused.value)
    assert "Wanjiru Kamau already has an appointment with" in message
    assert "09:00–09:30" in message and "overlaps 09:15–09:30" in message
    assert not isinstance(refused.value, services.SlotTaken)
    assert Appointment.objects.filter(patient=patient).count() == 1


def test_touching_appointments_do_not_overlap(long_slots, short_slots, clerk):
    patient = PatientFactory()
    book(clerk, patient, long_slots, at(9, 30))  # 09:30-10:00

    before = book(clerk, patient, short_slots, at(9, 15))  # 09:15-09:30
    after = book(clerk, patient, short_slots, at(10))  # 10:00-10:15

    assert before.ends_at == at(9, 30) and after.starts_at == at(10)


def test_a_cancelled_appointment_frees_the_patients_time(long_slots, short_slots, clerk):
    patient = PatientFactory()
    first = book(clerk, patient, long_slots, at(9))
    services.appointment_cancel(actor=clerk, appointment=first)

    assert book(clerk, patient, short_slots, at(9, 15)).starts_at == at(9, 15)


def test_a_patient_is_not_moved_onto_their_other_appointment(long_slots, short_slots, clerk):
    patient = PatientFactory()
    book(clerk, patient, long_slots, at(10))
    short = book(clerk, patient, short_slots, at(9))

    with pytest.raises(services.BookingError, match="already has an appointment"):
        services.appointment_reschedule(actor=clerk, appointment=short, starts_at=at(10, 15))

    short.refresh_from_db()
    assert short.starts_at == at(9)


def test_the_desk_lists_only_times_the_patient_is_free(long_slots, short_slots, clerk):
    patient = PatientFactory()
    book(clerk, patient, long_slots, at(9))

    free = free_times(short_slots, patient=patient)

    assert time(9) not in free and time(9, 15) not in free
    assert time(9, 30) in free and time(8, 45) not in free  # 08:45 is no slot of the clinic
    assert time(9, 15) in free_times(short_slots)  # the doctor alone is free then


def test_the_slot_picker_and_booking_page_leave_out_the_patients_busy_times(
    long_slots, short_slots, clerk, client_for
):
    patient = PatientFactory()
    book(clerk, patient, long_slots, at(9))
    client = client_for(clerk)

    picker = client.get(
        reverse("slot_picker"),
        {"doctor": short_slots.pk, "date": MONDAY.isoformat(), "patient": patient.pk},
    )
    page = client.get(
        reverse("appointment_book"),
        {"doctor": short_slots.pk, "date": MONDAY.isoformat(), "patient": patient.pk},
    )

    for response in (picker, page):
        assert response.status_code == 200
        html = response.content.decode()
        assert f'value="{at(9, 15).isoformat()}"' not in html
        assert f'value="{at(9, 30).isoformat()}"' in html


def test_the_page_says_which_appointment_is_in_the_way(long_slots, short_slots, clerk, client_for):
    patient = PatientFactory()
    book(clerk, patient, long_slots, at(9))

    response = client_for(clerk).post(
        reverse("appointment_book"),
        {
            "patient": patient.pk,
            "doctor": short_slots.pk,
            "date": MONDAY.isoformat(),
            "starts_at": at(9, 15).isoformat(),
        },
    )

    assert response.status_code == 200
    assert "already has an appointment with" in response.context["error"]
    assert Appointment.objects.filter(patient=patient).count() == 1


# --- the doctor: after the slot length changes ----------------------------------------------


def change_to_30_minute_slots(doctor, clerk) -> None:
    """The administrator changes the doctor's Monday to 30-minute slots."""
    block = DoctorSchedule.objects.get(doctor=doctor, weekday=MONDAY.weekday())
    admin = UserFactory(role=rbac.ADMIN)
    services.schedule_block_remove(actor=admin, block=block)
    clinic(doctor, 30)


def test_after_15_minute_slots_become_30_an_overlapping_slot_is_not_offered_or_booked(
    short_slots, clerk
):
    booked = book(clerk, PatientFactory(), short_slots, at(9, 15))  # 09:15-09:30
    change_to_30_minute_slots(short_slots, clerk)

    slots = {
        s.starts_at.astimezone(NAIROBI).time(): s for s in selectors.slots_for(short_slots, MONDAY)
    }
    with pytest.raises(services.SlotTaken) as refused:
        book(clerk, PatientFactory(), short_slots, at(9))  # 09:00-09:30 overlaps 09:15-09:30

    assert slots[time(9)].ends_at == at(9, 30) and slots[time(9)].free is False
    assert slots[time(9, 30)].free is True
    assert "09:15–09:30" in str(refused.value)
    assert at(9) not in [s.starts_at for s in refused.value.next_free]
    assert list(Appointment.objects.filter(doctor=short_slots)) == [booked]


def test_after_the_change_a_move_onto_the_overlapping_slot_is_refused(short_slots, clerk):
    book(clerk, PatientFactory(), short_slots, at(9, 15))
    later = book(clerk, PatientFactory(), short_slots, at(11))
    change_to_30_minute_slots(short_slots, clerk)

    with pytest.raises(services.SlotTaken):
        services.appointment_reschedule(actor=clerk, appointment=later, starts_at=at(9))
    moved = services.appointment_reschedule(actor=clerk, appointment=later, starts_at=at(9, 30))

    assert moved.starts_at == at(9, 30) and moved.ends_at == at(10)


def test_a_no_show_still_holds_its_time_as_the_code_defines_live(short_slots, clerk):
    appointment = book(clerk, PatientFactory(), short_slots, at(9, 15))
    Appointment.objects.filter(pk=appointment.pk).update(status=AppointmentStatus.NO_SHOW)
    change_to_30_minute_slots(short_slots, clerk)

    assert time(9) not in free_times(short_slots)


# --- the database ------------------------------------------------------------------------


@pytest.mark.postgres
def test_postgres_refuses_an_overlap_written_past_the_service(long_slots, short_slots, clerk):
    patient = PatientFactory()
    first = book(clerk, patient, long_slots, at(9))
    row = {"fee": Decimal("1500.00"), "starts_at": at(9, 15), "ends_at": at(9, 30)}

    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(patient=patient, doctor=short_slots, **row)
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(patient=PatientFactory(), doctor=long_slots, **row)
    Appointment.objects.filter(pk=first.pk).update(status=AppointmentStatus.CANCELLED)
    Appointment.objects.create(patient=patient, doctor=short_slots, **row)  # cancelled: free


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_overlapping_bookings_for_one_patient_with_two_doctors_racing_one_wins(
    long_slots, short_slots, make_user
):
    guard = time_machine.travel(at(6), tick=True)
    guard.start()
    clerks = [make_user(rbac.RECEPTIONIST), make_user(rbac.RECEPTIONIST)]
    patient = PatientFactory()
    wanted = [(long_slots, at(9)), (short_slots, at(9, 15))]

    def attempt(n: int) -> object:
        doctor, starts_at = wanted[n]
        return book(clerks[n], patient, doctor, starts_at)

    outcome = race(attempt)
    guard.stop()

    kinds = sorted(type(value).__name__ for value in outcome.values())
    assert kinds == ["Appointment", "BookingError"], outcome
    refusal = next(v for v in outcome.values() if isinstance(v, services.BookingError))
    assert "already has an appointment with" in str(refusal)
    assert Appointment.objects.filter(patient=patient).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_overlapping_slots_of_one_doctor_racing_after_the_slot_length_change_one_wins(
    short_slots,
):
    """Two desks, two patients: one books the 15-minute 09:15 slot while the schedule already
    offers 30-minute slots to the other (a stale page): the exclusion constraint decides."""
    guard = time_machine.travel(at(6), tick=True)
    guard.start()
    patients = [PatientFactory(), PatientFactory()]
    rows = [at(9), at(9, 15)]

    def attempt(n: int) -> object:
        with transaction.atomic():
            Appointment.objects.create(
                patient=patients[n],
                doctor=short_slots,
                starts_at=rows[n],
                ends_at=rows[n] + timedelta(minutes=30 - 15 * n),
                fee=Decimal("1500.00"),
            )
        return "booked"

    outcome = race(attempt)
    guard.stop()

    # The loser is refused by the exclusion constraint; PostgreSQL may report two conflicting
    # inserts checked at the same moment as a deadlock (40P01) instead of a violation: refused
    # either way, and exactly one appointment stands.
    refused = [value for value in outcome.values() if value != "booked"]
    assert list(outcome.values()).count("booked") == 1, outcome
    assert len(refused) == 1 and (
        isinstance(refused[0], IntegrityError)
        or getattr(getattr(refused[0], "__cause__", None), "sqlstate", "") == "40P01"
    ), outcome
    assert Appointment.objects.filter(doctor=short_slots).count() == 1


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("31/02/2026", "That is not a day: type it as day/month/year"),
        ("abc", "That is not a day: type it as day/month/year"),
        ("01/01/2030", "Bookings open up to"),
    ],
)
def test_a_day_that_is_not_one_or_too_far_offers_no_times(
    short_slots, clerk, client_for, typed, said
):
    picker = client_for(clerk).get(
        reverse("slot_picker"), {"doctor": short_slots.pk, "date": typed}
    )
    good = client_for(clerk).get(
        reverse("slot_picker"), {"doctor": short_slots.pk, "date": MONDAY.strftime("%d/%m/%Y")}
    )

    html = picker.content.decode()
    assert said in html
    assert 'name="starts_at"' not in html  # never today's times under another day
    assert 'name="starts_at"' in good.content.decode()
