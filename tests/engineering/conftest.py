"""Shared fixtures of the engineering tests: the shared staff, a machine in the register."""

import pytest

from engineering import services


def register(actor, tag: str = "ENG-0001", name: str = "X-ray unit", **fields):
    """A machine entered in the register by `actor` (an engineer or the administrator)."""
    fields.setdefault("machine_type", "xray")
    return services.machine_register(actor=actor, name=name, asset_tag=tag, **fields)


@pytest.fixture
def machine(staff):
    """The radiology X-ray unit, Operational, registered by the engineer."""
    return register(staff.engineer, criticality="high")
