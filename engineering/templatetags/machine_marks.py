"""`{% status_history_rows history %}`: a machine's status history rows, `{% machine_heading %}`
and `{% machine_facts %}`: its page's heading and facts, `{% machine_rows machines %}`: the
register's rows, and `{% choice_options choices chosen %}`: a filter's options, written out in
Python. The register's 50 machines a page cost
the template language ~18 lookups, an include and a URL reversal a row (most of the large
hospital's page, tests/bench/pages.py --large --profile); tests/engineering/test_machine_rows.py
holds them to the template they replaced. The status history: a machine with a year of history shows 25 entries a page, ~10 template lookups and two dates
each (~2 ms of its page, tests/bench/pages.py --profile). The HTML is what the template wrote
(tests/engineering/test_downtime_cells.py)."""

from collections.abc import Callable
from html import escape

from django import template
from django.conf import settings
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe

from engineering.models import Machine
from hms.dates import date_text, date_writer
from hms.links import link_to

register = template.Library()

_WHEN = "SHORT_DATETIME_FORMAT"


def _when(moment: object, zone: object = None) -> str:
    """The moment in the hospital's zone (`zone`, the current one when not given), as
    SHORT_DATETIME_FORMAT writes it."""
    return date_text(moment.astimezone(zone or timezone.get_current_timezone()), _WHEN)


def _labels(field: str) -> dict:
    """A machine field's labels by value: what get_<field>_display() looks up, read once (it
    rebuilds the dict on every call, ~55 Python calls for the machine types)."""
    return dict(Machine._meta.get_field(field).flatchoices)


_TYPE_LABEL, _CRITICALITY_LABEL, _MACHINE_STATUS_LABEL = (
    _labels("machine_type"),
    _labels("criticality"),
    _labels("status"),
)


def _label(labels: dict, value: object) -> str:
    """get_<field>_display()'s text: the value's label, or the value itself."""
    return str(labels.get(value, value))


def _person(entry: dict) -> str:
    """Who made the change, as the template wrote the user (their full name, else their
    username), or "system"."""
    if entry["changed_by_id"] is None:
        return "system"
    name = f"{entry['changed_by__first_name']} {entry['changed_by__last_name']}".strip()
    return escape(name or entry["changed_by__username"])


def _history_row(entry: dict, zone: object, when: Callable[[object], str]) -> str:
    correction = (
        '<div class="small text-warning-emphasis" data-testid="correction">'
        f"correction, recorded {when(entry['recorded_at'].astimezone(zone))}</div>"
        if entry["correction"]
        else ""
    )
    from_status, to_status = entry["from_status"], entry["to_status"]
    return (
        '<tr data-testid="history-row">'
        f"<td>{escape(str(_MACHINE_STATUS_LABEL.get(from_status, from_status) or '—'))}</td>"
        f"<td>{escape(str(_MACHINE_STATUS_LABEL.get(to_status, to_status)))}</td>\n"
        f"        <td>{when(entry['effective_at'].astimezone(zone))}{correction}</td>\n"
        f"        <td>{_person(entry)}</td><td>{escape(entry['reason'])}</td></tr>"
    )


@register.simple_tag
def status_history_rows(history: object) -> SafeString:
    """From, to, when (a correction says when it was recorded), by whom, why: one row each of
    `history` (rows of engineering.selectors.HISTORY_COLUMNS)."""
    zone = timezone.get_current_timezone()  # once, not once a date
    when = date_writer(_WHEN)  # the format looked up once, not once a date
    rows = [_history_row(entry, zone, when) for entry in history]
    return mark_safe("\n      ".join(rows))  # noqa: S308 (every value escaped)


_STATUS_CLASS = {"operational": "text-bg-success", "maintenance": "text-bg-warning"}


def status_badge_html(machine: object) -> str:
    """The machine's status as a badge: green in service, amber in maintenance, red down."""
    return (
        f'<span class="badge {_STATUS_CLASS.get(machine.status, "text-bg-danger")}" '
        f'data-testid="machine-status">{escape(_label(_MACHINE_STATUS_LABEL, machine.status))}</span>'
    )


