"""Staff attendance: intervals of presence, opened by signing in or the one-click mark and
closed by signing out, the session's idle expiry or the next click."""

from django.conf import settings
from django.db import models


class Started(models.TextChoices):
    SIGN_IN = "sign_in", "signed in"
    CLICK = "click", "attendance button"


class Ended(models.TextChoices):
    OPEN = "", "still in"
    SIGN_OUT = "sign_out", "signed out"
    IDLE = "idle", "signed out when idle"
    SESSION_ENDED = "session_ended", "session ended"
    CLICK = "click", "attendance button"
    LONGEST_SHIFT = "longest_shift", "no clock-out"


class Attendance(models.Model):
    """One interval of presence of one person (server time). `date` is the day it started in
    the hospital's zone; a night shift's interval ends the next morning (in 18:30, out 07:10).

    A person may have several a day (a break, a second tablet): a day's worked time is their
    union (hr.attendance_rules). An interval opened by signing in belongs to that session
    (`session_key`) and is closed by its sign-out or idle expiry; one opened by the attendance
    button is closed by the next click, or flagged `no_clock_out` when the next arrival comes
    after HMS_ATTENDANCE_MAX_SHIFT_HOURS."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attendance"
    )
    date = models.DateField()
    time_in = models.DateTimeField()
    time_out = models.DateTimeField(null=True, blank=True)
    started_by = models.CharField(
        "how it started", max_length=16, choices=Started.choices, default=Started.CLICK
    )
    ended_by = models.CharField(
        "how it ended", max_length=16, choices=Ended.choices, default=Ended.OPEN, blank=True
    )
    # The sign-in session an interval opened by signing in belongs to ("" for the button's).
    session_key = models.CharField(max_length=40, blank=True, default="")
    no_clock_out = models.BooleanField(
        "no clock-out",
        default=False,
        help_text="Never clocked out: the next click came after the longest shift.",
    )

    class Meta:
        ordering = ["-date", "-time_in"]
        indexes = [models.Index(fields=["date", "user"], name="attendance_date_user")]
        constraints = [
            # One open button attendance per person: the next click knows which one it closes.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(time_out__isnull=True, no_clock_out=False, started_by="click"),
                name="attendance_one_open_per_person",
            ),
            # One open interval per sign-in session: a repeated sign-in signal never doubles it.
            models.UniqueConstraint(
                fields=["session_key"],
                condition=models.Q(time_out__isnull=True) & ~models.Q(session_key=""),
                name="attendance_one_open_per_session",
            ),
            models.CheckConstraint(
                condition=models.Q(started_by="click") | ~models.Q(session_key=""),
                name="attendance_sign_in_has_session",
            ),
            models.CheckConstraint(
                condition=models.Q(time_out__isnull=True)
                | models.Q(time_out__gte=models.F("time_in")),
                name="attendance_out_after_in",
            ),
            models.CheckConstraint(
                condition=models.Q(no_clock_out=False) | models.Q(time_out__isnull=True),
                name="attendance_no_clock_out_has_no_time_out",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.date}"
