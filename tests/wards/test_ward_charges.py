"""What a stay costs, worked out with a frozen clock in the hospital's zone (Africa/Nairobi): the
running bill and the bill at discharge are one function at two moments, so they always agree.

Prices (the demo charge master): General 3,500.00 a day, ICU 15,000.00 a day, Emergency 1,200.00
an hour, all VAT-exempt.
"""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db.models import Sum

from billing.models import Charge
from tests.factories import PatientFactory, cleared_for_discharge
from wards import accrual, services
from wards.models import Admission, Bed

NAIROBI = ZoneInfo("Africa/Nairobi")


def local(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=NAIROBI)


pytestmark = pytest.mark.usefixtures("charge_master")


@pytest.fixture
def beds(staff):
    with time_machine.travel(local(1, 8), tick=False):
        made = {
            kind: services.ward_create(
                actor=staff.admin, name=name, kind=kind, charge_code=code, beds=6
            )
            for kind, name, code in [
                ("general", "General", "WARD-GEN"),
                ("icu", "ICU", "WARD-ICU"),
                ("emergency", "Emergency", "WARD-EMR"),
            ]
        }
    return {kind: list(ward.beds.all()) for kind, ward in made.items()}


def vacant(beds, kind: str) -> Bed:
    for bed in beds[kind]:
        bed.refresh_from_db()
        if bed.status == "vacant":
            return bed
    raise AssertionError(f"no vacant {kind} bed")


def admit(staff, beds, kind: str, at: datetime) -> Admission:
    with time_machine.travel(at, tick=False):
        return services.admission_create(
            actor=staff.nurse,
            patient=PatientFactory(),
            attending_doctor=staff.doctor,
            bed=vacant(beds, kind),
            reason="x",
        )


def transfer(staff, beds, admission: Admission, kind: str, at: datetime) -> None:
    with time_machine.travel(at, tick=False):
        services.admission_transfer(
            actor=staff.nurse, admission=admission, bed=vacant(beds, kind), reason="Moved"
        )


def discharge(staff, admission: Admission, at: datetime) -> None:
    with time_machine.travel(at, tick=False):
        services.discharge_order(
            actor=staff.doctor, admission=admission, summary={"final_diagnosis": "Better"}
        )
        cleared_for_discharge(admission)
        services.discharge_process(actor=staff.receptionist, admission=admission)


def running_bill(admission: Admission, at: datetime) -> Decimal:
    """The patient's ward charges as the periodic accrual task leaves them at `at`."""
    with time_machine.travel(at, tick=False):
        accrual.accrue_all()
    return bill(admission)


def bill(admission: Admission) -> Decimal:
    return Charge.objects.filter(admission=admission).aggregate(total=Sum("amount"))["total"]


def lines(admission: Admission) -> list[tuple[str, str]]:
    return [
        (c.description, str(c.amount))
        for c in Charge.objects.filter(admission=admission).order_by("service_from", "id")
    ]


@pytest.mark.parametrize(("rule", "expected"), [("nights", "3500.00"), ("calendar", "7000.00")])
def test_a_stay_of_24_h_20_min_costs_the_same_running_and_at_discharge(
    staff, beds, settings, rule, expected
):
    settings.HMS_WARD_DAY_RULE = rule
    admission = admit(staff, beds, "general", local(10, 10, 0))

    running = running_bill(admission, local(11, 10, 20))
    discharge(staff, admission, local(11, 10, 20))

    # Nights: one midnight crossed, one day. Calendar: the 10th and the 11th.
    assert running == bill(admission) == Decimal(expected)


@pytest.mark.parametrize(
    ("rule", "admitted", "discharged", "days"),
    [
        ("nights", local(10, 23, 50), local(11, 0, 10), 1),  # 20 minutes across midnight
        ("nights", local(10, 10, 0), local(10, 10, 20), 1),  # a same-day stay
        ("nights", local(10, 0, 0), local(10, 23, 59), 1),
        ("calendar", local(10, 23, 50), local(11, 0, 10), 2),  # two calendar days touched
        ("calendar", local(10, 10, 0), local(10, 10, 20), 1),
    ],
)
def test_short_stays_and_midnight_crossings(
    staff, beds, settings, rule, admitted, discharged, days
):
    settings.HMS_WARD_DAY_RULE = rule
    admission = admit(staff, beds, "general", admitted)

    running = running_bill(admission, discharged)
    discharge(staff, admission, discharged)

    assert running == bill(admission) == Decimal("3500.00") * days


def test_three_nights_are_three_days_and_the_running_bill_grows_at_each_midnight(staff, beds):
    admission = admit(staff, beds, "general", local(10, 14, 0))

    seen = [
        running_bill(admission, at)
        for at in (local(10, 14, 0), local(11, 0, 5), local(12, 0, 5), local(13, 0, 5))
    ]
    discharge(staff, admission, local(13, 10, 0))

    # The first day on admission; the midnight starting the 11th is still within it (at least
    # one day); the midnights starting the 12th and the 13th add one each.
    assert seen == [Decimal("3500.00"), Decimal("3500.00"), Decimal("7000.00"), Decimal("10500.00")]
    assert bill(admission) == Decimal("10500.00")
    assert [d for d, _ in lines(admission)] == [
        "General, 10 Nov 2026",
        "General, 11 Nov 2026",
        "General, 12 Nov 2026",
    ]


