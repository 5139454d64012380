"""A doctor's approved leave closes their hours (hr calls `days_off_for_leave`; clinical never
imports hr): the slots go from booking at the desk and on the portal, for a whole day or half of
one; the booking services themselves refuse a time inside a day off, naming it; cancelling the
leave lifts exactly its own days (from a day on); only an administrator does either, audited."""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from clinical import selectors, services
from clinical.models import Appointment, ScheduleException
from hms import rbac, realtime
from hms.models import AuditEntry
from tests.factories import DoctorScheduleFactory, PatientFactory

NAIROBI = ZoneInfo("Africa/Nairobi")
MONDAY = date(2026, 11, 23)
WEDNESDAY, THURSDAY, FRIDAY = (MONDAY + timedelta(days=n) for n in (2, 3, 4))
NEXT_MONDAY = MONDAY + timedelta(days=7)
LEAVE = "annual leave 25–27 Nov"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NAIROBI)


@pytest.fixture(autouse=True)
def monday_morning():
    with time_machine.travel(at(MONDAY, 6), tick=False):
        yield


@pytest.fixture
def doctor(make_user):
    """Dr Amina Otieno: clinic every day 09:00-16:00 in 30-minute slots."""
    doctor = make_user(rbac.DOCTOR, first_name="Amina", last_name="Otieno")
    for weekday in range(7):
        DoctorScheduleFactory(doctor=doctor, weekday=weekday, end_time=time(16), slot_minutes=30)
    return doctor


@pytest.fixture
def admin(make_user):
    return make_user(rbac.ADMIN)


@pytest.fixture
def clerk(make_user):
    return make_user(rbac.RECEPTIONIST)


@pytest.fixture
def portal(make_user, client_for):
    user = make_user(rbac.PATIENT)
    return user, PatientFactory(user=user), client_for(user)


def leave(admin, doctor, *days, source="leave:42", reason=LEAVE):
    return services.days_off_for_leave(
        actor=admin, doctor=doctor, days=list(days), reason=reason, source=source
    )


def offered(client, doctor, day: date) -> list[str]:
    """The free times the booking form offers for the doctor's day, as HH:MM."""
    response = client.get(reverse("slot_picker"), {"doctor": doctor.pk, "date": day.isoformat()})
    assert response.status_code == 200
    return re.findall(r'data-testid="slot">(\d\d:\d\d)<', response.content.decode())


# --- the slots go, at the desk and on the portal --------------------------------------------


def test_a_whole_day_of_leave_offers_no_time_at_the_desk_or_on_the_portal(
    doctor, admin, clerk, client_for, portal
):
    desk, (_user, _me, online) = client_for(clerk), portal

    leave(admin, doctor, (WEDNESDAY, "day"))

    assert offered(desk, doctor, WEDNESDAY) == [] and offered(online, doctor, WEDNESDAY) == []
    assert len(offered(desk, doctor, THURSDAY)) == 14  # the next day is untouched
    assert len(offered(online, doctor, THURSDAY)) == 14
    said = online.get(
        reverse("slot_picker"), {"doctor": doctor.pk, "date": WEDNESDAY.isoformat()}
    ).content.decode()
    assert f"Amina Otieno is away on Wednesday 25 Nov ({LEAVE})" in said


def test_a_morning_of_leave_leaves_the_afternoon_bookable(doctor, admin, clerk, client_for, portal):
    desk, (_user, _me, online) = client_for(clerk), portal

    leave(admin, doctor, (WEDNESDAY, "morning"))

    afternoon = ["13:00", "13:30", "14:00", "14:30", "15:00", "15:30"]
    assert offered(desk, doctor, WEDNESDAY) == afternoon
    assert offered(online, doctor, WEDNESDAY) == afternoon


