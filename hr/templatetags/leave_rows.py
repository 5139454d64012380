"""The leave screens' rows written out in Python: `{% my_leave_rows %}`, `{% my_leave_balances %}`
("My leave"), `{% waiting_rows %}`, `{% decided_rows %}` (the requests' queue),
`{% balance_rows rows %}`, `{% paid_type_heads %}` (the balance sheet), `{% away_days %}`,
`{% away_rows %}` (who is away).

`{% balance_rows rows %}`: the balance sheet's rows. A page is 25
people with a cell per paid leave type, five figures each through `floatformat`; the template's
~200 lookups and ~100 filters a page were about a third of its CPU time (tests/bench/pages.py
--profile). The HTML is what the template wrote (tests/hr/test_leave_rows.py)."""

from decimal import Decimal
from functools import lru_cache
from html import escape

from django import template
from django.template.defaultfilters import floatformat
from django.urls import get_script_prefix
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from hms import rbac
from hms.dates import date_text
from hms.links import link_to
from hr.models import LeaveStatus
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


# "My leave" and the administrator's queue: a row a request, its state's badge, its buttons.
# The templates' loops, each row's `{% include "hr/leave/_state.html" %}` and `{% url %}`s
# were about half of these pages' Python calls (tests/bench/pages.py --profile). The HTML is
# what the templates wrote (tests/hr/test_leave_rows.py holds it to them, kept frozen).
_STATE_SHADES = {
    "approved": "text-bg-success",
    "pending": "text-bg-warning",
    "rejected": "text-bg-danger",
}
_STATE_WORDS = dict(LeaveStatus.choices)
_OOB = ' hx-swap-oob="true"'


def state_badge(leave_request) -> str:
    """The request's state as hr/leave/_state.html writes it (its closing newline included)."""
    status = leave_request.status
    shade = _STATE_SHADES.get(status, "text-bg-secondary")
    words = escape(str(_STATE_WORDS.get(status, status)))
    return f'<span class="badge {shade} fs-6 fw-normal">{words}</span>\n'


def _days(days: Decimal, language: str) -> str:
    """`{{ days|floatformat:"-1" }} day{{ days|pluralize }}`."""
    return f"{_written(days, language)} day{'' if float(days) == 1 else 's'}"


@lru_cache(maxsize=32)
def _links(route: str, prefix: str):
    """link_to(route) under the script prefix `prefix`: reversed once per process."""
    return link_to(route)


def _link(route: str):
    return _links(route, get_script_prefix())


def _csrf_input(context: template.Context) -> str:
    """What `{% csrf_token %}` writes (nothing where the context has no token: a live
    update's fragment)."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(str(token))}">'


def _my_row(leave_request, *, csrf: str, oob: bool, doctor: bool, language: str) -> str:
    pk = leave_request.pk
    span = escape(leave_request.span)
    cut = leave_request.cut_short_on
    cut_short = (
        '<div class="small text-body-secondary">cut short: back on'
        f" {escape(date_text(cut, 'D j M'))}</div>"
        if cut
        else ""
    )
    comment = leave_request.decision_comment
    said = f'<div class="small">“{escape(comment)}”</div>' if comment else ""
    if leave_request.withdrawable:
        action = (
            f'\n      <form method="post" action="{escape(_link("leave_withdraw")(pk))}"'
            f' data-confirm="Withdraw this request for {span}?">{csrf}<button class="btn'
            ' btn-outline-secondary" type="submit" data-testid="withdraw">Withdraw</button>'
            "</form>\n      "
        )
    elif leave_request.cancellable:
        reopens = (
            '<div class="small text-body-secondary">Your clinic hours open again for booking.</div>'
            if doctor
            else ""
        )
        action = (
            f'\n        <form method="post" action="{escape(_link("leave_cancel")(pk))}"'
            f' data-confirm="Cancel your leave {span}? The days not yet taken go back to your'
            f' balance.">{csrf}<button class="btn btn-outline-danger" type="submit"'
            f' data-testid="cancel-leave">Cancel this leave</button>{reopens}</form>\n      '
        )
    else:
        action = ""
    swap = _OOB if oob else ""
    return (
        f'\n  <tr id="leave-{pk}"{swap} data-testid="leave-row">'
        f"\n    <td>{escape(leave_request.leave_type.name)}</td>"
        f"\n    <td>{span}{cut_short}</td>"
        f'\n    <td class="text-end text-nowrap">{_days(leave_request.days, language)}</td>'
        f'\n    <td data-testid="leave-state">{state_badge(leave_request)}{said}</td>'
        f'\n    <td class="text-end">\n      {action}\n    </td>\n  </tr>\n  '
    )


def _mine(context: template.Context) -> dict:
    """What every row of one person's own requests shares: the form token, whether the rows
    are a live update's, whether the person is a doctor (cancelling reopens clinic hours)."""
    user = context.get("user")
    return {
        "csrf": _csrf_input(context),
        "oob": bool(context.get("oob")),
        "doctor": getattr(user, "role", None) == rbac.DOCTOR,
        "language": get_language(),
    }


@register.simple_tag(takes_context=True)
def my_leave_rows(context: template.Context, requests) -> SafeString:
    """ "My leave": a row each of the person's own requests (`context["user"]`'s): the type,
    the days (cut short), the cost, the state and the decision's comment, Withdraw or Cancel."""
    if not requests:
        return mark_safe(  # noqa: S308 (constant)
            '\n  <tr><td colspan="5" class="text-body-secondary">No leave asked for yet.</td>'
            "</tr>\n  "
        )
    shared = _mine(context)
    return mark_safe(  # noqa: S308 (every value escaped)
        "".join([_my_row(leave_request, **shared) for leave_request in requests])
    )


