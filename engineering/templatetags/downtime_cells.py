"""`{% figure_cells f machines %}`, `{% overview_machine_rows rows %}`,
`{% overview_department_rows departments %}`, `{% overview_totals total %}` and
`{% figures_table columns %}`: the downtime figures' table cells, the overview's machine and
department rows and the hospital's cards, and a machine page's figures side by side, written out
in Python. The overview lists 50 machines a
page with eight figures each; the included template per row cost ~4 ms of its 10
(tests/bench/pages.py --profile). The HTML is what the templates wrote
(tests/engineering/test_downtime_cells.py)."""

from decimal import ROUND_HALF_UP, Decimal
from html import escape

from django import template
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import floatformat
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe

from hms.links import link_to

register = template.Library()

_DASH = "—"
_STEPS = {places: Decimal(1).scaleb(-places) for places in range(3)}


def _places(value: float, places: int, separator: str | None = None) -> str:
    """`floatformat(value, places)` (places 0 to 2) of a figure: the same half-up rounding of
    the number as written and the language's decimal separator, without the filter's checks and
    formatting context per call; the overview's page writes ~250 figures, and floatformat was
    half its cells' time (issue 14; tests/engineering/test_downtime_cells.py holds the two
    equal). A number grouped by thousands, or too large or not finite, goes to floatformat."""
    if settings.USE_THOUSAND_SEPARATOR or not -1e12 < value < 1e12:
        return floatformat(value, places)
    rounded = Decimal(repr(value)).quantize(_STEPS[places], ROUND_HALF_UP)
    written = f"{rounded if rounded else abs(rounded):f}"  # floatformat writes no "-0.0"
    if not places:
        return written
    return written.replace(".", get_format("DECIMAL_SEPARATOR") if separator is None else separator)


def _or_dash(
    value: float | None, places: int, suffix: str = "", separator: str | None = None
) -> str:
    return _DASH if value is None else f"{_places(value, places, separator)}{suffix}"


@register.simple_tag
def figure_cells(f: object, machines: bool) -> SafeString:
    """The cells of one row of figures: (machines), availability, hours down, failures, MTBF,
    MTTR, PM on time, open requests. Every value is a count or a number `_places` wrote (digits
    and a decimal separator), so the row is put together without escaping each."""
    return mark_safe(_figure_cells(f, machines, get_format("DECIMAL_SEPARATOR")))  # noqa: S308


def _figure_cells(f: object, machines: bool, separator: str) -> str:
    """figure_cells' HTML, the language's decimal separator read once by the caller."""
    if f.pm_compliance is None:
        pm = _DASH
    else:
        pm = (
            f'{_places(f.pm_compliance, 0)} % <span class="small text-body-secondary">'
            f"{f.pm_on_time:d}/{f.pm_due:d}</span>"
        )
    old = f.open_by_age[3]
    below = f.availability is not None and f.availability < 95
    # Fixed markup, counts and written numbers: nothing to escape.
    return (
        (f'<td class="text-end">{f.machines:d}</td>' if machines else "")
        + f'<td class="text-end fw-semibold{" text-danger" if below else ""}"'
        f' data-testid="availability">{_or_dash(f.availability, 1, " %", separator)}</td>'
        f'<td class="text-end">{_places(f.hours_down, 1, separator)}</td>'
        f'<td class="text-end">{f.failures:d}</td>'
        f'<td class="text-end">{_or_dash(f.mtbf_hours, 1, "", separator)}</td>'
        f'<td class="text-end">{_or_dash(f.mttr_hours, 1, "", separator)}</td>'
        f'<td class="text-end">{pm}</td>'
        f'<td class="text-end">{f.open_requests:d}'
        + (
            f' <span class="badge text-bg-danger" title="open over 30 days">{old:d} &gt; 30 d</span>'
            if old
            else ""
        )
        + "</td>"
    )


_NO_MACHINE = (
    '<tr><td colspan="9" class="text-body-secondary">No machine in the register.</td></tr>'
)


@register.simple_tag
def overview_machine_rows(rows: list) -> SafeString:
    """The overview's rows of machines: name (the link), tag, department, the figures."""
    if not rows:
        return mark_safe(_NO_MACHINE)  # noqa: S308 (fixed markup)
    link = link_to("machine_detail")
    separator = get_format("DECIMAL_SEPARATOR")
    lines = []
    for row in rows:
        tag = escape(row.asset_tag)
        lines.append(
            f'<tr data-testid="overview-machine" data-tag="{tag}"><td>'
            f'<a href="{escape(link(row.machine_id))}">{escape(row.name)}</a> '
            f'<code class="small">{tag}</code></td><td>{escape(row.department or _DASH)}</td>'
            f"{_figure_cells(row.figures, False, separator)}</tr>"
        )
    return mark_safe("\n    ".join(lines))  # noqa: S308 (every value escaped, the cells written)


@register.simple_tag
def overview_department_rows(departments: list) -> SafeString:
    """The overview's rows of departments, as (name, Figures): the name, then every figure
    with the number of machines."""
    if not departments:
        return mark_safe(_NO_MACHINE)  # noqa: S308 (fixed markup)
    separator = get_format("DECIMAL_SEPARATOR")
    return mark_safe(  # noqa: S308 (every name escaped, the cells written)
        "".join(
            f'\n    <tr data-testid="department-row"><td>{escape(str(name))}</td>'
            f"{_figure_cells(f, True, separator)}</tr>\n  "
            for name, f in departments
        )
    )


