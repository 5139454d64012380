"""Gapless sequential numbers per series, safe under concurrent transactions."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from hms.locking import locked
from hms.models import NumberSeries


def next_number(series: str) -> int:
    """The next number of `series`, taken inside the caller's transaction.

    The series row stays locked until that transaction ends: numbers are consecutive, never
    repeated, and a rolled-back transaction leaves no gap.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number must run inside the transaction that uses the number")
    row = locked(NumberSeries.objects).filter(name=series).first()
    if row is None:
        try:
            with transaction.atomic():
                NumberSeries.objects.create(name=series, last=0)
        except IntegrityError:
            pass  # another transaction created it first
        row = locked(NumberSeries.objects).get(name=series)
    row.last += 1
    row.save(update_fields=["last"])
    return row.last


def yearly_number(prefix: str, *, series: str | None = None) -> str:
    """The next document number of this year's series, e.g. "INV-2026-000123" for prefix "INV".

    The series is `<series or prefix, lower case>-<year>` (year in the hospital's time zone), so
    numbering starts again at 000001 each year; taken like next_number, in the caller's
    transaction: gapless and never repeated.
    """
    year = timezone.localdate().year
    name = f"{(series or prefix).lower()}-{year}"
    return f"{prefix}-{year}-{next_number(name):06d}"
