"""A machine's downtime figures (its page: the last 30 days and 12 months) kept for a minute.

Computing them reads the machine's whole status history, its preventive work orders and its
requests: three queries and about a fifth of the page's time (docs/BENCHMARKS.md, issue 14). The
figures change when one of those rows does, and slowly with the clock (an open outage's hours, a
request's age). So they are cached under the machine's `events_version`, which every save or
delete of the machine, its status history, its fault requests and its work orders raises in the
same transaction, and for at most FIGURES_SECONDS: a change shows at once on every server process,
the clock's drift within a minute.
"""

from django.db.models import F
from django.db.models.signals import post_delete, post_save

from engineering.models import FaultRequest, Machine, MachineStatusChange, WorkOrder

FIGURES_SECONDS = 60


def cache_key(machine: Machine, today) -> str:
    """The cache key of `machine`'s figures as of `today` (a date) and its events_version."""
    return f"engineering:machine-figures:{machine.pk}:{machine.events_version}:{today.isoformat()}"


def bump(machine_id: int | None) -> None:
    """Raise the machine's events_version (one UPDATE; no signal of its own)."""
    if machine_id is not None:
        Machine.objects.filter(pk=machine_id).update(events_version=F("events_version") + 1)


def _machine_saved(sender, instance: Machine, raw: bool = False, **kwargs) -> None:
    if not raw:
        bump(instance.pk)


def _event_saved(sender, instance, raw: bool = False, **kwargs) -> None:
    if not raw:
        bump(instance.machine_id)


def connect() -> None:
    """Called once from EngineeringConfig.ready."""
    post_save.connect(_machine_saved, sender=Machine, dispatch_uid="figures_machine")
    for model in (MachineStatusChange, FaultRequest, WorkOrder):
        for signal in (post_save, post_delete):
            signal.connect(_event_saved, sender=model, dispatch_uid=f"figures_{model.__name__}")
