"""Shifts and the roster, and attendance matched to them."""

__all__: list[str] = []
