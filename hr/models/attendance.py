"""Staff attendance (shifts and leave join with the hr issue)."""

from django.conf import settings
from django.db import models


class Attendance(models.Model):
    """One attendance of one person: when they arrived and when they left (server time, one click
    each). `date` is the day of arrival in the hospital's zone; a night shift leaves the next
    morning (in 18:30, out 07:10). An arrival never clocked out within
    HMS_ATTENDANCE_MAX_SHIFT_HOURS is flagged `no_clock_out` when the next arrival starts."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attendance"
    )
    date = models.DateField()
    time_in = models.DateTimeField()
    time_out = models.DateTimeField(null=True, blank=True)
    no_clock_out = models.BooleanField(
        "no clock-out",
        default=False,
        help_text="Never clocked out: the next click came after the longest shift.",
    )

    class Meta:
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(fields=["user", "date"], name="attendance_once_a_day"),
            # One open attendance per person: the next click knows which one it closes.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(time_out__isnull=True, no_clock_out=False),
                name="attendance_one_open_per_person",
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
