"""Shifts and the roster: shift definitions and who works which shift on which date."""

__all__: list[str] = []
