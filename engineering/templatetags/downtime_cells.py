"""`{% figure_cells f machines %}` and `{% overview_machine_rows rows %}`: the downtime figures'
table cells and the overview's machine rows, written out in Python. The overview lists 50
machines a page with eight figures each; the included template per row cost ~4 ms of its 10
(tests/bench/pages.py --profile). The HTML is what the templates wrote
(tests/engineering/test_downtime_cells.py)."""

from django import template
from django.template.defaultfilters import floatformat
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from hms.links import link_to

register = template.Library()

_DASH = "—"


def _or_dash(value: float | None, places: int, suffix: str = "") -> str:
    return _DASH if value is None else f"{floatformat(value, places)}{suffix}"


@register.simple_tag
def figure_cells(f: object, machines: bool) -> SafeString:
    """The cells of one row of figures: (machines), availability, hours down, failures, MTBF,
    MTTR, PM on time, open requests."""
    if f.pm_compliance is None:
        pm = _DASH
    else:
        pm = format_html(
            '{} % <span class="small text-body-secondary">{}/{}</span>',
            floatformat(f.pm_compliance, 0),
            f.pm_on_time,
            f.pm_due,
        )
    old = f.open_by_age[3]
    return format_html(
        '{}<td class="text-end fw-semibold{}" data-testid="availability">{}</td>'
        '<td class="text-end">{}</td><td class="text-end">{}</td><td class="text-end">{}</td>'
        '<td class="text-end">{}</td><td class="text-end">{}</td><td class="text-end">{}{}</td>',
        format_html('<td class="text-end">{}</td>', f.machines) if machines else "",
        " text-danger" if f.availability is not None and f.availability < 95 else "",
        _or_dash(f.availability, 1, " %"),
        floatformat(f.hours_down, 1),
        f.failures,
        _or_dash(f.mtbf_hours, 1),
        _or_dash(f.mttr_hours, 1),
        pm,
        f.open_requests,
        format_html(
            ' <span class="badge text-bg-danger" title="open over 30 days">{} &gt; 30 d</span>', old
        )
        if old
        else "",
    )


@register.simple_tag
def overview_machine_rows(rows: list) -> SafeString:
    """The overview's rows of machines: name (the link), tag, department, the figures."""
    if not rows:
        return mark_safe(  # noqa: S308 (fixed markup)
            '<tr><td colspan="9" class="text-body-secondary">No machine in the register.</td></tr>'
        )
    link = link_to("machine_detail")
    return format_html_join(
        "\n    ",
        '<tr data-testid="overview-machine" data-tag="{}"><td><a href="{}">{}</a> '
        '<code class="small">{}</code></td><td>{}</td>{}</tr>',
        (
            (
                row.asset_tag,
                link(row.machine_id),
                row.name,
                row.asset_tag,
                row.department or _DASH,
                figure_cells(row.figures, False),
            )
            for row in rows
        ),
    )
