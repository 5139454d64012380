"""`{% pm_rows pm %}`, `{% queue_rows requests now %}`, `{% my_work_rows mine now %}` and
`{% queue_count_badges counts %}`: the rows of the preventive maintenance not done (the queue's
and the engineer's dashboard's panel), of the requests waiting for an engineer and of the
engineer's own open work orders, and the queue's counts by priority, written out in Python; the
badges of engineering/_pm_due.html, _work_status.html and _priority.html as tags (a work order's
page). Each row cost the template language an include, a URL reversal
and ~15 lookups (~500 function calls a row of the queue's 21,000, tests/bench/pages.py
--profile). The HTML is what the templates wrote (tests/engineering/test_work_rows.py holds each
to the template it replaced, kept frozen there)."""

from html import escape

from django import template
from django.template.defaultfilters import truncatechars
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from engineering.models import Priority
from hms import submissions
from hms.dates import date_text
from hms.links import link_to
from hms.templatetags.display import elapsed
from hms.templatetags.kept_forms import kept_field, kept_html

register = template.Library()


def pm_due_html(work_order: object) -> str:
    """engineering/_pm_due.html: overdue (red, by how many days), due today, or due on a day."""
    days_late = work_order.days_late
    if days_late > 0:
        return (
            '<span class="badge text-bg-danger" data-testid="pm-overdue">Overdue '
            f"{days_late} day{'' if days_late == 1 else 's'}</span>\n"
        )
    if days_late == 0:
        return '<span class="badge text-bg-warning" data-testid="pm-due">Due today</span>\n'
    return (
        '<span class="badge text-bg-info" data-testid="pm-due">Due '
        f"{date_text(work_order.pm_due_date, 'j M')}</span>\n"
    )


@register.simple_tag
def pm_rows(pm: object) -> SafeString:
    """One link a preventive maintenance: due or overdue, the machine, its number, due day, who
    is on it and the department; "None due." for none."""
    if not pm:
        return mark_safe(  # noqa: S308 (fixed markup)
            '<div class="list-group-item px-1 text-body-secondary">None due.</div>'
        )
    link = link_to("work_order_detail")
    rows = []
    for work_order in pm:
        machine = work_order.machine
        danger = " list-group-item-danger" if work_order.days_late > 0 else ""
        engineer = work_order.engineer
        who = escape(str(engineer)) if engineer else "nobody on it yet"
        department = machine.department
        where = f" · {escape(str(department))}" if department else ""
        number = escape(work_order.number)
        rows.append(
            f'<a class="list-group-item list-group-item-action px-1 py-2{danger}" '
            f'href="{link(work_order.pk)}" data-testid="pm-row" data-number="{number}">'
            f"{pm_due_html(work_order)} <strong>{escape(machine.name)}</strong> "
            f"<code>{escape(machine.asset_tag)}</code>"
            '<div class="small text-body-secondary text-truncate">'
            f"{number} · due {date_text(work_order.pm_due_date)} · {who}{where}</div></a>\n  "
        )
    return mark_safe("".join(rows))  # noqa: S308 (every value escaped)


_PRIORITY_CLASS = {
    Priority.URGENT: "text-bg-danger",
    Priority.HIGH: "text-bg-warning",
    Priority.LOW: "text-bg-light border",
}


def priority_html(fault: object) -> str:
    """engineering/_priority.html: the request's priority as a badge, and "Unusable"."""
    unusable = (
        ' <span class="badge text-bg-danger" data-testid="unusable">Unusable</span>'
        if fault.unusable
        else ""
    )
    return (
        f'<span class="badge {_PRIORITY_CLASS.get(fault.priority, "text-bg-secondary")}" '
        f'data-testid="priority">{escape(str(fault.get_priority_display()))}</span>{unusable}\n'
    )


def _csrf_input(context: template.Context) -> str:
    """What {% csrf_token %} writes."""
    token = context.get("csrf_token")
    if not token or token == "NOTPROVIDED":
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(str(token))}">'