def test_an_afternoon_of_leave_leaves_the_morning_bookable(
    doctor, admin, clerk, client_for, portal
):
    desk, (_user, _me, online) = client_for(clerk), portal

    leave(admin, doctor, (WEDNESDAY, "afternoon"))

    morning = ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "12:00", "12:30"]
    assert offered(desk, doctor, WEDNESDAY) == morning
    assert offered(online, doctor, WEDNESDAY) == morning


# --- the booking service refuses a closed time, whatever the form posted --------------------


def test_booking_inside_leave_is_refused_by_the_service_naming_the_leave(doctor, admin, clerk):
    leave(admin, doctor, (WEDNESDAY, "day"))

    with pytest.raises(services.BookingError) as refusal:
        services.appointment_book(
            actor=clerk, patient=PatientFactory(), doctor=doctor, starts_at=at(WEDNESDAY, 10)
        )

    assert str(refusal.value) == (
        f"Amina Otieno is away on Wed 25 Nov ({LEAVE}) and sees no patients then."
        " Choose another day, or another doctor."
    )
    assert not Appointment.objects.exists()


def test_booking_an_afternoon_of_leave_names_its_hours(doctor, admin, clerk):
    leave(admin, doctor, (WEDNESDAY, "afternoon"))

    with pytest.raises(services.BookingError, match=r"away on Wed 25 Nov 13:00–23:59 \(annual"):
        services.appointment_book(
            actor=clerk, patient=PatientFactory(), doctor=doctor, starts_at=at(WEDNESDAY, 14)
        )
    booked = services.appointment_book(
        actor=clerk, patient=PatientFactory(), doctor=doctor, starts_at=at(WEDNESDAY, 12, 30)
    )

    assert booked.starts_at == at(WEDNESDAY, 12, 30)


def test_a_day_off_set_by_hand_is_refused_the_same_way(doctor, admin, clerk):
    services.schedule_exception_add(
        actor=admin, doctor=doctor, date=THURSDAY, reason="Medical camp in Kitui"
    )

    with pytest.raises(
        services.BookingError, match=r"away on Thu 26 Nov \(Medical camp in Kitui\)"
    ):
        services.appointment_book(
            actor=clerk, patient=PatientFactory(), doctor=doctor, starts_at=at(THURSDAY, 9)
        )


def test_the_desk_form_shows_the_refusal_beside_the_time_and_books_nothing(
    doctor, admin, clerk, client_for
):
    patient = PatientFactory()
    leave(admin, doctor, (WEDNESDAY, "day"))

    response = client_for(clerk).post(
        reverse("appointment_book"),
        {
            "patient": patient.pk,
            "doctor": doctor.pk,
            "date": WEDNESDAY.isoformat(),
            "starts_at": at(WEDNESDAY, 10).isoformat(),
        },
    )

    page = response.content.decode()
    assert response.status_code == 200 and "is away on Wed 25 Nov" in page
    assert LEAVE in page
    assert not Appointment.objects.exists()


def test_the_portal_form_is_refused_the_same_way(doctor, admin, portal):
    _user, _me, online = portal
    leave(admin, doctor, (WEDNESDAY, "morning"))

    response = online.post(
        reverse("appointment_book"),
        {
            "doctor": doctor.pk,
            "date": WEDNESDAY.isoformat(),
            "starts_at": at(WEDNESDAY, 9).isoformat(),
        },
    )

    assert response.status_code == 200 and "is away on Wed 25 Nov" in response.content.decode()
    assert not Appointment.objects.exists()


def test_moving_an_appointment_into_leave_is_refused_and_it_stays(doctor, admin, clerk):
    booked = services.appointment_book(
        actor=clerk, patient=PatientFactory(), doctor=doctor, starts_at=at(THURSDAY, 9)
    )
    leave(admin, doctor, (WEDNESDAY, "day"))

    with pytest.raises(services.BookingError, match="is away on Wed 25 Nov"):
        services.appointment_reschedule(actor=clerk, appointment=booked, starts_at=at(WEDNESDAY, 9))

    booked.refresh_from_db()
    assert booked.starts_at == at(THURSDAY, 9)


