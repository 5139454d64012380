"""The "In consultation" appointment state (issue 19, item 7): between checked in and completed,
set when the doctor starts the consultation (its own history row), completed with it, and
shown wherever an appointment's state is read: the doctor's day, the appointment, the desk's
list and its filter, the portal (the queue's screens: tests/queues/test_consultation_started.py).
An appointment in consultation cannot be cancelled, marked no-show or moved."""

import importlib
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from billing.models import Charge
from clinical import services
from clinical.models import (
    Appointment,
    AppointmentChange,
    AppointmentStatus,
    Encounter,
)
from hms import rbac
from hms.models import AuditEntry
from tests.factories import (
    AppointmentFactory,
    DoctorScheduleFactory,
    EncounterFactory,
    PatientFactory,
)

NAIROBI = ZoneInfo("Africa/Nairobi")
MONDAY = date(2026, 11, 23)
FEE = Decimal("1500.00")


def at(hour: int, minute: int = 0, day: date = MONDAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NAIROBI)


@pytest.fixture(autouse=True)
def monday_morning():
    with time_machine.travel(at(8), tick=False) as traveller:
        yield traveller


@pytest.fixture
def doctor(staff, charge_master):
    for weekday in (0, 1):
        DoctorScheduleFactory(doctor=staff.doctor, weekday=weekday, consultation_fee=FEE)
    return staff.doctor


@pytest.fixture
def desk(staff):
    return staff.receptionist


@pytest.fixture
def visit(doctor, desk, staff):
    """Mary's 09:00 appointment today, checked in at the desk."""
    booked = services.appointment_book(
        actor=desk, patient=staff.patient, doctor=doctor, starts_at=at(9)
    )
    return services.appointment_check_in(actor=desk, appointment=booked)


@pytest.fixture
def with_doctor(visit, doctor, monday_morning):
    """The same visit at 09:05, the doctor having started the consultation."""
    monday_morning.move_to(at(9, 5))
    services.encounter_start(actor=doctor, appointment=visit)
    visit.refresh_from_db()
    return visit


# --- The transitions -----------------------------------------------------------------------


def test_starting_the_consultation_puts_the_appointment_in_consultation(visit, doctor):
    encounter = services.encounter_start(actor=doctor, appointment=visit)

    visit.refresh_from_db()
    assert visit.status == AppointmentStatus.IN_CONSULTATION
    assert visit.get_status_display() == "In consultation"
    change = visit.changes.order_by("at", "id").last()
    assert (change.kind, change.by) == (AppointmentChange.Kind.IN_CONSULTATION, doctor)
    entry = AuditEntry.objects.get(action="encounter.start", object_id=str(encounter.pk))
    assert entry.before == {"appointment_status": "checked_in"}
    assert entry.after == {"appointment_status": "in_consultation"}


def test_a_scheduled_appointment_seen_without_check_in_goes_in_consultation_too(doctor, desk):
    booked = services.appointment_book(
        actor=desk, patient=PatientFactory(), doctor=doctor, starts_at=at(9, 15)
    )

    services.encounter_start(actor=doctor, appointment=booked)

    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.IN_CONSULTATION
    assert booked.checked_in_at is None


def test_opening_the_consultation_again_records_nothing_twice(with_doctor, doctor):
    first = Encounter.objects.get(appointment=with_doctor)

    again = services.encounter_start(actor=doctor, appointment=with_doctor)

    assert again == first
    kinds = list(with_doctor.changes.values_list("kind", flat=True))
    assert kinds == ["booked", "checked_in", "in_consultation"]


def test_completing_the_consultation_completes_the_appointment(with_doctor, doctor):
    encounter = Encounter.objects.get(appointment=with_doctor)
    services.encounter_save(actor=doctor, encounter=encounter, fields={"diagnosis": "Asthma"})

    services.encounter_complete(actor=doctor, encounter=encounter)

    with_doctor.refresh_from_db()
    assert with_doctor.status == AppointmentStatus.COMPLETED
    kinds = list(with_doctor.changes.values_list("kind", flat=True))
    assert kinds == ["booked", "checked_in", "in_consultation", "completed"]


def test_only_a_doctor_starts_a_consultation(visit, staff):
    with pytest.raises(PermissionDenied, match="held by doctors"):
        services.encounter_start(actor=staff.nurse, appointment=visit)

    visit.refresh_from_db()
    assert visit.status == AppointmentStatus.CHECKED_IN
    assert not Encounter.objects.filter(appointment=visit).exists()


def _fees(appointment) -> list[Decimal]:
    return list(
        Charge.objects.filter(source=f"clinical.Appointment:{appointment.pk}").values_list(
            "amount", flat=True
        )
    )


@pytest.mark.parametrize(
    "refused",
    [
        lambda a, people: services.appointment_cancel(actor=people.receptionist, appointment=a),
        lambda a, people: services.appointment_no_show(actor=people.receptionist, appointment=a),
        lambda a, people: services.appointment_check_in(actor=people.receptionist, appointment=a),
        lambda a, people: services.appointment_reschedule(
            actor=people.receptionist, appointment=a, starts_at=at(10, 0, MONDAY + timedelta(1))
        ),
        lambda a, people: services.appointment_move_to_doctor(
            actor=people.receptionist,
            appointment=a,
            doctor=people.second_doctor,
            starts_at=at(11),
        ),
    ],
    ids=["cancel", "no-show", "check-in", "reschedule", "move-to-doctor"],
)
def test_an_appointment_in_consultation_is_not_cancelled_marked_no_show_or_moved(
    with_doctor, staff, monday_morning, refused
):
    monday_morning.move_to(at(9, 30))  # its time is past: a no-show would otherwise be allowed
    fees_before = _fees(with_doctor)
    changes_before = with_doctor.changes.count()

    with pytest.raises(services.BookingError, match="with the doctor now"):
        refused(with_doctor, staff)

    with_doctor.refresh_from_db()
    assert with_doctor.status == AppointmentStatus.IN_CONSULTATION
    assert with_doctor.changes.count() == changes_before
    assert _fees(with_doctor) == fees_before == [FEE]


