"""`{% live_panel %}`: the one wrapper of every panel that refreshes itself live.

    {% url 'doctor_today' as today_url %}
    {% live_panel id="today-%s" of=doctor.pk url=today_url q_doctor=doctor.pk
                  event="hms:today-changed-%s" testid="today-list" %}...{% endlive_panel %}

renders templates/hms/live_panel.html around the content: the panel fetches `url` again (in the
background: X-HMS-Background, so the fetch neither counts as activity nor shows errors) when its
event arrives (a service published it to a topic the page joined, see <app>/live.py) and when the
socket reconnects (`hms:resync`). `%s` in `id` and `event` is replaced by `of`; `q_<name>=value`
adds `?name=value` to the url (when the value is set), `query` a ready-made query string.
`event` may name several events, comma-separated (a panel showing beds and vitals); `every`
("60s") also refetches on a timer, for a panel whose content ages by itself (what is overdue).
"""

from typing import Any
from urllib.parse import urlencode

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_block_tag
def live_panel(
    content: str,
    *,
    id: str,  # noqa: A002 (the element's id, as in HTML)
    url: str,
    event: str,
    of: Any = None,
    query: str = "",
    select: str = "",
    swap: str = "outerHTML",
    load: bool = False,
    paused: bool = False,
    css: str = "",
    testid: str = "",
    polite: bool = False,
    every: str = "",
    **params: Any,
) -> str:
    if of is not None:
        id, event = id.replace("%s", str(of)), event.replace("%s", str(of))
    pairs = {
        name.removeprefix("q_"): value
        for name, value in params.items()
        if name.startswith("q_") and value not in (None, "")
    }
    if unknown := [name for name in params if not name.startswith("q_")]:
        raise template.TemplateSyntaxError(f"live_panel does not take {', '.join(unknown)}")
    query = "&".join(part for part in (query, urlencode(pairs)) if part)
    # The template escapes what it shows (the content came rendered); strip() drops the mark.
    html = render_to_string(
        "hms/live_panel.html",
        {
            "id": id,
            "url": f"{url}?{query}" if query else url,
            "event": event,
            "triggers": [name.strip() for name in event.split(",") if name.strip()],
            "every": every,
            "select": select,
            "swap": swap,
            "load": load,
            "paused": paused,
            "css": css,
            "testid": testid,
            "polite": polite,
            "content": content,
        },
    )
    return mark_safe(html.strip())  # noqa: S308