@register.simple_tag(takes_context=True)
def queue_rows(context: template.Context, requests: list, now: object) -> SafeString:
    """One row a request waiting for an engineer: priority, machine (its page), what is wrong,
    number, who raised it, department, how long ago, and Take it (a form of its own, with its
    CSRF and submission tokens); the empty queue says so."""
    if not requests:
        return mark_safe(  # noqa: S308 (fixed markup)
            '<div class="list-group-item text-body-secondary py-3">Nothing waiting. New reports'
            " appear here as staff send them.</div>"
        )
    machine_link, take_link = link_to("machine_detail"), link_to("request_take")
    csrf = _csrf_input(context)
    rows = []
    for fault in requests:
        machine = fault.machine
        department = machine.department
        where = f" · {escape(str(department))}" if department else ""
        number = escape(fault.number)
        rows.append(
            '\n      <div class="list-group-item py-3" data-testid="queue-row" '
            f'data-number="{number}">\n'
            '        <div class="d-flex flex-wrap justify-content-between align-items-center'
            ' gap-2">\n          <div>\n'
            f'            <div class="fs-5">{priority_html(fault)} <a class="fw-semibold" '
            f'href="{machine_link(machine.pk)}">{escape(machine.name)}</a> '
            f"<code>{escape(machine.asset_tag)}</code></div>\n"
            f"            <div>{escape(fault.description)}</div>\n"
            f'            <div class="small text-body-secondary">{number} · '
            f"{escape(str(fault.raised_by))}{where} · {elapsed(fault.raised_at, now)}"
            " ago</div>\n          </div>\n"
            f'          <form method="post" action="{take_link(fault.pk)}">{csrf}'
            f'<input type="hidden" name="{submissions.FIELD}" value="{submissions.new_token()}">'
            '<button class="btn btn-primary btn-lg" type="submit" data-testid="take">Take it'
            "</button></form>\n        </div>\n      </div>\n      "
        )
    return mark_safe("".join(rows))  # noqa: S308 (every value escaped)


_WORK_STATUS_CLASS = {
    "resolved": "text-bg-success",
    "waiting_vendor": "text-bg-warning",
    "due": "text-bg-secondary",
}


def work_status_html(work_order: object) -> str:
    """engineering/_work_status.html: the work order's status as a badge."""
    return (
        f'<span class="badge {_WORK_STATUS_CLASS.get(work_order.status, "text-bg-primary")}" '
        f'data-testid="work-status">{escape(str(work_order.get_status_display()))}</span>\n'
    )


@register.simple_tag
def my_work_rows(mine: object, now: object) -> SafeString:
    """One link an open work order of the engineer's: status, machine, number, what was wrong
    (80 characters at most) and since when; "None open." for none."""
    if not mine:
        return mark_safe(  # noqa: S308 (fixed markup)
            '<div class="list-group-item text-body-secondary">None open.</div>'
        )
    link = link_to("work_order_detail")
    rows = []
    for work_order in mine:
        machine = work_order.machine
        fault = work_order.fault_request
        wrong = f" · {escape(truncatechars(fault.description, 80))}" if fault else ""
        rows.append(
            '\n      <a class="list-group-item list-group-item-action py-3" '
            f'href="{link(work_order.pk)}" data-testid="my-work-row">\n'
            f"        <div>{work_status_html(work_order)} <strong>{escape(machine.name)}</strong> "
            f"<code>{escape(machine.asset_tag)}</code></div>\n"
            f'        <div class="small text-body-secondary">{escape(work_order.number)}{wrong}'
            f" · since {elapsed(work_order.opened_at, now)}</div>\n      </a>\n      "
        )
    return mark_safe("".join(rows))  # noqa: S308 (every value escaped)


@register.simple_tag
def queue_count_badges(counts: list) -> SafeString:
    """A badge a priority with how many requests wait: urgent ones red, high amber, when any."""
    badges = []
    for value, label, n in counts:
        if value == Priority.URGENT and n:
            colour = "text-bg-danger"
        elif value == Priority.HIGH and n:
            colour = "text-bg-warning"
        else:
            colour = "text-bg-light border"
        badges.append(f'<span class="badge fs-6 {colour}">{escape(str(label))}: {n}</span>')
    return mark_safe("".join(badges))  # noqa: S308 (every label escaped; counts are numbers)


@register.simple_tag
def pm_due_badge(work_order: object) -> SafeString:
    """`{% include "engineering/_pm_due.html" %}` of `work_order`."""
    return mark_safe(pm_due_html(work_order))  # noqa: S308 (fixed markup, a number and a date)


@register.simple_tag
def work_status_badge(work_order: object) -> SafeString:
    """`{% include "engineering/_work_status.html" %}` of `work_order`."""
    return mark_safe(work_status_html(work_order))  # noqa: S308 (the status escaped)


@register.simple_tag
def priority_badge(fault: object) -> SafeString:
    """`{% include "engineering/_priority.html" %}` of `fault`."""
    return mark_safe(priority_html(fault))  # noqa: S308 (the priority escaped)


