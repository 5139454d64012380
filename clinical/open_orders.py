"""Orders still open when a stay ends: tests not yet resulted (and, when pharmacy lands,
prescriptions not yet dispensed). Each module that takes orders registers a source here in its
AppConfig.ready; the discharge asks this registry, so wards never imports lab (DESIGN.md).

An open order is settled one of two ways before the patient goes home: cancelled (the source
reverses its charge) or carried over to outpatient follow-up with a reason, recorded on the order
itself. The sources check who may do either; the registry only finds the source.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.http import HttpRequest

from hms.refusals import Refusal

CANCEL = "cancel"
CARRY_OVER = "carry_over"
DECISIONS = [(CANCEL, "Cancel"), (CARRY_OVER, "Carry over to outpatient follow-up")]


class OrderRefused(Refusal):
    """The source refused to cancel or carry over an order, with the sentence the person reads."""


@dataclass(frozen=True)
class OpenOrder:
    """One open order of a stay, as plain data for the discharge page."""

    source: str  # the registering module's name: "lab"
    order_id: int
    number: str  # "LAB-2026-000123"
    name: str  # "Full blood count"
    status: str  # "Pending", as staff read it
    ordered_at: datetime
    ordered_by: str
    link: str  # the order's own page
    cancellable: bool  # False once the work has begun: then it can only be carried over
    kind: str = "Test"


@dataclass(frozen=True)
class OrderSource:
    name: str
    # The open orders of an admission (wards.Admission, passed in: clinical does not import it).
    open_for_stay: Callable[[object], list[OpenOrder]]
    # Both take keyword arguments actor, order_id, reason, request; they raise OrderRefused.
    cancel: Callable[..., None]
    carry_over: Callable[..., None]


_SOURCES: dict[str, OrderSource] = {}


def register(source: OrderSource) -> None:
    _SOURCES[source.name] = source


def sources() -> list[str]:
    return sorted(_SOURCES)


def open_orders_of_stay(admission) -> list[OpenOrder]:
    """Every open order of the stay, from every source, oldest first."""
    found = [order for source in _SOURCES.values() for order in source.open_for_stay(admission)]
    return sorted(found, key=lambda order: (order.ordered_at, order.number))


def describe(orders: list[OpenOrder]) -> str:
    """The orders named for a message: "Full blood count (LAB-2026-000001, pending), ..."."""
    return "; ".join(f"{o.name} ({o.number}, {o.status.lower()})" for o in orders)


def settle(
    *,
    actor,
    order: OpenOrder,
    decision: str,
    reason: str,
    request: HttpRequest | None = None,
) -> None:
    """Cancel the open order, or carry it over to outpatient follow-up, through its source."""
    source = _SOURCES.get(order.source)
    if source is None:
        raise OrderRefused("That order cannot be changed from here.")
    if decision == CANCEL:
        source.cancel(actor=actor, order_id=order.order_id, reason=reason, request=request)
    elif decision == CARRY_OVER:
        source.carry_over(actor=actor, order_id=order.order_id, reason=reason, request=request)
    else:
        raise OrderRefused("Choose to cancel the order or carry it over to outpatient follow-up.")
