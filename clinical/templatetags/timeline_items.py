"""`{% timeline_items events %}`: the patient's history's entries (clinical.timeline.Event),
written out in Python: the template's loop cost ~400 calls an entry (a date filter and a dozen
lookups), a page holds 25 (tests/bench/pages.py --profile, "history"). The HTML is what the loop
of templates/clinical/patient_history.html wrote (tests/clinical/test_timeline_items.py), every
value escaped as the template escaped it, the joined entries marked safe once."""

from html import escape

from django import template
from django.utils import timezone
from django.utils.safestring import SafeData, SafeString, mark_safe

from hms.dates import date_text

register = template.Library()


def _text(value: object) -> str:
    """A value as {{ value }} writes it: escaped, unless already marked safe."""
    return str(value) if isinstance(value, SafeData) else escape(str(value))


@register.simple_tag
def timeline_items(events: object) -> SafeString:
    """Each event's list item: its icon, its title (a link when it has a page), its time as
    "Mon 23 Nov 2026 14:05" in the hospital's zone, and its detail when it has one."""
    zone = timezone.get_current_timezone()
    items = []
    for event in events:
        title = _text(event.title)
        if event.url:
            title = f'<a href="{_text(event.url)}">{title}</a>'
        detail = (
            f'<div class="text-body-secondary">{_text(event.detail)}</div>' if event.detail else ""
        )
        items.append(
            f'\n  <li class="list-group-item py-3 d-flex gap-3" data-kind="{_text(event.kind)}">\n'
            f'    <i class="bi bi-{_text(event.icon)} fs-4 text-primary" aria-hidden="true"></i>\n'
            '    <div class="flex-grow-1">\n'
            '      <div class="d-flex justify-content-between flex-wrap gap-2">'
            f"<strong>{title}</strong>"
            '<span class="text-body-secondary small text-nowrap">'
            f"{date_text(event.at.astimezone(zone), 'D d M Y H:i')}</span></div>\n"
            f"      {detail}\n"
            "    </div>\n"
            "  </li>\n  "
        )
    return mark_safe("".join(items))  # noqa: S308 (every value escaped)
