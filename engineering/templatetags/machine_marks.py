"""`{% status_history_rows history %}`: a machine's status history rows, written out in Python.
A machine with a year of history shows 25 entries a page, ~10 template lookups and two dates
each (~2 ms of its page, tests/bench/pages.py --profile). The HTML is what the template wrote
(tests/engineering/test_downtime_cells.py)."""

from django import template
from django.template.defaultfilters import date as date_format
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()

_WHEN = "SHORT_DATETIME_FORMAT"


def _when(moment: object) -> str:
    return date_format(timezone.localtime(moment), _WHEN)


@register.simple_tag
def status_history_rows(history: object) -> SafeString:
    """From, to, when (a correction says when it was recorded), by whom, why: one row each."""
    return format_html_join(
        "\n      ",
        '<tr data-testid="history-row"><td>{}</td><td>{}</td>\n'
        "        <td>{}{}</td>\n"
        "        <td>{}</td><td>{}</td></tr>",
        (
            (
                entry.get_from_status_display() or "—",
                entry.get_to_status_display(),
                _when(entry.effective_at),
                format_html(
                    '<div class="small text-warning-emphasis" data-testid="correction">'
                    "correction, recorded {}</div>",
                    _when(entry.recorded_at),
                )
                if entry.correction
                else "",
                entry.changed_by or "system",
                entry.reason,
            )
            for entry in history
        ),
    )
