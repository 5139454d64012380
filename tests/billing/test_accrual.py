"""Ward charges accrue once per service day (or begun hour), whatever runs and whenever (the
worked cases of the day rule are in tests/wards/test_ward_charges.py)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from billing.models import Charge
from tests.factories import PatientFactory, cleared_for_discharge
from wards import accrual, services
from wards.models import Bed

NAIROBI = ZoneInfo("Africa/Nairobi")


def local(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=NAIROBI)


pytestmark = pytest.mark.usefixtures("charge_master")


@pytest.fixture
def beds(staff):
    with time_machine.travel(local(1, 8), tick=False):
        general = services.ward_create(
            actor=staff.admin, name="General", kind="general", charge_code="WARD-GEN", beds=2
        )
        icu = services.ward_create(
            actor=staff.admin, name="ICU", kind="icu", charge_code="WARD-ICU", beds=2
        )
        emergency = services.ward_create(
            actor=staff.admin, name="Emergency", kind="emergency", charge_code="WARD-EMR", beds=2
        )
    return {
        "general": general.beds.first(),
        "icu": icu.beds.first(),
        "emergency": emergency.beds.first(),
    }


def admit(staff, bed: Bed):
    return services.admission_create(
        actor=staff.nurse,
        patient=PatientFactory(),
        attending_doctor=staff.doctor,
        bed=bed,
        reason="x",
    )


def day_lines(admission):
    return list(
        Charge.objects.filter(admission=admission, item__charge_type="per_day")
        .order_by("service_from")
        .values_list("description", "unit_price")
    )


def test_running_the_accrual_twice_posts_nothing_new(staff, beds):
    with time_machine.travel(local(23, 10), tick=False):
        admission = admit(staff, beds["general"])
    with time_machine.travel(local(25, 2), tick=False):
        first = accrual.accrue_all()
        second = accrual.accrue_all()

    # The 23rd was charged on admission; the midnight starting the 25th added the 24th.
    assert (first, second) == (1, 0)
    assert [d for d, _ in day_lines(admission)] == ["General, 23 Nov 2026", "General, 24 Nov 2026"]


def test_after_three_days_off_the_accrual_catches_up_exactly(staff, beds):
    with time_machine.travel(local(20, 15), tick=False):
        admission = admit(staff, beds["icu"])
    with time_machine.travel(local(21, 1), tick=False):
        accrual.accrue_all()  # the 20th
    # the server is off from the 21st to the 24th
    with time_machine.travel(local(24, 9), tick=False):
        accrual.accrue_all()

    assert [d for d, _ in day_lines(admission)] == [f"ICU, {n} Nov 2026" for n in (20, 21, 22, 23)]
    assert Charge.objects.filter(admission=admission).count() == 4


def test_a_transfer_charges_each_night_at_the_bed_occupied_at_its_midnight(staff, beds):
    with time_machine.travel(local(10, 9), tick=False):
        admission = admit(staff, beds["general"])
    with time_machine.travel(local(11, 16), tick=False):
        services.admission_transfer(
            actor=staff.nurse, admission=admission, bed=beds["icu"], reason="Worse"
        )
    with time_machine.travel(local(13, 11), tick=False):
        services.discharge_order(
            actor=staff.doctor, admission=admission, summary={"final_diagnosis": "Sepsis"}
        )
        cleared_for_discharge(admission)
        services.discharge_process(actor=staff.receptionist, admission=admission)

    lines = day_lines(admission)
    # Three nights: the 10th in General (charged on admission), the 11th and the 12th in ICU
    # (in ICU at the midnights ending them); the discharge day is not charged.
    assert [d for d, _ in lines] == [
        "General, 10 Nov 2026",
        "ICU, 11 Nov 2026",
        "ICU, 12 Nov 2026",
    ]
    assert [str(p) for _, p in lines] == ["3500.00", "15000.00", "15000.00"]
    with time_machine.travel(local(20, 9), tick=False):
        assert accrual.accrue_all() == 0  # discharged: nothing more, ever


def test_under_the_nights_rule_the_discharge_day_is_not_charged(staff, beds, settings):
    settings.HMS_WARD_DAY_RULE = "nights"
    with time_machine.travel(local(10, 9), tick=False):
        admission = admit(staff, beds["general"])
    with time_machine.travel(local(12, 11), tick=False):
        services.discharge_order(
            actor=staff.doctor, admission=admission, summary={"final_diagnosis": "x"}
        )
        cleared_for_discharge(admission)
        services.discharge_process(actor=staff.receptionist, admission=admission)

    assert [d for d, _ in day_lines(admission)] == ["General, 10 Nov 2026", "General, 11 Nov 2026"]


def test_an_hourly_ward_charges_every_hour_begun(staff, beds):
    with time_machine.travel(local(5, 10, 20), tick=False):
        admission = admit(staff, beds["emergency"])  # hour 1 starts now
    with time_machine.travel(local(5, 12, 30), tick=False):
        accrual.accrue_all()  # hours 2 and 3 have begun
        accrual.accrue_all()
    with time_machine.travel(local(5, 13, 5), tick=False):
        services.admission_transfer(
            actor=staff.nurse, admission=admission, bed=beds["general"], reason="Stable"
        )

    hourly = Charge.objects.filter(admission=admission, item__code="WARD-EMR")
    assert hourly.count() == 3  # 10:20-11:20, 11:20-12:20, 12:20-13:05
    assert {str(c.unit_price) for c in hourly} == {"1200.00"}


def test_a_ward_whose_charge_item_is_missing_cannot_be_opened(staff):
    with pytest.raises(services.WardError, match="no active per day item 'WARD-NONE'"):
        services.ward_create(
            actor=staff.admin, name="X", kind="general", charge_code="WARD-NONE", beds=1
        )


def test_a_hanging_admission_does_not_stop_the_others(staff, beds, caplog):
    from billing.models import ChargeItem

    with time_machine.travel(local(1, 9), tick=False):
        broken = admit(staff, beds["icu"])
        fine = admit(staff, beds["general"])
    ChargeItem.objects.filter(code="WARD-ICU").update(active=False)

    with time_machine.travel(local(3, 9), tick=False):
        accrual.accrue_all()

    assert Charge.objects.filter(admission=broken).count() == 1  # its first day, on admission
    assert Charge.objects.filter(admission=fine).count() == 2
    assert "ward accrual failed" in caplog.text
    _ = timedelta
