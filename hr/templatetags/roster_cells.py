"""`{% roster_rows grid %}` and `{% roster_cell cell saved %}`: the roster's rows and cells,
written out in Python. A week of 25 people is 175 cells, each a form with its shift select and
status; the template's ~60 lookups, two URL reversals and an include a cell were ~20 ms of the
page's ~29 ms CPU (tests/bench/pages.py --profile). The HTML is what the template wrote
(tests/hr/test_roster_cells.py)."""

import html
from datetime import date

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from hr.templatetags.attendance_marks import date_words, role_words, status_html
from hr.templatetags.hr_links import address

register = template.Library()


# The text of a SafeString as a plain str (the caller marks the whole cell or row safe).
_plain = str.__str__


class _Page:
    """What every cell of one page shares: the form's action, the CSRF field, the way back."""

    def __init__(self, context: template.Context) -> None:
        # As plain text: a SafeString in an f-string calls its __str__ (Python), each cell.
        self.action = _plain(address("roster_cell"))
        self.csrf = _plain(CsrfTokenNode().render(context))
        request = context.get("request")
        self.back = _plain(escape(request.get_full_path())) if request is not None else ""
        self._options: dict[int, list[tuple[int, str, str]]] = {}
        self._chosen: dict[tuple[int, int | None], str] = {}
        self._days: dict[date, tuple[str, str, str]] = {}
        self.language = get_language()

    def day(self, day: date) -> tuple[str, str, str]:
        """The day as the cell writes it (20261123, 2026-11-23, Mon 23 Nov), once a page."""
        written = self._days.get(day)
        if written is None:
            written = self._days[day] = (
                f"{day:%Y%m%d}",
                f"{day:%Y-%m-%d}",
                date_words(day, "D d M", self.language),
            )
        return written

    def options(self, shifts: list, chosen: int | None) -> str:
        """The shifts' options, `chosen` selected; each choice's options written once a page."""
        joined = self._chosen.get((id(shifts), chosen))
        if joined is None:
            joined = self._chosen[id(shifts), chosen] = self._options_of(shifts, chosen)
        return joined

    def _options_of(self, shifts: list, chosen: int | None) -> str:
        written = self._options.get(id(shifts))
        if written is None:
            written = self._options[id(shifts)] = []
            for shift in shifts:
                # As format_html wrote them (a name read from the database is never marked safe).
                value, name = html.escape(str(shift.pk)), html.escape(str(shift.name))
                written.append(
                    (
                        shift.pk,
                        f'<option value="{value}">{name}</option>',
                        f'<option value="{value}" selected>{name}</option>',
                    )
                )
        return "".join(selected if pk == chosen else plain for pk, plain, selected in written)


def _cell(
    page: _Page,
    cell: dict,
    saved: bool,
    name: str | None = None,
    pk: int | None = None,
    refusal: str = "",
) -> str:
    """A cell; `name`: the person's full name escaped, and `pk` their id, when the row has
    them already; `refusal`: why the shift chosen was not saved, said under the select."""
    person, day, entry, matched = cell["person"], cell["day"], cell["entry"], cell["matched"]
    compact, iso, said = page.day(day)
    if pk is None:
        pk = person.pk
    key = f"{pk}-{compact}"
    if name is None:
        name = html.escape(person.get_full_name())
    status = f'<div class="small mt-1">{status_html(matched)}</div>' if matched else ""
    green = ' class="table-success"' if saved else ""
    invalid, said_why = "", ""
    if refusal:
        invalid = f' is-invalid" aria-describedby="why-{key}'
        said_why = (
            f'\n        <div class="invalid-feedback" id="why-{key}">{html.escape(refusal)}</div>'
        )
    return (
        f'<td id="cell-{key}" data-testid="cell-{pk}-{iso}"{green}>\n'
        f'      <form method="post" action="{page.action}" hx-post="{page.action}"'
        ' hx-trigger="change" hx-target="closest td" hx-swap="outerHTML">'
        f"{page.csrf}\n"
        f'        <input type="hidden" name="user" value="{pk}">'
        f'<input type="hidden" name="day" value="{iso}">'
        f'<input type="hidden" name="next" value="{page.back}">\n'
        f'        <label class="visually-hidden" for="shift-{key}">Shift of'
        f" {name} on {said}</label>\n"
        f'        <select class="form-select form-select-sm{invalid}" name="shift" id="shift-{key}">\n'
        '          <option value="">Day off</option>\n'
        f"          {page.options(cell['shifts'], entry.shift_id if entry else None)}\n"
        f"        </select>{said_why}\n"
        '        <noscript><button class="btn btn-sm btn-outline-primary mt-1" type="submit">'
        "Save</button></noscript>\n"
        "      </form>\n"
        f"      {status}\n"
        "    </td>"
    )


@register.simple_tag(takes_context=True)
def roster_cell(
    context: template.Context, cell: dict, saved: bool = False, refusal: str = ""
) -> SafeString:
    """One cell: the person's shift that day in a select that saves itself, and the day's
    status once matched; `saved` marks it green (htmx swaps it in after a save), `refusal` says
    under the select why a choice was not saved."""
    return mark_safe(_cell(_Page(context), cell, saved, refusal=refusal))  # noqa: S308 (escaped)


@register.simple_tag(takes_context=True)
def roster_rows(context: template.Context, grid: list) -> SafeString:
    """The grid's rows: a person (name, role, department) and a cell per day."""
    if not grid:
        return mark_safe(  # noqa: S308 (constant)
            '<tr><td colspan="8" class="text-body-secondary">No staff in this department.</td></tr>'
        )
    page = _Page(context)
    rows = []
    for person, cells in grid:
        department = f" · {html.escape(str(person.department))}" if person.department else ""
        full_name, pk = person.get_full_name(), person.pk
        name = html.escape(full_name)
        rows.append(
            '<tr data-testid="roster-row"><th scope="row" class="fw-normal">'
            f'<span class="fw-semibold">{name if full_name else html.escape(person.username)}'
            '</span><br><span class="small text-body-secondary">'
            f"{role_words(person.role, page.language)}{department}</span></th>\n    "
            + "".join([_cell(page, cell, False, name, pk) for cell in cells])
            + "\n  </tr>"
        )
    return mark_safe("\n  ".join(rows))  # noqa: S308 (every value escaped)


@register.simple_tag
def roster_days(days: list[date], today: date) -> SafeString:
    """The grid's heading cells: each day ("Mon 23"), today's marked."""
    language = get_language()
    return mark_safe(  # noqa: S308 (dates written by Django's format)
        "".join(
            [
                f'<th class="text-nowrap{" table-primary" if day == today else ""}">'
                f"{date_words(day, 'D d', language)}</th>"
                for day in days
            ]
        )
    )
