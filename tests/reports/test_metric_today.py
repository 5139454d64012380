"""The `today` metric: the hospital's counts of today, worked out by hand on a small hospital
with records on both sides of the day's local midnights."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from clinical.models import AppointmentStatus
from hr.leave_defaults import ensure_leave_types
from hr.models import LeaveRequest, LeaveStatus, LeaveType
from reports.metrics import today
from reports.period import preset_period
from tests.factories import (
    AdmissionFactory,
    AppointmentFactory,
    BatchFactory,
    BedFactory,
    FormularyItemFactory,
    StoreFactory,
    WardFactory,
    stock_put,
)
from wards.models import Admission, AdmissionStatus, Bed, BedStatus

NAIROBI = ZoneInfo("Africa/Nairobi")
# Wednesday 18 November 2026, 10:00 in Nairobi (07:00 UTC).
NOW = datetime(2026, 11, 18, 10, 0, tzinfo=NAIROBI)
TODAY = date(2026, 11, 18)

pytestmark = pytest.mark.django_db


def at(day_offset: int, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(TODAY + timedelta(days=day_offset), datetime.min.time()).replace(
        hour=hour, minute=minute, tzinfo=NAIROBI
    )


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def appointment(starts_at: datetime, status: str):
    return AppointmentFactory(starts_at=starts_at, status=status)


def test_appointments_are_counted_on_the_hospitals_day(clock):
    # Today: 00:15 scheduled (21:15 UTC the day before), 08:00 no-show, 09:00 scheduled,
    # 10:00 checked in, 11:00 completed, 11:30 with the doctor, 12:00 cancelled.
    # Not today: yesterday 23:30 (20:30 UTC, today's UTC date) and tomorrow 00:30.
    appointment(at(0, 0, 15), AppointmentStatus.SCHEDULED)
    appointment(at(0, 8), AppointmentStatus.NO_SHOW)
    appointment(at(0, 9), AppointmentStatus.SCHEDULED)
    appointment(at(0, 10), AppointmentStatus.CHECKED_IN)
    appointment(at(0, 11), AppointmentStatus.COMPLETED)
    appointment(at(0, 11, 30), AppointmentStatus.IN_CONSULTATION)
    appointment(at(0, 12), AppointmentStatus.CANCELLED)
    appointment(at(-1, 23, 30), AppointmentStatus.CHECKED_IN)
    appointment(at(1, 0, 30), AppointmentStatus.SCHEDULED)

    counts = today.compute(preset_period("30d", TODAY))

    # Booked: the 6 of today not cancelled. Checked in: 10:00, 11:00, 11:30 (arrived: 3).
    assert counts.day == TODAY
    assert (counts.booked, counts.checked_in, counts.no_show) == (6, 3, 1)


def test_admissions_discharges_and_free_beds_per_ward(clock):
    alpha = WardFactory(name="Alpha")
    beta = WardFactory(name="Beta")
    closed = WardFactory(name="Closed", active=False)
    alpha_beds = [BedFactory(ward=alpha, number=str(n)) for n in range(1, 5)]
    beta_beds = [BedFactory(ward=beta, number=str(n)) for n in range(1, 3)]
    BedFactory(ward=closed, number="1")
    # Admitted today 08:00 (Alpha 1) and yesterday 23:30 (Alpha 2: not today's admission).
    AdmissionFactory(bed=alpha_beds[0], admitted_at=at(0, 8))
    AdmissionFactory(bed=alpha_beds[1], admitted_at=at(-1, 23, 30))
    # Admitted three days ago to Beta 1, discharged today 09:00: its bed is free again.
    left = AdmissionFactory(bed=beta_beds[0], admitted_at=at(-3, 14))
    Admission.objects.filter(pk=left.pk).update(
        discharged_at=at(0, 9), status=AdmissionStatus.DISCHARGED
    )
    # Discharged yesterday at 23:59: not today's.
    gone = AdmissionFactory(bed=BedFactory(ward=closed, number="2"), admitted_at=at(-5, 9))
    Admission.objects.filter(pk=gone.pk).update(
        discharged_at=at(-1, 23, 59), status=AdmissionStatus.DISCHARGED
    )
    Bed.objects.filter(pk=beta_beds[0].pk).update(status=BedStatus.VACANT)
    Bed.objects.filter(pk=alpha_beds[2].pk).update(status=BedStatus.CLEANING)
    Bed.objects.filter(pk=beta_beds[1].pk).update(status=BedStatus.MAINTENANCE)

    counts = today.compute(None)

    assert (counts.admissions, counts.discharges) == (1, 1)
    # Alpha: 1, 2 occupied, 3 cleaning, 4 free. Beta: 1 free, 2 in maintenance. Closed: left out.
    assert [(w.name, w.free, w.occupied, w.unavailable, w.total) for w in counts.wards] == [
        ("Alpha", 1, 2, 1, 4),
        ("Beta", 1, 0, 1, 2),
    ]
    assert counts.beds_free == 2


def test_staff_on_leave_are_those_with_approved_leave_covering_today(clock, staff):
    ensure_leave_types()
    annual = LeaveType.objects.get(code="annual")

    def leave(user, first, last, status=LeaveStatus.APPROVED):
        LeaveRequest.objects.create(
            user=user,
            leave_type=annual,
            start_date=first,
            end_date=last,
            days=Decimal((last - first).days + 1),
            status=status,
        )

    leave(staff.nurse, TODAY - timedelta(days=1), TODAY + timedelta(days=1))
    leave(staff.doctor, TODAY, TODAY)
    leave(staff.receptionist, TODAY + timedelta(days=7), TODAY + timedelta(days=8))
    leave(staff.lab_technician, TODAY, TODAY, status=LeaveStatus.PENDING)
    leave(staff.engineer, TODAY - timedelta(days=3), TODAY - timedelta(days=1))

    counts = today.compute(None)

    # The nurse (yesterday to tomorrow) and the doctor (today): 2.
    assert counts.staff_on_leave == 2


def test_pharmacy_items_below_reorder_level_count_every_stores_unexpired_units(clock, staff):
    pharmacy = StoreFactory(name="Pharmacy")
    main_store = StoreFactory(name="Main store", kind="main")
    short = FormularyItemFactory(reorder_level=100)  # 60 + 30 = 90 < 100: below
    enough = FormularyItemFactory(reorder_level=100)  # 150: not below
    none_held = FormularyItemFactory(reorder_level=10)  # 0 < 10: below
    FormularyItemFactory(reorder_level=10, active=False)  # not stocked any more: left out
    stock_put(pharmacy, BatchFactory(item=short), 60, staff.pharmacist)
    stock_put(main_store, BatchFactory(item=short), 30, staff.pharmacist)
    stock_put(pharmacy, BatchFactory(item=enough), 150, staff.pharmacist)
    assert none_held.pk

    counts = today.compute(None)

    assert counts.below_reorder == 2


def test_the_panel_and_tables_say_the_same_counts(clock):
    AppointmentFactory(starts_at=at(0, 9), status=AppointmentStatus.SCHEDULED)
    BedFactory(ward=WardFactory(name="Alpha"), number="1")

    counts = today.compute(None)
    summary, beds = counts.tables()

    assert summary.title == "Today (18/11/2026)"
    assert ("Appointments booked", 1) in summary.rows
    assert ("Beds free", 1) in summary.rows
    assert beds.rows == [("Alpha", 1, 0, 0, 1)]
    assert [s.name for s in counts.charts()[0].series] == ["Free", "Occupied"]


@pytest.mark.parametrize("size", [1, 4])
def test_today_runs_five_queries_whatever_the_hospitals_size(
    clock, staff, size, django_assert_num_queries
):
    ensure_leave_types()
    annual = LeaveType.objects.get(code="annual")
    for n in range(size):
        ward = WardFactory()
        for number in range(3):
            BedFactory(ward=ward, number=str(number))
        AdmissionFactory(bed=BedFactory(ward=ward, number=f"x{n}"), admitted_at=at(0, 8))
        AppointmentFactory(starts_at=at(0, 9, n), status=AppointmentStatus.CHECKED_IN)
        FormularyItemFactory(reorder_level=10)
    for user in [staff.nurse, staff.doctor][: 1 if size == 1 else 2]:
        LeaveRequest.objects.create(
            user=user,
            leave_type=annual,
            start_date=TODAY,
            end_date=TODAY,
            days=Decimal(1),
            status=LeaveStatus.APPROVED,
        )

    with django_assert_num_queries(5):
        today.compute(None)