@register.simple_tag(takes_context=True)
def my_leave_row(context: template.Context, leave_request) -> SafeString:
    """One row of my_leave_rows (a live update's, `oob` in the context)."""
    return mark_safe(_my_row(leave_request, **_mine(context)))  # noqa: S308 (escaped)


def _balance_card(balance, year: int, language: str) -> str:
    total = balance.total
    taken = (
        f'<div class="small text-body-secondary">{_written(balance.taken, language)} taken or'
        " booked</div>"
        if balance.taken
        else ""
    )
    pending = (
        f'<div class="small text-body-secondary">{_written(balance.pending, language)} waiting'
        " for a decision</div>"
        if balance.pending
        else ""
    )
    carried = (
        f'<div class="small text-body-secondary">{_written(balance.carried_over, language)}'
        f" carried from {year - 1}</div>"
        if balance.carried_over
        else ""
    )
    leave_type = balance.leave_type
    return (
        '\n    <div class="col"><div class="card h-100"><div class="card-body p-2">'
        f'\n      <div class="small text-body-secondary">{escape(leave_type.name)}</div>'
        f'\n      <div class="fs-4 fw-semibold" data-testid="balance-{escape(leave_type.code)}">'
        f'{_written(balance.left, language)} <span class="fs-6 fw-normal">of'
        f" {_written(total, language)}</span></div>"
        f"\n      {taken}\n      {pending}\n      {carried}\n    </div></div></div>\n  "
    )


@register.simple_tag(takes_context=True)
def my_leave_balances(context: template.Context) -> SafeString:
    """ "My leave"'s days left in the year (`balances`, `year`): a card each paid leave type,
    the days left of the year's (and carried), taken, waiting, carried from last year."""
    year = context.get("year")
    language = get_language()
    cards = "".join(
        [
            _balance_card(balance, year, language)
            for balance in context.get("balances") or ()
            if not balance.leave_type.unpaid
        ]
    )
    oob = _OOB if context.get("oob") else ""
    return mark_safe(  # noqa: S308 (every value escaped)
        f'\n<section id="leave-balances" class="mb-4"{oob} data-testid="leave-balances">\n'
        f'  <h2 class="h5">Days left in {escape(str(year))}</h2>\n'
        '  <div class="row row-cols-2 row-cols-md-4 g-2">\n'
        f"  {cards}\n  </div>\n</section>\n"
    )


def _queue_row(leave_request, decide, language: str) -> str:
    user = leave_request.user
    department = user.department
    where = f" · {escape(str(department))}" if department else ""
    attached = (
        ' <i class="bi bi-paperclip" title="Document attached" aria-label="Document attached"></i>'
        if leave_request.attachment
        else ""
    )
    asked = date_text(timezone.localtime(leave_request.created_at), "D j M H:i")
    return (
        '\n  <tr data-testid="queue-row">'
        f'\n    <td>{escape(str(user))}<div class="small text-body-secondary">'
        f"{role_words(user.role, language)}{where}</div></td>"
        f"\n    <td>{escape(leave_request.leave_type.name)}{attached}</td>"
        f"\n    <td>{escape(leave_request.span)}</td>"
        f'\n    <td class="text-end text-nowrap">{_days(leave_request.days, language)}</td>'
        f'\n    <td class="text-nowrap">{escape(asked)}</td>'
        f'\n    <td class="text-end"><a class="btn btn-primary"'
        f' href="{escape(decide(leave_request.pk))}" data-testid="decide">Decide</a></td>'
        "\n  </tr>\n  "
    )


@register.simple_tag
def waiting_rows(requests) -> SafeString:
    """The requests waiting for a decision: the person (role, department), the leave (a
    document attached), its days and cost, when it was asked, Decide."""
    if not requests:
        return mark_safe(  # noqa: S308 (constant)
            '\n  <tr><td colspan="6" class="text-body-secondary">No request is waiting.</td>'
            "</tr>\n  "
        )
    decide, language = _link("leave_decide"), get_language()
    return mark_safe(  # noqa: S308 (every value escaped)
        "".join([_queue_row(leave_request, decide, language) for leave_request in requests])
    )


@register.simple_tag
def decided_rows(requests) -> SafeString:
    """Requests decided: the person (a link to the request), the leave, its days, its state
    and who decided it."""
    if not requests:
        return mark_safe(  # noqa: S308 (constant)
            '<tr><td colspan="5" class="text-body-secondary">Nothing decided yet.</td></tr>\n  '
        )
    decide = _link("leave_decide")
    return mark_safe(  # noqa: S308 (every value escaped)
        "".join(
            [
                f'\n  <tr><td><a href="{escape(decide(leave_request.pk))}">'
                f"{escape(str(leave_request.user))}</a></td>"
                f"<td>{escape(leave_request.leave_type.name)}</td>"
                f"<td>{escape(leave_request.span)}</td><td>{state_badge(leave_request)}</td>"
                f"<td>{escape(str(leave_request.decided_by or '—'))}</td></tr>\n  "
                for leave_request in requests
            ]
        )
    )


@register.simple_tag
def paid_type_heads(leave_types) -> SafeString:
    """The balance sheet's heading cell of each paid leave type."""
    return mark_safe(  # noqa: S308 (every name escaped)
        "".join(
            [
                f'<th class="text-end">{escape(leave_type.name)}</th>'
                for leave_type in leave_types
                if not leave_type.unpaid
            ]
        )
    )