# --- lifting: exactly the leave's own days, from a day on -----------------------------------


def test_lifting_reopens_only_this_leaves_days_from_the_day_given(doctor, admin, clerk, client_for):
    leave(admin, doctor, (WEDNESDAY, "day"), (THURSDAY, "day"), (FRIDAY, "morning"))
    leave(admin, doctor, (FRIDAY, "afternoon"), source="leave:43", reason="study leave")
    services.schedule_exception_add(
        actor=admin, doctor=doctor, date=THURSDAY, start_time=time(9), end_time=time(10)
    )

    lifted = services.days_off_for_leave_lifted(actor=admin, source="leave:42", from_day=THURSDAY)

    desk = client_for(clerk)
    assert lifted == 2
    assert offered(desk, doctor, WEDNESDAY) == []  # before the day given: still closed
    assert offered(desk, doctor, THURSDAY)[0] == "10:00"  # the hand-set hour stays closed
    assert offered(desk, doctor, FRIDAY)[-1] == "12:30"  # the other leave's afternoon stays
    assert set(ScheduleException.objects.values_list("source", flat=True)) == {
        "leave:42",
        "leave:43",
        "",
    }


def test_lifting_without_a_day_reopens_every_day_of_the_leave(doctor, admin, clerk, client_for):
    leave(admin, doctor, (WEDNESDAY, "day"), (THURSDAY, "day"))

    lifted = services.days_off_for_leave_lifted(actor=admin, source="leave:42")

    assert lifted == 2 and not ScheduleException.objects.exists()
    assert len(offered(client_for(clerk), doctor, WEDNESDAY)) == 14


def test_lifting_never_touches_days_off_set_by_hand(doctor, admin):
    services.schedule_exception_add(actor=admin, doctor=doctor, date=WEDNESDAY)

    with pytest.raises(services.BookingError, match="name the leave"):
        services.days_off_for_leave_lifted(actor=admin, source="")

    assert ScheduleException.objects.count() == 1


# --- idempotent, refused for others, audited, live ------------------------------------------


def test_closing_the_same_days_twice_creates_nothing_more(doctor, admin):
    first = leave(admin, doctor, (WEDNESDAY, "day"), (THURSDAY, "morning"))

    again = leave(admin, doctor, (WEDNESDAY, "day"), (THURSDAY, "morning"))

    assert len(first) == 2 and again == []
    assert ScheduleException.objects.count() == 2
    assert AuditEntry.objects.filter(action="schedule.leave_days_off").count() == 1


def test_lifting_twice_lifts_nothing_more(doctor, admin):
    leave(admin, doctor, (WEDNESDAY, "day"))
    services.days_off_for_leave_lifted(actor=admin, source="leave:42")

    again = services.days_off_for_leave_lifted(actor=admin, source="leave:42")

    assert again == 0
    assert AuditEntry.objects.filter(action="schedule.leave_days_off_lifted").count() == 1


@pytest.mark.parametrize("role", [r for r in rbac.ROLES if r != rbac.ADMIN])
def test_no_one_but_an_administrator_closes_or_reopens_a_doctors_hours(
    doctor, admin, make_user, role
):
    someone = make_user(role)
    leave(admin, doctor, (THURSDAY, "day"))

    with pytest.raises(PermissionDenied, match="Only an administrator"):
        leave(someone, doctor, (WEDNESDAY, "day"), source="leave:99")
    with pytest.raises(PermissionDenied, match="Only an administrator"):
        services.days_off_for_leave_lifted(actor=someone, source="leave:42")

    assert list(ScheduleException.objects.values_list("date", flat=True)) == [THURSDAY]


