"""The three ways a dashboard period can stand against the daily summary (reports.summaries), for
the hand-worked metric tests: no day summarized yet (everything live), the period's first days
summarized and the rest live, and every day summarized. A metric's figures must be the same in
all three."""

from datetime import date

from reports import summaries

WAYS = ["live", "partly summarized", "summarized"]


def summarize(way: str, *, partly_through: date, wholly_through: date) -> None:
    """Write the summary as the night's task would have left it: nothing for "live", the days up
    to `partly_through` or `wholly_through` otherwise (both included)."""
    if way == "live":
        return
    through = partly_through if way == "partly summarized" else wholly_through
    summaries.summaries_forget()
    summaries.summaries_close_days(today=through.fromordinal(through.toordinal() + 1))
    assert summaries.summary_mark() == through
