"""A patient's insurance cover as billing reads it: which scheme pays what share on a day, and,
when the cover has ended, that it did (an invoice then claims nothing, and says why)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import models

from billing.models import InvoiceStatus


@dataclass(frozen=True)
class Cover:
    """A scheme's cover: its name, the share of an invoice it pays (per cent), the last day it
    is valid (None: no end given) and whether that day has passed on the day asked about."""

    insurer: str
    coverage_percent: Decimal
    valid_until: date | None
    expired: bool

    @property
    def pays(self) -> bool:
        """Whether an invoice issued on the day asked about claims from it."""
        return not self.expired


def _day(text: object) -> date | None:
    try:
        return date.fromisoformat(str(text)) if text else None
    except ValueError:
        return None  # not a date: no end that billing can tell (registration checks the date)


def cover_of(patient: models.Model, on_day: date) -> Cover | None:
    """The patient's cover on `on_day` (a scheme and a share above zero on their record), valid
    or expired; None when the record names none."""
    policy = getattr(patient, "insurance", None) or {}
    try:
        share = Decimal(str(policy.get("coverage_percent") or 0))
    except InvalidOperation:
        share = Decimal(0)
    if not policy.get("provider") or share <= 0:
        return None
    valid_until = _day(policy.get("valid_until"))
    return Cover(
        insurer=policy["provider"],
        coverage_percent=share,
        valid_until=valid_until,
        expired=valid_until is not None and valid_until < on_day,
    )


def cover_of_invoice(invoice: models.Model, on_day: date) -> Cover | None:
    """The cover an invoice shows: as issued (the scheme it claims from, or the one whose cover
    had expired, so nothing was claimed), or, for a draft, the patient's on `on_day`."""
    if invoice.status == InvoiceStatus.DRAFT:
        return cover_of(invoice.patient, on_day)
    if invoice.insurer:
        return Cover(invoice.insurer, invoice.coverage_percent, None, expired=False)
    if invoice.expired_cover:
        return Cover(invoice.expired_cover, Decimal(0), invoice.expired_cover_on, expired=True)
    return None
