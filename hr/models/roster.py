"""Shifts and the roster: shift definitions and who works which shift on which date."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models

__all__ = ["RosterEntry", "Shift"]


class Shift(models.Model):
    """A shift as the hospital names it: "Night", 19:00 to 07:00. An end at or before the start
    means the shift crosses midnight and ends the next morning; it belongs to the date it
    starts."""

    name = models.CharField(max_length=40, unique=True)
    starts_at = models.TimeField("starts")
    ends_at = models.TimeField("ends")

    class Meta:
        ordering = ["starts_at", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(starts_at=models.F("ends_at")), name="shift_has_a_length"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"

    @property
    def crosses_midnight(self) -> bool:
        return self.ends_at <= self.starts_at

    def window(self, day: date) -> tuple[datetime, datetime]:
        """(start, end) of this shift on `day`, aware, in the hospital's zone."""
        zone = ZoneInfo(settings.TIME_ZONE)
        start = datetime.combine(day, self.starts_at, tzinfo=zone)
        end_day = day + timedelta(days=1) if self.crosses_midnight else day
        return start, datetime.combine(end_day, self.ends_at, tzinfo=zone)

    @property
    def hours(self) -> float:
        start = datetime.combine(date(2000, 1, 1), self.starts_at)
        end = datetime.combine(date(2000, 1, 1), self.ends_at)
        if self.crosses_midnight:
            end += timedelta(days=1)
        return (end - start).total_seconds() / 3600


class RosterEntry(models.Model):
    """One person rostered on one shift on one date (the date the shift starts). One shift per
    person per date, enforced by the database."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="roster_entries"
    )
    date = models.DateField()
    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="entries")

    class Meta:
        ordering = ["date", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "date"], name="roster_one_shift_per_day")
        ]
        indexes = [models.Index(fields=["date", "user"], name="roster_date_user")]

    def __str__(self) -> str:
        return f"{self.user} on {self.date}: {self.shift.name}"


# Seeded by migration 0004 (edit them on the Shifts screen).
STANDARD_SHIFTS = [
    ("Morning", time(7), time(15)),
    ("Evening", time(15), time(23)),
    ("Night", time(19), time(7)),
]