@register.simple_tag
def machine_status(machine: object) -> SafeString:
    """`{% machine_status machine %}`: status_badge_html, for the pages that show one machine
    (its page, its work order, the finder, the engineer's dashboard)."""
    return mark_safe(status_badge_html(machine))  # noqa: S308 (escaped in status_badge_html)


def _machine_row(machine: object, link: str, warranty: bool) -> str:
    maker = (
        f'<div class="small text-body-secondary">{escape(machine.manufacturer)} '
        f"{escape(machine.model_name)}</div>"
        if machine.manufacturer
        else ""
    )
    criticality = (
        '<span class="badge text-bg-danger">Life support</span>'
        if machine.criticality == "life_support"
        else escape(_label(_CRITICALITY_LABEL, machine.criticality))
    )
    since = (
        '<div class="small text-body-secondary">since '
        f"{date_text(timezone.localtime(machine.status_since), 'j M H:i')}</div>"
        if machine.is_down
        else ""
    )
    ends = ""
    if warranty:
        vendor = (
            f'<div class="small text-body-secondary">{escape(machine.service_vendor)}</div>'
            if machine.service_vendor
            else ""
        )
        ends = f'\n    <td data-testid="warranty-ends">{date_text(machine.warranty_end_date)}{vendor}</td>'
    tag = escape(machine.asset_tag)
    return (
        f'\n  <tr data-testid="machine-row" data-tag="{tag}">\n'
        f'    <td><a class="fw-semibold" href="{link}">{escape(machine.name)}</a>{maker}</td>\n'
        f"    <td><code>{tag}</code></td>\n"
        f"    <td>{escape(_label(_TYPE_LABEL, machine.machine_type))}</td>\n"
        f"    <td>{escape(str(machine.department or '—'))}</td>\n"
        f"    <td>{criticality}</td>\n"
        f"    <td>{status_badge_html(machine)}{since}</td>{ends}\n"
        "  </tr>\n  "
    )


@register.simple_tag
def machine_rows(machines: object, warranty: bool = False) -> SafeString:
    """The register's rows: name (the machine's link) and maker, tag, type, department,
    criticality, status (since when, when down) and, `warranty`, when the warranty ends and who
    services it; one row saying so when no machine matches."""
    link = link_to("machine_detail")
    rows = "".join(_machine_row(machine, link(machine.pk), warranty) for machine in machines)
    return mark_safe(  # noqa: S308 (every value escaped)
        rows or '<tr><td colspan="6" class="text-body-secondary">No machine matches.</td></tr>'
    )


@register.simple_tag
def choice_options(choices: object, chosen: object) -> SafeString:
    """A filter's `<option>`s, the one whose value equals `chosen` selected, as a template loop
    over (value, label) pairs wrote them (~60 calls an option there): the register's statuses,
    types and departments, the lab worklist's departments and steps."""
    return mark_safe(  # noqa: S308 (every value escaped)
        "".join(
            [
                f'<option value="{escape(str(value))}"'
                f"{' selected' if value == chosen else ''}>{escape(str(label))}</option>"
                for value, label in choices
            ]
        )
    )


def _number(value: int) -> str:
    """A whole number as the template writes it (grouped only if the settings say so)."""
    return formats.localize(value) if settings.USE_THOUSAND_SEPARATOR else str(value)


def _day(value: object) -> str:
    """`{{ value|date }}`: the day in DATE_FORMAT, "" for none."""
    return date_text(value)


