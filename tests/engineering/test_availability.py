"""What the lab asks engineering's register: which imaging machines are down, and which machine
types have none working, with each machine's status and since when (engineering's own "since")."""

from datetime import timedelta

import pytest
from django.utils import timezone

from engineering import availability, services
from engineering.models import MachineStatus
from tests.engineering.conftest import register


def set_status(staff, machine, to_status, reason="Tube failure", **extra):
    return services.machine_status_change(
        actor=staff.engineer, machine=machine, to_status=to_status, reason=reason, **extra
    )


def test_a_type_whose_every_machine_is_down_is_unavailable_and_names_them(staff):
    room1 = register(staff.engineer, "RAD-XR-01", "X-ray room 1")
    room2 = register(staff.engineer, "RAD-XR-02", "X-ray room 2")
    set_status(staff, room1, MachineStatus.OUT_OF_ORDER)
    set_status(staff, room2, MachineStatus.UNDER_MAINTENANCE, reason="Annual service")

    down = availability.unavailable(["xray", "ct"])

    assert list(down) == ["xray"]
    assert [(m.asset_tag, m.status) for m in down["xray"]] == [
        ("RAD-XR-01", MachineStatus.OUT_OF_ORDER),
        ("RAD-XR-02", MachineStatus.UNDER_MAINTENANCE),
    ]


def test_one_operational_machine_keeps_its_type_available(staff):
    room1 = register(staff.engineer, "RAD-XR-01", "X-ray room 1")
    register(staff.engineer, "RAD-XR-02", "X-ray room 2")
    set_status(staff, room1, MachineStatus.OUT_OF_ORDER)

    assert availability.unavailable(["xray"]) == {}
    (still_down,) = availability.machines_down()
    assert still_down.asset_tag == "RAD-XR-01" and still_down.type_working is True


def test_a_type_the_register_has_no_machine_of_says_nothing_against_it(staff):
    assert availability.unavailable(["mri"]) == {}


def test_ward_equipment_is_not_among_the_imaging_machines_down(staff):
    pump = register(staff.engineer, "ICU-PUMP-01", "Infusion pump", machine_type="infusion_pump")
    set_status(staff, pump, MachineStatus.OUT_OF_ORDER)

    assert list(availability.machines_down()) == []


def test_since_is_engineerings_own_including_a_back_dated_correction(staff):
    machine = register(staff.engineer, "RAD-CT-01", "CT scanner", machine_type="ct")
    # Entered in the register five hours ago (moved back so that a correction fits after it).
    registered = timezone.now() - timedelta(hours=5)
    machine.status_changes.update(effective_at=registered, recorded_at=registered)
    set_status(staff, machine, MachineStatus.OUT_OF_ORDER, reason="Reported down just now")
    stopped = timezone.now() - timedelta(hours=2)
    set_status(
        staff, machine, MachineStatus.OUT_OF_ORDER, reason="It really stopped", effective_at=stopped
    )

    (down,) = availability.unavailable(["ct"])["ct"]

    machine.refresh_from_db()
    assert down.status_since == machine.status_since == stopped


@pytest.mark.parametrize("machines", [1, 12])
def test_the_machines_down_are_one_query_however_many(staff, machines, django_assert_num_queries):
    for n in range(machines):
        machine = register(
            staff.engineer, f"RAD-US-{n:02d}", f"Ultrasound {n}", machine_type="ultrasound"
        )
        set_status(staff, machine, MachineStatus.OUT_OF_ORDER)

    with django_assert_num_queries(1):
        down = availability.unavailable(["ultrasound", "xray"])

    assert len(down["ultrasound"]) == machines
