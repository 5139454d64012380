"""How long ago, said the way the wards and the lab say it: "3 days, 2 hours", "5 hours,
12 minutes", "12 minutes" (days however many: a ward counts days, not weeks or months).

Written out rather than Django's timesince, which translates each unit on every call: it cost
the 200-bed board ~4 ms and the lab's worklist two calls a row (tests/bench/pages.py --large).
"""

from datetime import datetime


def _count(n: int, unit: str) -> str:
    return f"{n} {unit}{'' if n == 1 else 's'}"


def elapsed(since: datetime, now: datetime) -> str:
    """The time from `since` to `now` (both aware), in its two largest units; under a minute (or a
    clock a little ahead) reads "under a minute", never "0 minutes"."""
    minutes = max(int((now - since).total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _count(days, "day") + (f", {_count(hours, 'hour')}" if hours else "")
    if hours:
        return _count(hours, "hour") + (f", {_count(minutes, 'minute')}" if minutes else "")
    return _count(minutes, "minute") if minutes else "under a minute"
