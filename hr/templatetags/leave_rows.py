"""`{% balance_rows rows %}`: the balance sheet's rows, written out in Python. A page is 25
people with a cell per paid leave type, five figures each through `floatformat`; the template's
~200 lookups and ~100 filters a page were about a third of its CPU time (tests/bench/pages.py
--profile). The HTML is what the template wrote (tests/hr/test_leave_rows.py)."""

from decimal import Decimal
from functools import lru_cache
from html import escape

from django import template
from django.template.defaultfilters import floatformat
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from hr.templatetags.attendance_marks import date_words, role_words

register = template.Library()


@lru_cache(maxsize=512)
def _written(value: Decimal, language: str) -> str:
    """Days as the sheet writes them (`floatformat:"-1"`: 21, 2.5); the same few values fill
    a page, so each is written once (per language, which may write numbers its own way: the
    tag asks which once a page)."""
    return floatformat(value, "-1")


def _cell(balance, language: str) -> str:
    extra = ""
    if carried_over := balance.carried_over:
        extra += f" + {_written(carried_over, language)} carried"
    if taken := balance.taken:
        extra += f"<br>{_written(taken, language)} taken"
    if pending := balance.pending:
        extra += f"<br>{_written(pending, language)} waiting"
    return (
        '<td class="text-end text-nowrap"><span class="fs-6 fw-semibold">'
        f'{_written(balance.left, language)}</span><div class="small text-body-secondary">of'
        f" {_written(balance.entitlement, language)}{extra}</div></td>"
    )


@register.simple_tag
def balance_rows(rows: list) -> SafeString:
    """Each person (name, role) and their balance of each paid leave type: the days left, of
    the year's days (and any carried over), taken and waiting for a decision."""
    if not rows:
        return mark_safe(  # noqa: S308 (constant)
            '<tr><td class="text-body-secondary">Nobody found.</td></tr>'
        )
    language = get_language()
    return mark_safe(  # noqa: S308 (every value escaped)
        "\n  ".join(
            '<tr data-testid="balance-row"><th class="fw-normal text-nowrap">'
            f'{escape(str(user))}<div class="small text-body-secondary">{role_words(user.role, language)}'
            "</div></th>\n  "
            + "".join(_cell(b, language) for b in balances if not b.leave_type.unpaid)
            + "\n  </tr>"
            for user, balances in rows
        )
    )


# Who is away: a person a row and a cell for each of the strip's 14 days; the template's loop,
# lookups and two date filters a day were most of the page's own time (tests/bench/pages.py
# --profile). The HTML is what the template wrote (tests/hr/test_leave_rows.py).
_WEEKEND = "table-secondary"
_PART_BADGES = {
    "day": '<span class="badge text-bg-primary">Day</span>',
    "morning": '<span class="badge text-bg-info">AM</span>',
    "afternoon": '<span class="badge text-bg-info">PM</span>',
}


@register.simple_tag
def away_days(strip: list) -> SafeString:
    """The strip's heading cells: each day ("Mon" and "23 Nov"), weekends shaded."""
    language = get_language()
    return mark_safe(  # noqa: S308 (dates written by Django's format)
        "".join(
            [
                f'<th class="{_WEEKEND if day.weekday() >= 5 else ""} small">'
                f"{date_words(day, 'D', language)}<br>{date_words(day, 'j M', language)}</th>"
                for day in strip
            ]
        )
    )


def _away_cell(day, part: str, leave_type: str) -> str:
    shade = _WEEKEND if day.weekday() >= 5 else ""
    title = f'title="{escape(leave_type)}"' if part else ""
    return f'<td class="{shade}" {title}>{_PART_BADGES.get(part, "")}</td>'


@register.simple_tag
def away_rows(rows: list) -> SafeString:
    """Who is away (hr.leave_selectors.AwayRow): each person (their department, else their
    role) and each day's part away, its leave type in the title."""
    if not rows:
        return mark_safe(  # noqa: S308 (constant)
            '\n  <tr><td colspan="15" class="text-body-secondary text-start">Nobody has approved'
            " leave in these two weeks.</td></tr>\n  "
        )
    language = get_language()
    written = []
    for row in rows:
        user = row.user
        department = user.department
        under = escape(str(department)) if department else role_words(user.role, language)
        written.append(
            '\n  <tr data-testid="away-row"><th class="text-start fw-normal text-nowrap">'
            f'{escape(str(user))}<div class="small text-body-secondary">{under}</div></th>\n    '
            + "".join([_away_cell(*day) for day in row.days])
            + "\n  </tr>\n  "
        )
    return mark_safe("".join(written))  # noqa: S308 (every value escaped)
