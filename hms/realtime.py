"""Real-time: publish rendered HTML fragments to websocket groups, after the change commits.

A fragment is HTML whose top-level elements carry `hx-swap-oob` (and an id), so htmx's ws
extension swaps it into every open page of the group. Events are hints: pages re-fetch what they
show when their socket reconnects, the database stays the truth.

Groups: `user.<id>` and `role.<role>` are joined by every socket of that user; topic groups
(`beds`, `thread.<id>`, ...) only after the page's own permission check (messaging.topics).
"""

import asyncio
import logging
import re
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

# Channels group names: ASCII letters, digits, hyphens, underscores, periods; under 100 chars.
GROUP_NAME = re.compile(r"^[A-Za-z0-9._-]{1,99}$")


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def role_group(role: str) -> str:
    return f"role.{role}"


def render_fragment(template: str, context: dict[str, Any] | None = None) -> str:
    """Render a template or a named partial (`"page.html#rows"`) to HTML."""
    return render_to_string(template, context or {})


def publish(group: str, template: str, context: dict[str, Any] | None = None) -> None:
    """Render now, send when the surrounding transaction commits (never for a rolled-back one)."""
    publish_html(group, render_fragment(template, context))


def publish_html(group: str, html: str) -> None:
    if not GROUP_NAME.match(group):
        raise ValueError(f"Not a valid group name: {group!r}")
    transaction.on_commit(lambda: send_now(group, {"type": "fragment", "html": html}))


# The event loop serving the websockets of this process (remembered by the consumer). The
# in-memory layer's queues belong to it: a thread of our own (a Huey worker of the embedded mode)
# must hand its messages to that loop, or they wait until the loop happens to wake up.
_server_loop: asyncio.AbstractEventLoop | None = None


def remember_server_loop(loop: asyncio.AbstractEventLoop) -> None:
    global _server_loop
    _server_loop = loop


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def send_now(group: str, message: dict[str, Any]) -> bool:
    """Send a message to a group at once. A failing layer (Redis down) is logged, not raised:
    the user's action has already been saved, and the page shows it on its next load."""
    layer = get_channel_layer()
    loop = _server_loop
    try:
        if (
            isinstance(layer, InMemoryChannelLayer)
            and loop is not None
            and loop.is_running()
            and _running_loop() is not loop
        ):
            asyncio.run_coroutine_threadsafe(layer.group_send(group, message), loop).result(5)
        else:
            async_to_sync(layer.group_send)(group, message)
    except Exception:
        logger.exception("realtime: could not publish to %s", group)
        return False
    return True


def end_sessions(user_id: int, session_key: str | None = None) -> None:
    """Close the user's open sockets: those of one session (sign-out), or all (deactivation)."""
    transaction.on_commit(
        lambda: send_now(
            user_group(user_id), {"type": "session.end", "session_key": session_key or ""}
        )
    )
