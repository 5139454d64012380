"""The analytics dashboard's period: a named preset (today, the last 7 or 30 days, this month,
last month) or a custom pair of days, read from the query string so a view can be bookmarked and
shared. Days are the hospital's calendar days (settings.TIME_ZONE, Africa/Nairobi); a period's
bounds are aware datetimes at the local midnights, `starts_at` included and `ends_before` not.
"""

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from hms import params

PRESETS = {
    "today": "Today",
    "7d": "Last 7 days",
    "30d": "Last 30 days",
    "this_month": "This month",
    "last_month": "Last month",
    "custom": "Custom",
}
DEFAULT_PRESET = "30d"
# The longest period the dashboard draws: two calendar years, a leap day included. Its daily
# figures are one point a day, so a longer one is a chart nobody can read and minutes of a
# core's work for its workbook (docs/DECISIONS.md); a longer review is made a year at a time.
MAX_DAYS = 731
# A preset named in the address that is not one (a hand-edited link) is shown back this long.
SHOWN_TYPED = 20


@dataclass(frozen=True)
class ReportPeriod:
    """Days `first` to `last`, both included; `preset` names how it was chosen (a PRESETS key).
    `refused` holds, by query parameter ("from", "to"), why a typed day was not taken."""

    first: date
    last: date
    preset: str = "custom"
    refused: dict[str, str] = field(default_factory=dict, compare=False)
    typed: dict[str, str] = field(default_factory=dict, compare=False)
    # The two typed days were the wrong way round and were taken swapped (said, not refused).
    swapped: bool = field(default=False, compare=False)

    @property
    def taken_as_asked(self) -> bool:
        """Whether the period is the one the query asked for: nothing refused (days typed the
        wrong way round are only turned round). An export is made only of such a period."""
        return not self.refused or (self.swapped and set(self.refused) == {"to"})

    @property
    def starts_at(self) -> datetime:
        """The local midnight that opens the first day (aware)."""
        return local_midnight(self.first)

    @property
    def ends_before(self) -> datetime:
        """The local midnight that closes the last day (aware, excluded)."""
        return local_midnight(self.last + timedelta(days=1))

    @property
    def days(self) -> list[date]:
        """Every day of the period, oldest first."""
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    @property
    def label(self) -> str:
        """ "Last 30 days (01/11/2026 – 30/11/2026)", as the page heading and the exports say."""
        span = params.day_value(self.first)
        if self.last != self.first:
            span += f" – {params.day_value(self.last)}"
        name = PRESETS.get(self.preset, "Custom")
        return span if self.preset == "custom" else f"{name} ({span})"

    def query(self) -> dict[str, str]:
        """The query string that reproduces this period (for links, exports and the URL)."""
        if self.preset != "custom":
            return {"period": self.preset}
        return {
            "period": "custom",
            "from": params.day_value(self.first),
            "to": params.day_value(self.last),
        }


def local_midnight(day: date) -> datetime:
    """The aware datetime of `day`'s start in the hospital's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min), params.hospital_zone())


def preset_period(preset: str, today: date) -> ReportPeriod:
    """The days a preset covers on `today` (a PRESETS key other than "custom")."""
    if preset == "today":
        return ReportPeriod(today, today, preset)
    if preset == "7d":
        return ReportPeriod(today - timedelta(days=6), today, preset)
    if preset == "this_month":
        return ReportPeriod(today.replace(day=1), today, preset)
    if preset == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return ReportPeriod(last.replace(day=1), last, preset)
    return ReportPeriod(today - timedelta(days=29), today, "30d")


def period_from_query(query, *, today: date | None = None) -> ReportPeriod:
    """The period a request's query asks for: `period` a PRESETS key; "custom" (or no `period`
    with a day typed, a hand-written link) reads `from` and `to` (day/month/year) through
    hms.params.period_typed, a blank end being today and a blank start 30 days before the end.
    What cannot be taken falls back to those defaults and says why in `refused`, by parameter:
    "period" for a preset that is none (the last 30 days are shown), "from"/"to" for a day that
    is no day of the calendar, "from" for a period longer than MAX_DAYS (the 30 days up to its
    last day are shown)."""
    today = today or timezone.localdate()
    asked = query.get("period")
    preset = params.choice_param(asked, PRESETS)
    if not preset and not asked and any(query.get(name) for name in ("from", "to")):
        preset = "custom"
    if preset != "custom":
        period = preset_period(preset or DEFAULT_PRESET, today)
        if asked and not preset:
            shown = asked if len(asked) <= SHOWN_TYPED else f"{asked[:SHOWN_TYPED]}…"
            refused = {
                "period": f"“{shown}” is not one of the periods offered: the last 30 days are"
                " shown."
            }
            period = replace(period, refused=refused)
        return period
    typed = params.period_typed(query)
    last = typed.last or today
    first = typed.first or last - timedelta(days=29)
    first, last = sorted((first, last))
    days = (last - first).days + 1
    if days > MAX_DAYS:
        kept = {} if typed.swapped else dict(typed.refused)  # a refused end is still said
        refused = kept | {
            "from": f"A period can be at most two years ({MAX_DAYS} days); these dates span"
            f" {days:,} days. Choose a later first day, or look at a year at a time."
        }
        return ReportPeriod(last - timedelta(days=29), last, "custom", refused, typed.typed)
    return ReportPeriod(first, last, "custom", typed.refused, typed.typed, typed.swapped)
