"""Staff attendance (shifts and leave join with the hr issue)."""

from django.conf import settings
from django.db import models


class Attendance(models.Model):
    """One working day of one person: when they signed in and out (server time, one click)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="attendance"
    )
    date = models.DateField()
    time_in = models.DateTimeField()
    time_out = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(fields=["user", "date"], name="attendance_once_a_day"),
            models.CheckConstraint(
                condition=models.Q(time_out__isnull=True)
                | models.Q(time_out__gte=models.F("time_in")),
                name="attendance_out_after_in",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.date}"
