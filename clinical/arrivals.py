"""What else happens when a patient arrives for an appointment: the modules built on clinical
register a hook here in their AppConfig.ready (the queue issues a ticket), and the check-in
service calls them in its own transaction, so clinical never imports them (DESIGN.md).

A hook takes keyword arguments actor, appointment and request, and returns a sentence for the
desk ("Ticket D-004: Consultation") or "" when it did nothing. A hook that raises a Refusal
refuses the check-in with its sentence.

Departure hooks are told when a checked-in appointment is cancelled or marked no-show before the
consultation (the patient left): the queue closes the ticket it gave.

Consultation hooks are told when the doctor starts the consultation (the appointment is "In
consultation"): the queue shows the patient's ticket at the doctor's room as being seen.
"""

from collections.abc import Callable

ArrivalHook = Callable[..., str]
_HOOKS: dict[str, ArrivalHook] = {}


def register(name: str, hook: ArrivalHook) -> None:
    _HOOKS[name] = hook


def arrived(*, actor, appointment, request=None) -> list[str]:
    """Run every hook for the appointment just checked in; the sentences they return."""
    said = [hook(actor=actor, appointment=appointment, request=request) for hook in _HOOKS.values()]
    return [sentence for sentence in said if sentence]


_DEPARTURE_HOOKS: dict[str, ArrivalHook] = {}


def register_departure(name: str, hook: ArrivalHook) -> None:
    _DEPARTURE_HOOKS[name] = hook


def left(*, actor, appointment, request=None) -> list[str]:
    """Run every departure hook for the checked-in appointment just cancelled or marked no-show;
    the sentences they return."""
    said = [
        hook(actor=actor, appointment=appointment, request=request)
        for hook in _DEPARTURE_HOOKS.values()
    ]
    return [sentence for sentence in said if sentence]


_CONSULTATION_HOOKS: dict[str, ArrivalHook] = {}


def register_consultation(name: str, hook: ArrivalHook) -> None:
    _CONSULTATION_HOOKS[name] = hook


def consultation_started(*, actor, appointment, request=None) -> list[str]:
    """Run every consultation hook for the appointment whose consultation just started (inside
    the starting transaction); the sentences they return."""
    said = [
        hook(actor=actor, appointment=appointment, request=request)
        for hook in _CONSULTATION_HOOKS.values()
    ]
    return [sentence for sentence in said if sentence]