def test_the_desk_reads_why_on_the_page(with_doctor, desk, client_for):
    client = client_for(desk)

    response = client.post(reverse("appointment_cancel", args=[with_doctor.pk]), follow=True)

    page = response.content.decode()
    assert "is with the doctor now (in consultation)" in page
    with_doctor.refresh_from_db()
    assert with_doctor.status == AppointmentStatus.IN_CONSULTATION


def test_a_patient_with_the_doctor_counts_against_the_portal_limits(with_doctor, staff, doctor):
    """Online, Mary may hold one live appointment with a doctor on a day: the one she is in
    counts, so she cannot book a second one with the same doctor today."""
    with pytest.raises(services.BookingError, match="already have an appointment"):
        services.appointment_book(
            actor=staff.patient_user, patient=staff.patient, doctor=doctor, starts_at=at(11)
        )


# --- The screens ---------------------------------------------------------------------------


def test_the_doctors_day_shows_who_is_with_them(with_doctor, doctor, client_for):
    page = client_for(doctor).get(reverse("doctor_today")).content.decode()

    row = page[page.index(with_doctor.patient.full_name) :]
    assert "list-group-item-primary" in page
    assert 'text-bg-primary" data-testid="appointment-status">In consultation<' in row


def test_the_appointment_page_shows_it_without_cancel_or_no_show(with_doctor, desk, client_for):
    page = client_for(desk).get(reverse("appointment_detail", args=[with_doctor.pk])).content
    page = page.decode()

    assert ">In consultation<" in page
    assert 'data-testid="in-consultation-note"' in page and "With the doctor since 09:05" in page
    assert 'data-testid="left-before-seen"' not in page
    assert 'data-testid="cancel"' not in page and ">No-show<" not in page
    assert "Consultation started" in page  # the history row


def test_the_desks_list_shows_the_state_and_filters_by_it(with_doctor, doctor, desk, client_for):
    waiting = services.appointment_check_in(
        actor=desk,
        appointment=services.appointment_book(
            actor=desk,
            patient=PatientFactory(last_name="Waweru"),
            doctor=doctor,
            starts_at=at(9, 30),
        ),
    )
    client = client_for(desk)
    url = reverse("appointment_list")

    everyone = client.get(url, {"date": "2026-11-23"}).content.decode()
    in_consultation = client.get(url, {"date": "2026-11-23", "status": "in_consultation"})
    odd = client.get(url, {"date": "2026-11-23", "status": "<script>"})

    assert ">In consultation<" in everyone and ">Checked in<" in everyone
    page = in_consultation.content.decode()
    assert with_doctor.patient.full_name in page and waiting.patient.full_name not in page
    assert '<option value="in_consultation" selected>In consultation</option>' in page
    assert odd.status_code == 200 and waiting.patient.full_name in odd.content.decode()


def test_the_portal_says_with_the_doctor_now(with_doctor, staff, client_for):
    client = client_for(staff.patient_user)

    summary = client.get(reverse("portal_summary")).content.decode()
    detail = client.get(reverse("appointment_detail", args=[with_doctor.pk])).content.decode()
    mine = client.get(reverse("appointment_list")).content.decode()

    assert 'data-testid="with-doctor">With the doctor now<' in summary
    assert ">With the doctor now<" in detail and ">With the doctor now<" in mine
    assert "in_consultation" not in detail and "In consultation" not in detail
    assert "With the doctor" in detail  # the history, in her words
    assert 'data-testid="in-consultation-note"' not in detail


# --- The data migration --------------------------------------------------------------------


def test_the_migration_puts_todays_open_consultations_in_consultation(doctor):
    migration = importlib.import_module("clinical.migrations.0019_in_consultation")
    today = AppointmentFactory(
        doctor=doctor, starts_at=at(9), status="checked_in", checked_in_at=at(8, 50)
    )
    EncounterFactory(appointment=today, patient=today.patient, doctor=doctor, started_at=at(9, 2))
    yesterday = AppointmentFactory(
        doctor=doctor, starts_at=at(9, day=MONDAY - timedelta(1)), status="checked_in"
    )
    EncounterFactory(appointment=yesterday, patient=yesterday.patient, doctor=doctor)
    waiting = AppointmentFactory(doctor=doctor, starts_at=at(9, 15), status="checked_in")

    migration.open_today_in_consultation(apps, None)

    statuses = dict(Appointment.objects.values_list("pk", "status"))
    assert statuses[today.pk] == "in_consultation"
    assert statuses[yesterday.pk] == statuses[waiting.pk] == "checked_in"
    change = AppointmentChange.objects.get(appointment=today)
    assert (change.kind, change.by, change.at) == ("in_consultation", doctor, at(9, 2))

    migration.back_to_checked_in(apps, None)

    assert Appointment.objects.get(pk=today.pk).status == "checked_in"
    assert not AppointmentChange.objects.filter(appointment=today).exists()


def test_the_doctors_role_starts_the_consultation_from_the_screen(visit, doctor, client_for):
    assert rbac.allows(doctor, "clinical.consult")

    response = client_for(doctor).post(reverse("encounter_start", args=[visit.pk]))

    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.status == AppointmentStatus.IN_CONSULTATION
