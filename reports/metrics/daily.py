"""Per-day figures for the metrics: a moment's local day worked out by the database (the
hospital's calendar, settings.TIME_ZONE), so a series groups its rows by day in one query."""

from datetime import date, timedelta

from django.db.models import Case, DateField, Q, Value, When
from django.db.models.functions import TruncDate

from hms import params
from reports.period import ReportPeriod


def local_day(moment: str) -> TruncDate:
    """The hospital's calendar day of the datetime field `moment`, in SQL: 23:30 in Nairobi
    (20:30 UTC) is that day, 00:30 the next (TruncDate with the zone, on SQLite and PostgreSQL)."""
    return TruncDate(moment, tzinfo=params.hospital_zone())


def day_or_opening(moment: str, period: ReportPeriod) -> Case:
    """`moment`'s local day, or the day before the period (`opening_day`) for every moment
    before it: grouped on this, the rows before the period sum into one opening figure."""
    return Case(
        When(Q(**{f"{moment}__lt": period.starts_at}), then=Value(opening_day(period))),
        default=local_day(moment),
        output_field=DateField(),
    )


def opening_day(period: ReportPeriod) -> date:
    """The day before the period: where day_or_opening gathers what came before it."""
    return period.first - timedelta(days=1)


def day_label(day: date) -> str:
    """A day as a chart's axis writes it: "01 Dec"."""
    return day.strftime("%d %b")