@register.simple_tag
def machine_heading(machine: object) -> SafeString:
    """A machine page's heading: name, tag, type and department; status, since when, and how
    critical it is. Written here: ~20 template lookups, two displays and a date a load."""
    department = f" · {escape(str(machine.department))}" if machine.department else ""
    criticality = (
        '<span class="badge text-bg-danger">Life support</span>'
        if machine.criticality == "life_support"
        else f'<span class="small">Criticality: '
        f"{escape(_label(_CRITICALITY_LABEL, machine.criticality))}</span>"
    )
    return mark_safe(  # noqa: S308 (every value escaped)
        '<div class="d-flex flex-wrap justify-content-between align-items-start gap-2 mb-3">\n'
        "      <div>\n"
        f'        <h1 class="h2 mb-1">{escape(machine.name)}</h1>\n'
        f'        <div class="fs-5"><code class="fs-5">{escape(machine.asset_tag)}</code> · '
        f"{escape(_label(_TYPE_LABEL, machine.machine_type))}{department}</div>\n"
        "      </div>\n"
        '      <div class="text-end">\n'
        f'        <div class="fs-4">{status_badge_html(machine)}</div>\n'
        '        <div class="text-body-secondary" data-testid="status-since">since '
        f"{_when(machine.status_since)}</div>\n"
        f"        {criticality}\n"
        "      </div>\n"
        "    </div>"
    )


def _warranty(machine: object, today: object) -> str:
    ends = machine.warranty_end_date
    if not ends:
        return "—"
    if ends >= today:
        return f'<span class="badge text-bg-success">Under warranty</span> until {_day(ends)}'
    return f"Ended {_day(ends)}"


def _plan(machine: object, today: object, pm_step_count: int, can_manage: bool, links: dict) -> str:
    every = machine.pm_interval_days
    if every:
        due = machine.pm_next_due_date
        overdue = (
            ' <span class="badge text-bg-danger">overdue</span>'
            if due is not None and due < today
            else ""
        )
        plan = (
            f"every {_number(every)} days, {_number(pm_step_count)} "
            f"step{'' if pm_step_count == 1 else 's'} · next due <strong>{_day(due)}</strong>"
            f"{overdue}"
        )
    else:
        plan = "no plan"
    if can_manage:
        plan += (
            f' · <a href="{escape(str(links["pm_plan"]))}" data-testid="pm-plan-edit">'
            f"{'change the plan' if every else 'make a plan'}</a>"
        )
    return plan


@register.simple_tag
def machine_facts(
    machine: object, today: object, pm_step_count: int, can_manage: bool, links: dict
) -> SafeString:
    """A machine page's facts: maker and model, serial number, installed, warranty (under it
    until when, or ended), vendor, last serviced, the maintenance plan (and, for `can_manage`,
    the link to change it). Written here: ~40 template lookups and five dates a load."""
    dt, dd = '<dt class="col-5 col-md-4">', '<dd class="col-7 col-md-8"'
    contact = (
        f'<div class="small">{escape(machine.vendor_contact)}</div>'
        if machine.vendor_contact
        else ""
    )
    plan = _plan(machine, today, pm_step_count, can_manage, links)
    return mark_safe(  # noqa: S308 (every value escaped)
        '<div class="card mb-3"><div class="card-body">\n'
        '      <dl class="row mb-0">\n'
        f"        {dt}Manufacturer, model</dt>{dd}>{escape(machine.manufacturer or '—')} "
        f"{escape(machine.model_name)}</dd>\n"
        f"        {dt}Serial number</dt>{dd}>{escape(machine.serial_number or '—')}</dd>\n"
        f"        {dt}Installed</dt>{dd}>{_day(machine.installed_date) or '—'}</dd>\n"
        f'        {dt}Warranty</dt>{dd} data-testid="warranty">{_warranty(machine, today)}</dd>\n'
        f"        {dt}Service vendor</dt>{dd}>{escape(machine.service_vendor or '—')}"
        f"{contact}</dd>\n"
        f"        {dt}Last serviced</dt>{dd}>{_day(machine.last_serviced_date) or '—'}</dd>\n"
        f'        {dt}Preventive maintenance</dt>{dd} data-testid="pm-plan">{plan}</dd>\n'
        "      </dl>\n"
        "    </div></div>"
    )
