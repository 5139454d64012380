"""Whether a machine type can be used now: the read-only questions other apps (the lab, when a
doctor orders an imaging test) ask engineering's register.

"Since" is each machine's own `status_since`, which engineering keeps from the status history
(the first entry of its last run of that status, back-dated corrections included): read here,
never worked out a second time.
"""

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, QuerySet

from engineering.models import IMAGING_MACHINE_TYPES, Machine, MachineStatus
from hms.prepared import Prepared


def machines_down(machine_types: Iterable[str] = IMAGING_MACHINE_TYPES) -> QuerySet[Machine]:
    """Machines of `machine_types` that are not Operational (out of order or under maintenance),
    by type and then the longest down first; each with `type_working`: whether another machine
    of its type is Operational. One query however many machines there are."""
    machine_types = list(machine_types)
    working = Machine.objects.filter(
        machine_type=OuterRef("machine_type"), status=MachineStatus.OPERATIONAL
    )
    return (
        Machine.objects.filter(machine_type__in=machine_types)
        .exclude(status=MachineStatus.OPERATIONAL)
        .only("name", "asset_tag", "machine_type", "status", "status_since")
        .annotate(type_working=Exists(working))
        .order_by("machine_type", "status_since", "name", "id")
    )


# The imaging machines down, as the lab's banner shows them on every worklist and order form:
# compiled once (hms.prepared; ~1,000 calls a request to build and compile).
_IMAGING_DOWN = Prepared(lambda: machines_down())


def imaging_machines_down() -> list[Machine]:
    """machines_down() of the imaging machine types, read by a query compiled once."""
    return _IMAGING_DOWN.all()


def unavailable(machine_types: Iterable[str]) -> dict[str, list[Machine]]:
    """The machine types of `machine_types` the register has machines of but none Operational,
    each with those machines (their status and since when), longest down first. A type with no
    machine in the register at all is not here: the register does not know it, so it says
    nothing against it. One query."""
    down: dict[str, list[Machine]] = {}
    for machine in machines_down(machine_types):
        if not machine.type_working:
            down.setdefault(machine.machine_type, []).append(machine)
    return down
