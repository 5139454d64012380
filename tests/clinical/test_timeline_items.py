"""The patient's history's entries are written out in Python (`{% timeline_items %}`,
clinical/templatetags/timeline_items.py): the same HTML the template's loop wrote, with and
without a link or a detail, whatever a title holds, in the hospital's zone and another."""

from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from clinical.timeline import Event

# The loop the tag replaced, as it was (templates/clinical/patient_history.html, "page").
LOOP = (
    "{% for event in events %}\n"
    '  <li class="list-group-item py-3 d-flex gap-3" data-kind="{{ event.kind }}">\n'
    '    <i class="bi bi-{{ event.icon }} fs-4 text-primary" aria-hidden="true"></i>\n'
    '    <div class="flex-grow-1">\n'
    '      <div class="d-flex justify-content-between flex-wrap gap-2"><strong>{% if event.url'
    ' %}<a href="{{ event.url }}">{{ event.title }}</a>{% else %}{{ event.title }}{% endif'
    ' %}</strong><span class="text-body-secondary small text-nowrap">{{ event.at|date:"D d M Y'
    ' H:i" }}</span></div>\n'
    '      {% if event.detail %}<div class="text-body-secondary">{{ event.detail }}</div>{% endif'
    " %}\n"
    "    </div>\n"
    "  </li>\n"
    "  {% endfor %}"
)
OURS = "{% load timeline_items %}{% timeline_items events %}"


def _events() -> list[Event]:
    start = datetime(2026, 11, 30, 20, 45, tzinfo=UTC)  # Monday night, Tuesday in Nairobi
    return [
        Event(
            at=start - timedelta(hours=5 * n, minutes=7 * n),
            kind=["encounter", "vitals", "state<x>", "lab"][n % 4],
            icon=["clipboard2-pulse", "heart-pulse", 'a"b'][n % 3],
            title=f'Consultation with Dr O\'Neil <b>{n}</b> & "friends"',
            detail=["", f"BP 120/80 · NEWS2 {n} <i>", mark_safe("<em>kept</em>")][n % 3],
            url=["", f"/appointments/consultations/{n}/?a=1&b=<2>"][n % 2],
        )
        for n in range(14)
    ]


@pytest.mark.parametrize("zone", ["UTC", "Africa/Nairobi"])
@pytest.mark.parametrize("language", ["en-gb", "fr"])
def test_the_entries_are_the_html_the_loop_wrote(zone, language):
    context = {"events": _events()}
    with timezone.override(zone), translation.override(language):
        assert Template(OURS).render(Context(context)) == Template(LOOP).render(Context(context))


def test_no_entries_write_nothing():
    assert Template(OURS).render(Context({"events": []})) == ""
