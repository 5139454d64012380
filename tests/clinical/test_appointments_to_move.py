"""The desk's appointments to move: patients booked on a day their doctor is away (leave or a
day off set by hand) are listed with the reason, and moved in one click to a time offered (the
same doctor later, or another doctor the same day), or cancelled; the dashboards count them."""

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from clinical import selectors, services
from clinical.models import Appointment, AppointmentChange, AppointmentStatus
from hms import rbac, submissions
from hms.models import AuditEntry
from tests.factories import DoctorScheduleFactory, PatientFactory

NAIROBI = ZoneInfo("Africa/Nairobi")
MONDAY = date(2026, 11, 23)
TUESDAY, WEDNESDAY, THURSDAY = (MONDAY + timedelta(days=n) for n in (1, 2, 3))
LEAVE = "annual leave 25–26 Nov"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NAIROBI)


@pytest.fixture(autouse=True)
def monday_morning():
    with time_machine.travel(at(MONDAY, 6), tick=False):
        yield


def clinic(doctor, *, until: int = 12) -> None:
    for weekday in range(7):
        DoctorScheduleFactory(doctor=doctor, weekday=weekday, end_time=time(until))


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
def admin(make_user):
    return make_user(rbac.ADMIN)


@pytest.fixture
def clerk(make_user):
    return make_user(rbac.RECEPTIONIST)


def book(clerk, doctor, when: datetime, **patient_fields) -> Appointment:
    return services.appointment_book(
        actor=clerk, patient=PatientFactory(**patient_fields), doctor=doctor, starts_at=when
    )


def away(admin, doctor, *days, source="leave:42", reason=LEAVE):
    return services.days_off_for_leave(
        actor=admin, doctor=doctor, days=list(days), reason=reason, source=source
    )


# --- who is listed ------------------------------------------------------------------------


def test_appointments_inside_a_day_off_are_listed_with_its_reason_in_time_order(
    doctor, other_doctor, admin, clerk
):
    later = book(clerk, doctor, at(THURSDAY, 10))
    first = book(clerk, doctor, at(WEDNESDAY, 11))
    afternoon_free = book(clerk, doctor, at(TUESDAY, 9))
    book(clerk, other_doctor, at(WEDNESDAY, 9))  # another doctor, not away
    by_hand = book(clerk, other_doctor, at(TUESDAY, 10, 15))
    away(admin, doctor, (WEDNESDAY, "day"), (THURSDAY, "morning"), (TUESDAY, "afternoon"))
    services.schedule_exception_add(
        actor=admin,
        doctor=other_doctor,
        date=TUESDAY,
        start_time=time(10),
        end_time=time(11),
        reason="Theatre list",
    )

    listed = list(selectors.appointments_to_move())

    assert listed == [by_hand, first, later]
    assert [a.day_off_reason for a in listed] == ["Theatre list", LEAVE, LEAVE]
    assert afternoon_free not in listed  # a morning appointment on an afternoon off stays


def test_cancelled_checked_in_and_past_appointments_are_not_listed(
    doctor, admin, clerk, charge_master
):
    cancelled = book(clerk, doctor, at(WEDNESDAY, 9))
    services.appointment_cancel(actor=clerk, appointment=cancelled)
    past = book(clerk, doctor, at(MONDAY, 9))
    waiting = book(clerk, doctor, at(MONDAY, 10))
    away(admin, doctor, (MONDAY, "day"), (WEDNESDAY, "day"))
    with time_machine.travel(at(MONDAY, 9, 50), tick=False):
        services.appointment_check_in(actor=clerk, appointment=waiting)

        with time_machine.travel(at(MONDAY, 10, 30), tick=False):
            assert list(selectors.appointments_to_move()) == []
    assert past.status == AppointmentStatus.SCHEDULED


def test_the_list_is_read_in_one_query_however_many_rows(
    doctor, admin, clerk, django_assert_num_queries
):
    for minute in range(0, 180, 15):
        book(clerk, doctor, at(WEDNESDAY, 9) + timedelta(minutes=minute))
    away(admin, doctor, (WEDNESDAY, "day"))

    with django_assert_num_queries(1):
        rows = [
            (a.patient.full_name, a.doctor.last_name, a.day_off_reason)
            for a in selectors.appointments_to_move()
        ]

    assert len(rows) == 12


# --- the screen ---------------------------------------------------------------------------