def test_a_transfer_mid_stay_charges_each_night_at_the_bed_occupied_at_its_midnight(staff, beds):
    admission = admit(staff, beds, "general", local(10, 9, 0))
    transfer(staff, beds, admission, "icu", local(11, 16, 0))

    discharge(staff, admission, local(13, 11, 0))

    # Night of the 10th: in General at midnight; the 11th and the 12th: in ICU at midnight.
    assert lines(admission) == [
        ("General, 10 Nov 2026", "3500.00"),
        ("ICU, 11 Nov 2026", "15000.00"),
        ("ICU, 12 Nov 2026", "15000.00"),
    ]
    assert bill(admission) == Decimal("33500.00")


def test_a_transfer_never_charges_a_day_already_paid_for_again(staff, beds):
    admission = admit(staff, beds, "general", local(10, 9, 0))
    transfer(staff, beds, admission, "icu", local(10, 15, 0))
    transfer(staff, beds, admission, "general", local(10, 18, 0))

    discharge(staff, admission, local(11, 10, 0))

    # One night: the first day, charged at the ward of admission; the transfers add nothing.
    assert lines(admission) == [("General, 10 Nov 2026", "3500.00")]


def test_under_the_calendar_rule_each_day_is_charged_at_the_bed_occupied_as_it_starts(
    staff, beds, settings
):
    settings.HMS_WARD_DAY_RULE = "calendar"
    admission = admit(staff, beds, "general", local(10, 9, 0))
    transfer(staff, beds, admission, "icu", local(11, 16, 0))

    discharge(staff, admission, local(13, 11, 0))

    assert lines(admission) == [
        ("General, 10 Nov 2026", "3500.00"),
        ("General, 11 Nov 2026", "3500.00"),
        ("ICU, 12 Nov 2026", "15000.00"),
        ("ICU, 13 Nov 2026", "15000.00"),
    ]


def test_a_bed_change_inside_emergency_does_not_start_a_new_hour(staff, beds):
    admission = admit(staff, beds, "emergency", local(5, 10, 0))
    transfer(staff, beds, admission, "emergency", local(5, 10, 10))

    running = running_bill(admission, local(5, 12, 0))
    discharge(staff, admission, local(5, 12, 0))

    # Two hours in Emergency: 10:00-11:00 in the first bed, 11:00-12:00 in the second.
    assert running == bill(admission) == Decimal("2400.00")
    assert [d for d, _ in lines(admission)] == [
        "Emergency, hour from 05 Nov 10:00",
        "Emergency, hour from 05 Nov 11:00",
    ]


def test_hours_are_counted_over_the_time_in_emergency_then_days_from_the_ward(staff, beds):
    admission = admit(staff, beds, "emergency", local(5, 22, 0))
    transfer(staff, beds, admission, "general", local(6, 0, 30))  # 2 h 30 min: three hours

    discharge(staff, admission, local(7, 9, 0))

    assert lines(admission) == [
        ("Emergency, hour from 05 Nov 22:00", "1200.00"),
        ("Emergency, hour from 05 Nov 23:00", "1200.00"),
        ("Emergency, hour from 06 Nov 00:00", "1200.00"),
        ("General, 06 Nov 2026", "3500.00"),  # one night in General, from 00:30
    ]


def test_the_accrual_run_every_hour_twice_or_after_downtime_gives_the_same_total(staff, beds):
    every_hour = admit(staff, beds, "general", local(1, 10, 0))
    after_downtime = admit(staff, beds, "general", local(1, 10, 0))
    end = local(5, 10, 0)

    at = local(1, 11, 5)
    while at <= end:
        with time_machine.travel(at, tick=False):
            accrual.accrue_admission(every_hour)
            accrual.accrue_admission(every_hour)  # a second worker, the same run
        at += timedelta(hours=1)
    with time_machine.travel(end, tick=False):
        accrual.accrue_all()  # the first run after four days off
        accrual.accrue_all()

    assert bill(every_hour) == bill(after_downtime) == Decimal("14000.00")  # four nights
    assert lines(every_hour) == lines(after_downtime)


@pytest.mark.parametrize("rule", ["nights", "calendar"])
@pytest.mark.parametrize(
    "moment",
    [
        local(10, 23, 59),
        local(11, 0, 0),
        local(11, 1, 15),
        local(11, 12, 0),
        local(12, 0, 0),
        local(12, 9, 0),
        local(13, 0, 1),
    ],
)
def test_the_running_bill_equals_the_discharge_bill_at_the_same_moment(
    staff, beds, settings, rule, moment
):
    settings.HMS_WARD_DAY_RULE = rule
    # Emergency at 22:30, General from 01:15, ICU from 09:00 the next day.
    admission = admit(staff, beds, "emergency", local(10, 22, 30))
    for kind, at in (("general", local(11, 1, 15)), ("icu", local(12, 9, 0))):
        if at <= moment:
            transfer(staff, beds, admission, kind, at)

    running = running_bill(admission, moment)
    units = accrual.stay_charge_units(admission, at=moment)
    discharge(staff, admission, moment)

    assert running == bill(admission)
    assert len(units) == Charge.objects.filter(admission=admission).count()


def test_hours_charged_under_the_old_per_bed_keys_are_not_charged_again(staff, beds):
    import importlib

    from django.apps import apps

    admission = admit(staff, beds, "emergency", local(5, 10, 0))
    # As posted before hours were counted over the admission: keyed by the stay.
    Charge.objects.filter(admission=admission).update(
        accrual_key=f"stay:{admission.stays.get().pk}:hour:0"
    )
    migration = importlib.import_module("wards.migrations.0002_hourly_accrual_keys_per_admission")

    migration.rekey_hours(apps, None)
    running = running_bill(admission, local(5, 10, 30))

    assert running == Decimal("1200.00")
    assert Charge.objects.get(admission=admission).accrual_key == f"admission:{admission.pk}:hour:0"
