"""`{% notification_bell_badge %}` and `{% chat_unread_badge %}`: the bell and the chat badge of
every signed-in page's navigation, written out in Python.

Both are in every page (templates/base.html) and in what a socket pushes when a count changes;
as templates they walked ~60 nodes a page for two numbers. These write the markup the templates
wrote (tests/messaging/test_nav_badges.py, against frozen copies of them), their links reversed
once per script prefix.
"""

from functools import lru_cache
from html import escape

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_OOB = ' hx-swap-oob="true"'
_COUNT = (
    '<span class="position-absolute start-100 translate-middle badge rounded-pill text-bg-danger'
    ' hms-count" data-testid="{testid}">{count}</span>'
)


@lru_cache(maxsize=8)
def _links(prefix: str) -> tuple[str, str, str]:
    """The bell's own address, the notifications page's and the chat list's (under `prefix`,
    the script prefix they were reversed with)."""
    return reverse("notification_bell"), reverse("notification_list"), reverse("chat_list")


def _text(value: object) -> str:
    """A value as `{{ value }}` writes it (a missing one is empty)."""
    return escape(str(value))


@register.simple_tag(takes_context=True)
def notification_bell_badge(context: template.Context) -> SafeString:
    """The bell: how many notifications are unread (`unread_count`) and, apart from them (red,
    with a pin), how many urgent ones wait for acknowledgement (`urgent_waiting`); `oob`: swapped
    in out of band by htmx."""
    bell_url, list_url, _chat = _links(get_script_prefix())
    unread = _value(context, "unread_count")
    waiting = _value(context, "urgent_waiting")
    urgent = ""
    if waiting:
        urgent = (
            f'<a class="btn btn-danger fw-semibold" href="{list_url}#pinned-notifications"'
            f' aria-label="{_text(waiting)} urgent notification{"" if waiting == 1 else "s"}'
            ' waiting for acknowledgement" data-testid="bell-urgent"><i class="bi'
            ' bi-pin-angle-fill" aria-hidden="true"></i><span data-testid="bell-urgent-count">'
            f'{_text(waiting)}</span><span class="d-none d-xxl-inline" aria-hidden="true">'
            " urgent</span></a>"
        )
    count = _COUNT.format(testid="bell-count", count=_text(unread)) if unread else ""
    return mark_safe(  # noqa: S308 (every value escaped above)
        f'<span id="notification-bell" class="d-inline-flex align-items-center gap-2"'
        f' hx-get="{bell_url}" hx-trigger="hms:resync from:body" hx-swap="outerHTML"'
        f""" hx-headers='{{"X-HMS-Background": "1"}}'{_OOB if context.get("oob") else ""}>\n"""
        f"  {urgent}\n"
        f'  <a class="btn btn-outline-light position-relative" href="{list_url}"'
        f' aria-label="Notifications: {_text(unread)} unread" data-testid="bell">\n'
        f'    <i class="bi bi-bell{"-fill" if unread else ""}" aria-hidden="true"></i>\n'
        f"    {count}\n"
        "  </a>\n"
        "</span>"
    )


@register.simple_tag(takes_context=True)
def chat_unread_badge(context: template.Context) -> SafeString:
    """The chat badge: how many chat messages are unread (`chat_unread`); `oob` as the bell's."""
    _bell, _list, chat_url = _links(get_script_prefix())
    unread = _value(context, "chat_unread")
    count = _COUNT.format(testid="chat-unread", count=_text(unread)) if unread else ""
    return mark_safe(  # noqa: S308 (every value escaped above)
        f'<a id="chat-badge" class="btn btn-outline-light position-relative" href="{chat_url}"'
        f'{_OOB if context.get("oob") else ""} aria-label="Chat: {_text(unread)} unread"'
        ' data-testid="chat-badge">\n'
        f'  <i class="bi bi-chat-dots{"-fill" if unread else ""}" aria-hidden="true"></i>\n'
        f"  {count}\n"
        "</a>"
    )


def _value(context: template.Context, name: str) -> object:
    """`name` as the template language reads it: called when callable (the counts the context
    processor gives are, to be counted only when shown); empty when missing."""
    value = context.get(name, "")
    return value() if callable(value) else value