def test_the_doctor_whose_leave_it_was_reopens_their_own_hours_and_no_one_elses(
    doctor, admin, make_user
):
    colleague = make_user(rbac.DOCTOR)
    leave(admin, doctor, (WEDNESDAY, "day"))
    leave(admin, colleague, (THURSDAY, "day"), source="leave:43")

    with pytest.raises(PermissionDenied, match="Only an administrator"):
        services.days_off_for_leave_lifted(actor=doctor, source="leave:43")
    lifted = services.days_off_for_leave_lifted(actor=doctor, source="leave:42")

    assert lifted == 1
    assert list(ScheduleException.objects.values_list("date", flat=True)) == [THURSDAY]


def test_a_doctor_cancelling_leave_that_closed_no_hours_lifts_nothing_and_is_not_refused(
    doctor, make_user
):
    """A leave whose days held no clinic hours left nothing to lift: the doctor's cancelling it
    must not be refused (it raised an unhandled error, then a 403, before session 24)."""
    leave(make_user(rbac.ADMIN), doctor, (WEDNESDAY, "day"))

    lifted = services.days_off_for_leave_lifted(actor=doctor, source="leave:77")

    assert lifted == 0
    assert ScheduleException.objects.filter(source="leave:42").count() == 1
    assert not AuditEntry.objects.filter(action="schedule.leave_days_off_lifted").exists()


def test_an_unknown_part_of_a_day_writes_nothing(doctor, admin):
    with pytest.raises(ValueError, match="day part"):
        leave(admin, doctor, (WEDNESDAY, "day"), (THURSDAY, "evening"))

    assert not ScheduleException.objects.exists()


def test_a_member_of_staff_who_is_not_a_doctor_has_no_hours_to_close(admin, make_user):
    nurse = make_user(rbac.NURSE)

    assert leave(admin, nurse, (WEDNESDAY, "day")) == []
    assert not ScheduleException.objects.exists()


def test_closing_and_lifting_are_audited_with_the_leave_and_its_days(doctor, admin):
    leave(admin, doctor, (WEDNESDAY, "day"), (THURSDAY, "afternoon"))
    services.days_off_for_leave_lifted(actor=admin, source="leave:42", from_day=THURSDAY)

    closed = AuditEntry.objects.get(action="schedule.leave_days_off")
    lifted = AuditEntry.objects.get(action="schedule.leave_days_off_lifted")
    assert closed.actor == admin and closed.object_id == str(doctor.pk)
    assert closed.after == {
        "source": "leave:42",
        "days": ["2026-11-25", "2026-11-26"],
        "reason": LEAVE,
    }
    assert lifted.actor == admin and lifted.after == {"source": "leave:42", "days": ["2026-11-26"]}


def test_closing_days_refreshes_the_desks_pages_once_committed(
    doctor, admin, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(realtime, "send_now", lambda group, message: sent.append(group) or True)

    with django_capture_on_commit_callbacks(execute=True):
        leave(admin, doctor, (WEDNESDAY, "day"))
    with django_capture_on_commit_callbacks(execute=True):
        services.days_off_for_leave_lifted(actor=admin, source="leave:42")

    assert sent.count("appointments") == 2


# --- what approving would leave booked ------------------------------------------------------


def test_the_appointments_a_leave_would_leave_booked_are_counted_by_part_of_day(doctor, clerk):
    for hour in (9, 12, 13, 15):
        services.appointment_book(
            actor=clerk, patient=PatientFactory(), doctor=doctor, starts_at=at(WEDNESDAY, hour)
        )
    services.appointment_book(
        actor=clerk, patient=PatientFactory(), doctor=doctor, starts_at=at(FRIDAY, 9)
    )

    def times(*days):
        found = selectors.appointments_in_days(doctor, days)
        return [f"{a.starts_at.astimezone(NAIROBI):%a %H:%M}" for a in found]

    assert times((WEDNESDAY, "morning")) == ["Wed 09:00", "Wed 12:00"]
    assert times((WEDNESDAY, "afternoon")) == ["Wed 13:00", "Wed 15:00"]
    assert len(times((WEDNESDAY, "day"), (FRIDAY, "day"))) == 5
    assert times((THURSDAY, "day")) == [] and times() == []
