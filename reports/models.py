"""Models of reports: the analytics dashboard's daily summary.

A closed hospital day's figures do not change: every money movement, discharge and verified
result is stamped with the moment it was recorded. The night's task (reports.tasks) writes each
closed day's figures once, so a dashboard over two years reads a few thousand summary rows
instead of every payment, stay and test of the two years; the days after the summary's mark
(today, and any day the task has not reached yet) are read live. reports.summaries writes and
reads them; nothing else does.
"""

from django.db import models


class DailyFigure(models.Model):
    """One figure of one closed hospital day (settings.TIME_ZONE's calendar).

    `figure` names what is counted (reports.summaries.FIGURES), `key` what it is split by (a
    payment mode, a ward type, a lab test's id; "" for none). `count` is how many rows made it,
    `total` their sum (money in the hospital's currency, durations in seconds), and `values`
    the sorted observations where the dashboard shows a median or a percentile, which no sum
    can give: durations in microseconds, packed as little-endian signed 64-bit integers
    (reports.summaries packs and unpacks them; a few bytes each, read at C speed)."""

    day = models.DateField()
    figure = models.CharField(max_length=40)
    key = models.CharField(max_length=40, blank=True, default="")
    count = models.PositiveIntegerField(default=0)
    total = models.DecimalField(max_digits=24, decimal_places=6, default=0)
    values = models.BinaryField(default=b"", blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["figure", "day", "key"], name="reports_dailyfigure_one_per_day_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.figure} {self.key}: {self.count} / {self.total}"


class SummaryMark(models.Model):
    """How far the daily summary reaches: every hospital day up to `through` (included) has its
    figures in DailyFigure (a figure with no row was zero that day). One row, name "daily"."""

    name = models.CharField(max_length=20, primary_key=True)
    through = models.DateField()
    written_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} through {self.through}"