def test_the_desk_sees_each_patient_with_mrn_local_phone_doctor_time_and_reason(
    doctor, admin, clerk, client_for
):
    moving = book(clerk, doctor, at(WEDNESDAY, 10), first_name="Zawadi", phone="+254712345678")
    away(admin, doctor, (WEDNESDAY, "day"))

    response = client_for(clerk).get(reverse("appointments_to_move"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Zawadi" in page and moving.patient.mrn in page
    assert "0712 345 678" in page  # the phone as people here write it
    assert "+254712345678" not in page.replace('href="tel:+254712345678"', "")
    assert "Amina Otieno" in page and "Wed 25 Nov 2026, 10:00" in page
    assert f"Away: {LEAVE}" in page
    assert "1 appointment to move in all" in page


@pytest.mark.parametrize("role", [rbac.PATIENT, rbac.DOCTOR, rbac.NURSE, rbac.ACCOUNTANT])
def test_only_the_desk_and_the_administrator_open_the_list(role, make_user, client_for, admin):
    someone = make_user(role)

    for name in ("appointments_to_move", "to_move_count"):
        assert client_for(someone).get(reverse(name)).status_code == 403
        assert client_for(admin).get(reverse(name)).status_code == 200


def test_a_patient_cannot_move_their_own_appointment_through_the_desks_screen(
    doctor, other_doctor, admin, clerk, make_user, client_for
):
    user = make_user(rbac.PATIENT)
    mine = services.appointment_book(
        actor=clerk, patient=PatientFactory(user=user), doctor=doctor, starts_at=at(WEDNESDAY, 10)
    )
    away(admin, doctor, (WEDNESDAY, "day"))

    response = client_for(user).post(
        reverse("to_move_move", args=[mine.pk]),
        {"doctor": other_doctor.pk, "starts_at": at(WEDNESDAY, 10).isoformat()},
    )

    mine.refresh_from_db()
    assert response.status_code == 403
    assert mine.status == AppointmentStatus.SCHEDULED and mine.doctor == doctor


def test_the_list_is_paged_with_its_count_and_keeps_its_queries_as_rows_grow(
    doctor, admin, clerk, client_for, django_assert_max_num_queries
):
    desk = client_for(clerk)
    book(clerk, doctor, at(WEDNESDAY, 9))
    away(admin, doctor, *((WEDNESDAY + timedelta(days=n), "day") for n in range(5)))
    desk.get(reverse("appointments_to_move"))  # the session, the user: warmed
    with django_assert_max_num_queries(12) as few:
        desk.get(reverse("appointments_to_move"))
    for n in range(1, 60):  # Wednesday to Sunday, 12 a day
        when = at(WEDNESDAY + timedelta(days=n // 12), 9) + timedelta(minutes=15 * (n % 12))
        Appointment.objects.create(
            patient=PatientFactory(),
            doctor=doctor,
            starts_at=when,
            ends_at=when + timedelta(minutes=15),
            fee=Decimal("1500.00"),
        )

    with django_assert_max_num_queries(len(few.captured_queries) + 1):
        response = desk.get(reverse("appointments_to_move"))

    page = response.content.decode()
    assert page.count('data-testid="to-move-row"') == 20
    assert "1–20 of" in page and "appointments to move" in page


# --- the times offered, and moving in one click ---------------------------------------------


def offers(client, appointment) -> list[tuple[str, str]]:
    """The offered (doctor id, start) pairs of a row."""
    page = client.get(reverse("to_move_offers", args=[appointment.pk])).content.decode()
    return re.findall(
        r'name="doctor" value="(\d+)"><input type="hidden" name="starts_at" '
        r'value="([^"]+)"',
        page,
    )


def test_the_row_offers_the_doctors_next_times_after_the_leave_and_another_doctor_that_day(
    doctor, other_doctor, admin, clerk, client_for
):
    moving = book(clerk, doctor, at(WEDNESDAY, 10))
    book(clerk, other_doctor, at(WEDNESDAY, 10))  # the other doctor's 10:00 is taken
    away(admin, doctor, (WEDNESDAY, "day"), (THURSDAY, "day"))

    offered = offers(client_for(clerk), moving)

    assert offered[:3] == [
        (str(doctor.pk), at(THURSDAY + timedelta(days=1), 9).isoformat()),
        (str(doctor.pk), at(THURSDAY + timedelta(days=1), 9, 15).isoformat()),
        (str(doctor.pk), at(THURSDAY + timedelta(days=1), 9, 30).isoformat()),
    ]
    assert offered[3:] == [(str(other_doctor.pk), at(WEDNESDAY, 9, 45).isoformat())]


def move(client, appointment, doctor, when: datetime, token: str | None = None):
    return client.post(
        reverse("to_move_move", args=[appointment.pk]),
        {
            "doctor": doctor.pk,
            "starts_at": when.isoformat(),
            submissions.FIELD: token or submissions.new_token(),
        },
    )


def test_one_click_moves_the_appointment_to_its_doctors_later_time_and_the_row_goes(
    doctor, admin, clerk, client_for
):
    moving = book(clerk, doctor, at(WEDNESDAY, 10))
    away(admin, doctor, (WEDNESDAY, "day"))
    desk = client_for(clerk)

    response = move(desk, moving, doctor, at(THURSDAY, 9))

    moving.refresh_from_db()
    assert response.status_code == 302 and response.url == reverse("appointments_to_move")
    assert moving.starts_at == at(THURSDAY, 9) and moving.status == AppointmentStatus.SCHEDULED
    assert moving.changes.last().reason == f"Amina Otieno away: {LEAVE}"
    page = desk.get(response.url).content.decode()
    assert "Moved:" in page and "Thu 26 Nov at 09:00" in page
    assert 'data-testid="to-move-row"' not in page and "Nothing to move" in page


def test_one_click_moves_the_patient_to_another_doctor_the_same_day(
    doctor, other_doctor, admin, clerk, client_for
):
    moving = book(clerk, doctor, at(WEDNESDAY, 10))
    away(admin, doctor, (WEDNESDAY, "day"))

    move(client_for(clerk), moving, other_doctor, at(WEDNESDAY, 10))

    moving.refresh_from_db()
    now_with = Appointment.objects.get(doctor=other_doctor)
    assert moving.status == AppointmentStatus.CANCELLED
    assert now_with.patient == moving.patient and now_with.starts_at == at(WEDNESDAY, 10)
    assert now_with.status == AppointmentStatus.SCHEDULED
    assert moving.changes.last().reason.startswith("Moved to Brian Kiprop, Wed 25 Nov 10:00.")
    assert now_with.changes.get().reason.startswith("Moved from Amina Otieno, Wed 25 Nov 10:00.")
    assert AuditEntry.objects.filter(action="appointment.move_to_doctor").count() == 1
    assert list(selectors.appointments_to_move()) == []


def test_a_double_click_moves_once(doctor, other_doctor, admin, clerk, client_for):
    moving = book(clerk, doctor, at(WEDNESDAY, 10))
    away(admin, doctor, (WEDNESDAY, "day"))
    desk, token = client_for(clerk), submissions.new_token()

    move(desk, moving, other_doctor, at(WEDNESDAY, 10), token)
    again = move(desk, moving, other_doctor, at(WEDNESDAY, 10, 15), token)

    assert again.status_code in (200, 302)
    assert Appointment.objects.filter(doctor=other_doctor).count() == 1
    assert Appointment.objects.filter(status=AppointmentStatus.SCHEDULED).count() == 1


def test_a_time_taken_meanwhile_is_refused_with_a_sentence_and_nothing_moves(
    doctor, other_doctor, admin, clerk, client_for
):
    moving = book(clerk, doctor, at(WEDNESDAY, 10))
    away(admin, doctor, (WEDNESDAY, "day"))
    book(clerk, other_doctor, at(WEDNESDAY, 11))  # taken after the page was drawn

    response = move(client_for(clerk), moving, other_doctor, at(WEDNESDAY, 11))

    moving.refresh_from_db()
    page = client_for(clerk).get(response.url).content.decode()
    assert moving.status == AppointmentStatus.SCHEDULED and moving.doctor == doctor
    assert Appointment.objects.filter(doctor=other_doctor).count() == 1
    assert response.status_code == 302
    assert 'data-testid="to-move-row"' in page


def test_moving_to_a_time_the_other_doctor_is_away_too_is_refused_by_name(
    doctor, other_doctor, admin, clerk
):
    moving = book(clerk, doctor, at(WEDNESDAY, 10))
    away(admin, doctor, (WEDNESDAY, "day"))
    away(admin, other_doctor, (WEDNESDAY, "morning"), source="leave:43", reason="study leave")

    with pytest.raises(services.BookingError, match=r"Brian Kiprop is away on Wed 25 Nov"):
        services.appointment_move_to_doctor(
            actor=clerk, appointment=moving, doctor=other_doctor, starts_at=at(WEDNESDAY, 10)
        )

    moving.refresh_from_db()
    assert moving.status == AppointmentStatus.SCHEDULED


def test_only_the_desk_moves_an_appointment_to_another_doctor(
    doctor, other_doctor, admin, clerk, make_user
):
    user = make_user(rbac.PATIENT)
    mine = services.appointment_book(
        actor=clerk, patient=PatientFactory(user=user), doctor=doctor, starts_at=at(WEDNESDAY, 10)
    )

    with pytest.raises(PermissionDenied, match="Only the desk"):
        services.appointment_move_to_doctor(
            actor=user, appointment=mine, doctor=other_doctor, starts_at=at(WEDNESDAY, 10)
        )

    assert not Appointment.objects.filter(doctor=other_doctor).exists()


def test_the_patient_stays_booked_through_a_move_to_another_doctor(
    doctor, other_doctor, admin, clerk
):
    moving = book(clerk, doctor, at(WEDNESDAY, 10))
    states = moving.patient.state_changes.count()

    services.appointment_move_to_doctor(
        actor=clerk, appointment=moving, doctor=other_doctor, starts_at=at(WEDNESDAY, 11)
    )

    moving.patient.refresh_from_db()
    assert moving.patient.state == "appointment_scheduled"
    assert moving.patient.state_changes.count() == states


def test_cancel_instead_cancels_with_the_reason_and_says_to_call(doctor, admin, clerk, client_for):
    moving = book(clerk, doctor, at(WEDNESDAY, 10), phone="+254712345678")
    away(admin, doctor, (WEDNESDAY, "day"))
    desk = client_for(clerk)

    response = desk.post(
        reverse("to_move_cancel", args=[moving.pk]), {submissions.FIELD: submissions.new_token()}
    )

    moving.refresh_from_db()
    page = desk.get(response.url).content.decode()
    assert moving.status == AppointmentStatus.CANCELLED
    cancelled = moving.changes.filter(kind=AppointmentChange.Kind.CANCELLED).get()
    assert cancelled.reason == f"Amina Otieno away: {LEAVE}"
    assert "Cancelled:" in page and "Call them on 0712 345 678" in page


def test_an_appointment_that_no_longer_needs_moving_offers_nothing(doctor, clerk, client_for):
    fine = book(clerk, doctor, at(WEDNESDAY, 10))
    desk = client_for(clerk)

    offered = desk.get(reverse("to_move_offers", args=[fine.pk])).content.decode()
    moved = move(desk, fine, doctor, at(THURSDAY, 9))

    assert "no longer needs moving" in offered
    assert moved.status_code == 404
    fine.refresh_from_db()
    assert fine.starts_at == at(WEDNESDAY, 10)


# --- the dashboards' count ----------------------------------------------------------------


def test_the_count_links_to_the_list_and_says_nothing_when_there_is_none(
    doctor, admin, clerk, client_for
):
    desk = client_for(clerk)
    assert 'data-testid="to-move-link"' not in desk.get(reverse("to_move_count")).content.decode()
    for hour in (9, 10, 11):
        book(clerk, doctor, at(WEDNESDAY, hour))

    away(admin, doctor, (WEDNESDAY, "day"))

    badge = desk.get(reverse("to_move_count")).content.decode()
    assert 'data-testid="to-move-count">3<' in badge
    assert reverse("appointments_to_move") in badge


@pytest.mark.parametrize("role", [rbac.RECEPTIONIST, rbac.ADMIN])
def test_the_dashboard_loads_the_count_live_without_a_query_more(
    role, doctor, admin, clerk, make_user, client_for, django_assert_max_num_queries
):
    home = client_for(make_user(role))
    for minute in range(0, 180, 15):  # more than the admin's audit panel shows, before and after
        book(clerk, doctor, at(WEDNESDAY, 9) + timedelta(minutes=minute))
    home.get(reverse("dashboard"))
    with django_assert_max_num_queries(50) as before:
        home.get(reverse("dashboard"))
    away(admin, doctor, (WEDNESDAY, "day"))

    with django_assert_max_num_queries(len(before.captured_queries)):
        page = home.get(reverse("dashboard")).content.decode()

    assert reverse("to_move_count") in page and "hms:appointments-changed" in page
    assert "appointments" in re.search(r'ws-connect="/ws/\?topics=([^"]*)"', page).group(1)
