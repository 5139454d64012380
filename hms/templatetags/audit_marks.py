"""An audit entry's row (`{% audit_row entry %}`), written out in Python.

The same row is drawn for every entry of the audit viewer's page and, live, for every entry
appended (hms.audit.record publishes it to those watching the viewer): every audited action,
opening a chart included, rendered the row's template once, ~1,300 Python calls, whether
anyone watched or not; the viewer's 50 rows were most of its time (issue 14, session 29). This
writes the markup templates/hms/audit_row.html wrote, every value escaped as `{{ value }}`
escapes it (tests/hms/test_audit_marks.py holds it to a frozen copy of that template).
"""

from functools import lru_cache
from html import escape

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.timezone import template_localtime

from hms.dates import date_text

register = template.Library()


@lru_cache(maxsize=8)
def _viewer(prefix: str) -> str:
    """The audit viewer's address under the script prefix `prefix`."""
    return escape(reverse("audit_list"))


def _text(value: object) -> str:
    return escape(str(value))


def audit_row_html(entry) -> str:
    """One `<tr>` of the audit viewer for `entry` (an AuditEntry), ending with a newline, as the
    template wrote it: its number (a link to it alone), when (the current time zone, "04 Dec
    2026 07:03:56"), who and their role, the action, what and which, the patient (a link to
    their access history), where from, and the change's before and after."""
    number = _text(entry.id)
    when = _text(date_text(template_localtime(entry.at), "d M Y H:i:s"))
    what = _text(entry.object_type)
    if entry.object_id:
        what += f" {_text(entry.object_id)}"
    if entry.object_repr:
        what += f'<div class="small text-body-secondary">{_text(entry.object_repr)}</div>'
    patient = ""
    if entry.patient_id:
        link = escape(reverse("audit_patient", args=[entry.patient_id]))
        patient = (
            f'<a href="{link}" title="This patient\'s access history">'
            f"{_text(Truncator(entry.patient_id).chars(9))}</a>"
        )
    where = _text(entry.ip)
    if entry.user_agent:
        agent = _text(entry.user_agent)
        where += (
            f'<div class="text-body-secondary text-truncate audit-agent" title="{agent}">'
            f"{agent}</div>"
        )
    change = ""
    if entry.before or entry.after:
        before = (
            f"<div><strong>before</strong> <code>{_text(entry.before)}</code></div>"
            if entry.before
            else ""
        )
        after = (
            f"<div><strong>after</strong> <code>{_text(entry.after)}</code></div>"
            if entry.after
            else ""
        )
        change = f"<details><summary>show</summary>{before}{after}</details>"
    return (
        "<tr>\n"
        f'  <td><a href="{_viewer(get_script_prefix())}?entry={number}">{number}</a></td>\n'
        f'  <td class="text-nowrap">{when}</td>\n'
        f"  <td>{_text(entry.actor_username or 'system')}</td>\n"
        f'  <td class="small">{_text(entry.actor_role)}</td>\n'
        f"  <td><code>{_text(entry.action)}</code></td>\n"
        f"  <td>{what}</td>\n"
        f'  <td class="small">{patient}</td>\n'
        f'  <td class="small">{where}</td>\n'
        f'  <td class="small">{change}</td>\n'
        "</tr>\n"
    )


@register.simple_tag
def audit_row(entry) -> SafeString:
    """`{% audit_row entry %}`: the audit viewer's row of `entry` (see audit_row_html)."""
    return mark_safe(audit_row_html(entry))  # noqa: S308 (every value escaped)
