"""Doctor schedules, slots, booking (and its race), rescheduling, cancelling, the portal."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from clinical import selectors, services
from clinical.models import (
    Appointment,
    AppointmentStatus,
    PatientState,
    ScheduleException,
)
from hms import rbac
from hms.models import AuditEntry
from messaging.models import Notification
from tests.factories import DoctorScheduleFactory, PatientFactory
from tests.races import race

NAIROBI = ZoneInfo("Africa/Nairobi")
MONDAY = date(2026, 11, 23)
EARLY_MONDAY = datetime(2026, 11, 23, 6, 0, tzinfo=NAIROBI)


def at(hour: int, minute: int = 0, day: date = MONDAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NAIROBI)


@pytest.fixture(autouse=True)
def monday_morning():
    with time_machine.travel(EARLY_MONDAY, tick=False):
        yield


@pytest.fixture
def doctor(make_user):
    doctor = make_user(rbac.DOCTOR, first_name="Amina", last_name="Otieno")
    for weekday in range(5):
        DoctorScheduleFactory(doctor=doctor, weekday=weekday)
    return doctor


@pytest.fixture
def clerk(make_user):
    return make_user(rbac.RECEPTIONIST)


def book(clerk, patient, doctor, starts_at):
    return services.appointment_book(
        actor=clerk, patient=patient, doctor=doctor, starts_at=starts_at
    )


# --- slots ---------------------------------------------------------------------------------


def test_slots_come_from_the_weekly_schedule(doctor):
    slots = selectors.slots_for(doctor, MONDAY)

    assert [s.starts_at for s in slots][:2] == [at(9), at(9, 15)]
    assert len(slots) == 12 and all(s.free for s in slots)
    assert slots[-1].ends_at == at(12)
    assert selectors.slots_for(doctor, date(2026, 11, 28)) == []  # Saturday: no clinic


def test_a_day_off_and_a_partial_absence_remove_slots(doctor):
    ScheduleException.objects.create(doctor=doctor, date=MONDAY, reason="Conference")
    ScheduleException.objects.create(
        doctor=doctor, date=MONDAY + timedelta(days=1), start_time=time(10), end_time=time(11)
    )

    tuesday = [
        s.starts_at.astimezone(NAIROBI).time()
        for s in selectors.slots_for(doctor, MONDAY + timedelta(days=1))
    ]

    assert selectors.slots_for(doctor, MONDAY) == []
    assert time(10) not in tuesday and time(10, 45) not in tuesday
    assert time(9, 45) in tuesday and time(11) in tuesday


def test_taken_and_past_slots_are_not_free(doctor, clerk):
    book(clerk, PatientFactory(), doctor, at(9, 30))

    with time_machine.travel(at(10, 5), tick=False):
        free = {s.starts_at: s.free for s in selectors.slots_for(doctor, MONDAY)}

    assert free[at(9, 30)] is False and free[at(10)] is False and free[at(10, 15)] is True


# --- booking -------------------------------------------------------------------------------


def test_booking_records_history_moves_the_patient_and_tells_the_doctor(doctor, clerk):
    patient = PatientFactory()

    appointment = book(clerk, patient, doctor, at(9))

    assert appointment.fee == Decimal("1500.00") and appointment.ends_at == at(9, 15)
    assert [c.kind for c in appointment.changes.all()] == ["booked"]
    patient.refresh_from_db()
    assert patient.state == PatientState.APPOINTMENT_SCHEDULED
    assert AuditEntry.objects.filter(action="appointment.book", patient_id=str(patient.pk)).exists()
    note = Notification.objects.get(recipient=doctor)
    assert patient.full_name in note.text and note.link == f"/appointments/{appointment.pk}/"


@pytest.mark.parametrize(
    ("starts_at", "message"),
    [
        (at(9, 5), "does not see patients at"),
        (at(13), "does not see patients at"),
        (at(9, day=date(2026, 11, 16)), "already passed"),
    ],
)
def test_a_time_that_is_not_a_free_slot_is_refused(doctor, clerk, starts_at, message):
    with pytest.raises(services.BookingError, match=message):
        book(clerk, PatientFactory(), doctor, starts_at)

    assert not Appointment.objects.exists()


def test_an_archived_patient_cannot_be_booked(doctor, clerk):
    with pytest.raises(services.BookingError, match="archived"):
        book(clerk, PatientFactory(state=PatientState.ARCHIVED), doctor, at(9))


def test_a_taken_slot_is_refused_with_the_next_free_ones(doctor, clerk):
    book(clerk, PatientFactory(), doctor, at(9))

    with pytest.raises(services.SlotTaken) as taken:
        book(clerk, PatientFactory(), doctor, at(9))

    assert [s.starts_at for s in taken.value.next_free][:3] == [at(9, 15), at(9, 30), at(9, 45)]
    assert Appointment.objects.count() == 1


def test_the_desk_sees_the_slot_gone_and_the_next_free_times(doctor, clerk, client_for):
    book(clerk, PatientFactory(), doctor, at(9))
    patient = PatientFactory()

    response = client_for(clerk).post(
        reverse("appointment_book"),
        {
            "patient": patient.pk,
            "doctor": doctor.pk,
            "date": "2026-11-23",
            "starts_at": at(9).isoformat(),
        },
    )

    page = response.content.decode()
    assert response.status_code == 200 and "has just been taken" in page
    assert 'data-testid="next-free"' in page and "09:15" in page
    assert not Appointment.objects.filter(patient=patient).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_receptionists_racing_for_one_slot_one_wins_the_other_is_told(doctor, make_user):
    time_machine_guard = time_machine.travel(EARLY_MONDAY, tick=True)
    time_machine_guard.start()
    clerks = [make_user(rbac.RECEPTIONIST), make_user(rbac.RECEPTIONIST)]
    patients = [PatientFactory(), PatientFactory()]

    def attempt(n: int) -> object:
        return book(clerks[n], patients[n], doctor, at(10))

    outcome = race(attempt)
    time_machine_guard.stop()

    kinds = sorted(type(value).__name__ for value in outcome.values())
    assert kinds == ["Appointment", "SlotTaken"], outcome
    taken = next(v for v in outcome.values() if isinstance(v, services.SlotTaken))
    assert at(10, 15) in [s.starts_at for s in taken.next_free]
    assert Appointment.objects.filter(starts_at=at(10)).count() == 1


# --- moving and cancelling -----------------------------------------------------------------


def test_rescheduling_keeps_the_history_and_frees_the_old_slot(doctor, clerk):
    appointment = book(clerk, PatientFactory(), doctor, at(9))

    services.appointment_reschedule(
        actor=clerk, appointment=appointment, starts_at=at(11), reason="Patient asked"
    )

    change = appointment.changes.get(kind="rescheduled")
    assert (change.from_starts_at, change.to_starts_at, change.reason) == (
        at(9),
        at(11),
        "Patient asked",
    )
    free = {s.starts_at: s.free for s in selectors.slots_for(doctor, MONDAY)}
    assert free[at(9)] and not free[at(11)]
    assert Notification.objects.filter(recipient=doctor, text__startswith="Moved").exists()


def test_moving_to_a_taken_slot_is_refused_and_nothing_changes(doctor, clerk):
    first = book(clerk, PatientFactory(), doctor, at(9))
    book(clerk, PatientFactory(), doctor, at(9, 30))

    with pytest.raises(services.SlotTaken):
        services.appointment_reschedule(actor=clerk, appointment=first, starts_at=at(9, 30))

    assert Appointment.objects.get(pk=first.pk).starts_at == at(9)


def test_cancelling_frees_the_slot_returns_the_patient_and_tells_the_doctor(doctor, clerk):
    patient = PatientFactory()
    appointment = book(clerk, patient, doctor, at(9))

    services.appointment_cancel(actor=clerk, appointment=appointment, reason="Feeling better")
    again = book(clerk, PatientFactory(), doctor, at(9))

    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.CANCELLED
    assert again.pk != appointment.pk
    patient.refresh_from_db()
    assert patient.state == PatientState.REGISTERED
    assert Notification.objects.filter(recipient=doctor, text__startswith="Cancelled").exists()


def test_cancelling_twice_is_refused(doctor, clerk):
    appointment = book(clerk, PatientFactory(), doctor, at(9))
    services.appointment_cancel(actor=clerk, appointment=appointment)

    with pytest.raises(services.BookingError, match="this one is Cancelled"):
        services.appointment_cancel(actor=clerk, appointment=appointment)


def test_check_in_only_on_the_day_and_no_show_only_afterwards(doctor, clerk, charge_master):
    tomorrow = book(clerk, PatientFactory(), doctor, at(9, day=MONDAY + timedelta(days=1)))
    today = book(clerk, PatientFactory(), doctor, at(9))

    with pytest.raises(services.BookingError, match="on the day"):
        services.appointment_check_in(actor=clerk, appointment=tomorrow)
    with pytest.raises(services.BookingError, match="only after its time"):
        services.appointment_no_show(actor=clerk, appointment=today)
    services.appointment_check_in(actor=clerk, appointment=today)

    assert Appointment.objects.get(pk=today.pk).status == AppointmentStatus.CHECKED_IN


# --- the portal ----------------------------------------------------------------------------


@pytest.fixture
def portal(make_user, client_for):
    user = make_user(rbac.PATIENT)
    return PatientFactory(user=user), client_for(user)


def test_a_patient_books_online_for_themselves_only(doctor, portal):
    me, client = portal
    someone_else = PatientFactory()

    response = client.post(
        reverse("appointment_book"),
        {
            "patient": someone_else.pk,
            "doctor": doctor.pk,
            "date": "2026-11-23",
            "starts_at": at(9).isoformat(),
        },
    )

    appointment = Appointment.objects.get()
    assert response.status_code == 302 and appointment.patient == me
    assert client.get(reverse("appointment_list")).status_code == 200


def test_a_patient_cannot_see_or_touch_another_patients_appointment(doctor, clerk, portal):
    _me, client = portal
    theirs = book(clerk, PatientFactory(), doctor, at(9))

    assert client.get(reverse("appointment_detail", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("appointment_cancel", args=[theirs.pk])).status_code == 404
    moved = client.post(
        reverse("appointment_reschedule", args=[theirs.pk]), {"starts_at": at(11).isoformat()}
    )
    assert moved.status_code == 404
    assert client.post(reverse("appointment_check_in", args=[theirs.pk])).status_code == 403
    assert Appointment.objects.get(pk=theirs.pk).status == AppointmentStatus.SCHEDULED


def test_a_patient_cannot_cancel_online_at_the_last_minute(doctor, clerk, portal):
    me, client = portal
    appointment = book(clerk, me, doctor, at(9))

    with time_machine.travel(at(8), tick=False):
        response = client.post(reverse("appointment_cancel", args=[appointment.pk]), follow=True)

    assert "up to 2 hours before" in response.content.decode()
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.SCHEDULED


def test_a_doctor_sees_only_their_own_appointments(doctor, clerk, make_user, client_for):
    other = make_user(rbac.DOCTOR)
    DoctorScheduleFactory(doctor=other, end_time=time(10), consultation_fee=Decimal("1000"))
    mine = book(clerk, PatientFactory(first_name="Mineva"), doctor, at(9))
    theirs = book(clerk, PatientFactory(first_name="Otherine"), other, at(9))
    client = client_for(doctor)

    listing = client.get(reverse("appointment_list"), {"date": "2026-11-23"}).content.decode()

    assert "Mineva" in listing and "Otherine" not in listing
    assert client.get(reverse("appointment_detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("appointment_detail", args=[theirs.pk])).status_code == 404


def test_the_day_list_and_todays_list_keep_a_constant_number_of_queries(
    doctor, clerk, client_for, django_assert_max_num_queries
):
    book(clerk, PatientFactory(), doctor, at(9))
    desk, own = client_for(clerk), client_for(doctor)
    with django_assert_max_num_queries(30) as few_day:
        desk.get(reverse("appointment_list"), {"date": "2026-11-23"})
    with django_assert_max_num_queries(30) as few_today:
        own.get(reverse("doctor_today"))
    for minutes in range(15, 180, 15):
        book(clerk, PatientFactory(), doctor, at(9) + timedelta(minutes=minutes))

    with django_assert_max_num_queries(len(few_day.captured_queries)):
        desk.get(reverse("appointment_list"), {"date": "2026-11-23"})
    with django_assert_max_num_queries(len(few_today.captured_queries)):
        own.get(reverse("doctor_today"))


def test_the_visit_reason_is_escaped(doctor, clerk, client_for):
    services.appointment_book(
        actor=clerk,
        patient=PatientFactory(),
        doctor=doctor,
        starts_at=at(9),
        reason="<script>alert(1)</script>",
    )

    page = (
        client_for(clerk).get(reverse("appointment_list"), {"date": "2026-11-23"}).content.decode()
    )

    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