_FIGURE_ROWS = [
    ("Availability", 'class="text-end fw-semibold" data-testid="availability"'),
    ("Hours not operational", 'class="text-end" data-testid="hours-down"'),
    ("Failures (out of order)", 'class="text-end" data-testid="failures"'),
    (
        '<abbr title="Mean operating time between failures: operational hours / failures">'
        "MTBF</abbr>",
        'class="text-end"',
    ),
    (
        '<abbr title="Mean time to restoration: from out of order to operational again, over the'
        ' restorations completed in the period">MTTR</abbr>',
        'class="text-end"',
    ),
    ("Preventive maintenance on time", 'class="text-end"'),
    ("Open requests at the end", 'class="text-end"'),
]


def _figure_values(f: object, separator: str) -> list[str]:
    """A column's cells, each written and escaped (numbers, a dash, and PM's "n % (a of b)")."""
    pm = (
        _DASH
        if f.pm_compliance is None
        else (
            f"{escape(_places(f.pm_compliance, 0, separator))} % "
            f'<span class="small text-body-secondary">({escape(str(f.pm_on_time))} of '
            f"{escape(str(f.pm_due))})</span>"
        )
    )
    return [
        escape(_or_dash(f.availability, 1, " %", separator)),
        escape(_places(f.hours_down, 1, separator)),
        escape(str(f.failures)),
        escape(_or_dash(f.mtbf_hours, 1, " h", separator)),
        escape(_or_dash(f.mttr_hours, 1, " h", separator)),
        pm,
        escape(str(f.open_requests)),
    ]


@register.simple_tag
def figures_table(columns: list) -> SafeString:
    """Downtime figures side by side: `columns` is a list of (heading, Figures). Written with
    f-strings (format_html escaped each of its ~20 values at ~15 calls apiece)."""
    separator = get_format("DECIMAL_SEPARATOR")
    values = [_figure_values(f, separator) for _heading, f in columns]
    head = "".join(
        f'<th scope="col" class="text-end">{escape(str(heading))}</th>' for heading, _f in columns
    )
    rows = "".join(
        f'\n    <tr><th scope="row" class="fw-normal">{heading}</th>'
        + "".join(f"<td {attrs}>{column[n]}</td>" for column in values)
        + "</tr>"
        for n, (heading, attrs) in enumerate(_FIGURE_ROWS)
    )
    return mark_safe(  # noqa: S308 (every value escaped, the headings fixed markup)
        '<div class="table-responsive">\n<table class="table table-sm mb-0 align-middle"'
        ' data-testid="figures">\n  <thead><tr><th scope="col"><span class="visually-hidden">'
        f"Figure</span></th>{head}</tr></thead>\n  <tbody>{rows}\n  </tbody>\n</table>\n</div>\n"
    )


def _dash_or(value: float | None, places: int, suffix: str, separator: str) -> str:
    return _DASH if value is None else f"{_places(value, places, separator)}{suffix}"


def _card(width: str, heading: str, figure: str, below: str, testid: str = "") -> str:
    return (
        f'  <div class="{width}"><div class="card h-100"><div class="card-body p-2">'
        f'<div class="small text-body-secondary">{heading}</div>'
        f'<div class="fs-3 fw-semibold"{testid}>{figure}</div>{below}</div></div></div>\n'
    )


@register.simple_tag
def overview_totals(total: object) -> SafeString:
    """The overview's five cards of the hospital's figures: availability (and how many
    machines), hours not operational (failures), MTBF · MTTR (restored), PM on time, and the
    requests open at the end by age."""
    separator = get_format("DECIMAL_SEPARATOR")
    machines = total.machines
    ages = " · ".join(f"{escape(str(label))}: {n}" for label, n in total.open_ages)
    quarter = "col-6 col-md-3 col-xl"
    return mark_safe(  # noqa: S308 (fixed markup, counts, written numbers and escaped words)
        '\n<div class="row g-2 mb-3" data-testid="overview-total">\n'
        + _card(
            quarter,
            "Availability",
            _dash_or(total.availability, 1, " %", separator),
            f'<div class="small">{escape(str(intcomma(machines)))} machine'
            f"{'' if machines == 1 else 's'}</div>",
            ' data-testid="total-availability"',
        )
        + _card(
            quarter,
            "Hours not operational",
            _places(total.hours_down, 1, separator),
            f'<div class="small">{total.failures} failure'
            f"{'' if total.failures == 1 else 's'}</div>",
        )
        + _card(
            quarter,
            '<abbr title="Mean operating time between failures">MTBF</abbr> · '
            '<abbr title="Mean time to restoration">MTTR</abbr>',
            f"{_dash_or(total.mtbf_hours, 0, ' h', separator)} · "
            f"{_dash_or(total.mttr_hours, 1, ' h', separator)}",
            f'<div class="small">{total.restorations} restored</div>',
        )
        + _card(
            quarter,
            "Preventive maintenance on time",
            _dash_or(total.pm_compliance, 0, " %", separator),
            f'<div class="small">{total.pm_on_time} of {total.pm_due} due</div>',
        )
        + _card(
            "col-12 col-md-12 col-xl",
            "Requests open at the end, by age",
            f"{total.open_requests}",
            f'<div class="small" data-testid="total-ages">{ages}</div>',
        )
        + "</div>\n"
    )