# A work order's page: the checklist's and the parts' field rows, as its template's loops wrote
# them (each field `|kept_field`). Blank (nearly every load) they are written once per process
# and kept whole, under the language, the form's id pattern and, for the checklist, each step's
# position and text (the machine's plan, never what a person typed into the form); a posted
# form, refused, is written afresh field by field with what was typed and its messages.
_STEP_ROW = (
    '\n      <div class="row g-2 border-bottom mb-2" data-testid="pm-step">'
    '<div class="col-12 col-md-5">{}</div><div class="col-12 col-md-7">{}</div></div>\n      '
)
_NO_STEPS = '<p class="text-body-secondary">This machine\'s plan has no checklist: say what was done below.</p>'
_PART_ROW = (
    '\n      <div class="row g-2"><div class="col-6">{}</div><div class="col-3">{}</div>'
    '<div class="col-3">{}</div></div>\n      '
)


def _field_rows(rows: list[tuple], row: str) -> SafeString:
    return mark_safe(  # noqa: S308 (each field written by crispy)
        "".join(row.format(*(kept_field(field) for field in fields)) for fields in rows)
    )


@register.simple_tag
def step_field_rows(form: object) -> SafeString:
    """The checklist's rows of a PmCompleteForm (a step's result and note), or the sentence
    for a plan without one."""
    if not form.checks:
        return mark_safe(_NO_STEPS)  # noqa: S308 (fixed markup)
    if form.is_bound:
        return _field_rows(form.step_rows(), _STEP_ROW)
    steps = tuple((check.position, check.text) for check in form.checks)
    key = ("engineering.step_rows", type(form), form.auto_id, get_language(), steps)
    return kept_html(key, lambda: _field_rows(form.step_rows(), _STEP_ROW))


@register.simple_tag
def part_field_rows(form: object) -> SafeString:
    """The part rows of a WorkLogForm (a part's name, quantity and cost of one)."""
    if form.is_bound:
        return _field_rows(form.part_rows(), _PART_ROW)
    key = ("engineering.part_rows", type(form), form.auto_id, get_language(), len(form.fields))
    return kept_html(key, lambda: _field_rows(form.part_rows(), _PART_ROW))


@register.simple_tag(takes_context=True)
def open_request_items(context: template.Context, requests: list, can_manage: bool) -> SafeString:
    """A machine's page: one item a request of the machine's waiting for an engineer (priority,
    number, what is wrong, who raised it and when), with Take it for those who may."""
    if not requests:
        return mark_safe("")
    take_link = link_to("request_take") if can_manage else None
    csrf = _csrf_input(context) if can_manage else ""
    zone = timezone.get_current_timezone()
    items = []
    for fault in requests:
        take = (
            f'<form class="d-inline" method="post" action="{take_link(fault.pk)}">{csrf}'
            f'<input type="hidden" name="{submissions.FIELD}" value="{submissions.new_token()}">'
            '<button class="btn btn-sm btn-primary ms-1" type="submit">Take it</button></form>'
            if can_manage
            else ""
        )
        raised_at = date_text(fault.raised_at.astimezone(zone), "SHORT_DATETIME_FORMAT")
        items.append(
            f'<li class="mb-2" data-testid="open-request">{priority_html(fault)} '
            f"<strong>{escape(fault.number)}</strong> · {escape(fault.description)} "
            f'<span class="text-body-secondary">— {escape(str(fault.raised_by))}, '
            f"{raised_at} · waiting for an engineer</span>\n          {take}</li>"
        )
    return mark_safe("".join(items))  # noqa: S308 (every value escaped)


@register.simple_tag
def open_work_items(open_work: list, can_manage: bool) -> SafeString:
    """A machine's page: one item an open work order of the machine's (status, number, its
    link for those who may open it, due day, engineer, what was wrong, the vendor's reference)."""
    link = link_to("work_order_detail") if can_manage else None
    items = []
    for work_order in open_work:
        number = escape(work_order.number)
        name = (
            f'<a href="{link(work_order.pk)}">{number}</a>'
            if can_manage
            else f"<strong>{number}</strong>"
        )
        due = (
            f" · preventive maintenance due {date_text(work_order.pm_due_date)}"
            if work_order.is_preventive
            else ""
        )
        engineer, fault = work_order.engineer, work_order.fault_request
        vendor = work_order.vendor_reference
        items.append(
            f'<li class="mb-2" data-testid="open-work">{work_status_html(work_order)} {name}{due}'
            + (f" · {escape(str(engineer))}" if engineer else "")
            + (f" · {escape(fault.description)}" if fault else "")
            + (f" · vendor ref. {escape(vendor)}" if vendor else "")
            + "</li>"
        )
    return mark_safe("".join(items))  # noqa: S308 (every value escaped)
