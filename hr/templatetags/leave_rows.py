"""`{% balance_rows rows %}`: the balance sheet's rows, written out in Python. A page is 25
people with a cell per paid leave type, five figures each through `floatformat`; the template's
~200 lookups and ~100 filters a page were about a third of its CPU time (tests/bench/pages.py
--profile). The HTML is what the template wrote (tests/hr/test_leave_rows.py)."""

from decimal import Decimal
from functools import lru_cache

from django import template
from django.template.defaultfilters import floatformat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()


@lru_cache(maxsize=512)
def _written(value: Decimal, language: str) -> str:
    return floatformat(value, "-1")


def _days(value: Decimal) -> str:
    """Days as the sheet writes them (`floatformat:"-1"`: 21, 2.5); the same few values fill
    a page, so each is written once (per language, which may write numbers its own way)."""
    return _written(value, get_language())


def _cell(balance) -> str:
    extra = ""
    if balance.carried_over:
        extra += f" + {_days(balance.carried_over)} carried"
    if balance.taken:
        extra += f"<br>{_days(balance.taken)} taken"
    if balance.pending:
        extra += f"<br>{_days(balance.pending)} waiting"
    return (
        '<td class="text-end text-nowrap"><span class="fs-6 fw-semibold">'
        f'{_days(balance.left)}</span><div class="small text-body-secondary">of'
        f" {_days(balance.entitlement)}{extra}</div></td>"
    )


@register.simple_tag
def balance_rows(rows: list) -> SafeString:
    """Each person (name, role) and their balance of each paid leave type: the days left, of
    the year's days (and any carried over), taken and waiting for a decision."""
    if not rows:
        return mark_safe(  # noqa: S308 (constant)
            '<tr><td class="text-body-secondary">Nobody found.</td></tr>'
        )
    return mark_safe(  # noqa: S308 (every value escaped)
        "\n  ".join(
            '<tr data-testid="balance-row"><th class="fw-normal text-nowrap">'
            f'{escape(user)}<div class="small text-body-secondary">{escape(user.role_label)}'
            "</div></th>\n  "
            + "".join(_cell(b) for b in balances if not b.leave_type.unpaid)
            + "\n  </tr>"
            for user, balances in rows
        )
    )
