"""Real-time: publish rendered HTML fragments to websocket groups, after the change commits.

A fragment is HTML whose top-level elements carry `hx-swap-oob` (and an id), so htmx's ws
extension swaps it into every open page of the group. Events are hints: pages re-fetch what they
show when their socket reconnects, the database stays the truth.

Groups: `user.<id>` and `role.<role>` are joined by every socket of that user; topic groups
(`beds`, `thread.<id>`, ...) only after the page's own permission check (messaging.topics).
"""

import asyncio
import logging
import os
import re
import threading
from collections.abc import Awaitable, Callable
from typing import Any

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


def publish(
    group: str,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    api_event: dict[str, Any] | None = None,
) -> None:
    """Render now, send when the surrounding transaction commits (never for a rolled-back one).

    `api_event` is what the API's socket (/ws/api/, a mobile app) sends for the same change
    instead of the HTML: a JSON object with a "type" (plain values only: the channel layer
    carries it as msgpack). Without one the app is sent {"type": "changed"}."""
    publish_html(group, render_fragment(template, context), api_event=api_event)


def publish_html(group: str, html: str, *, api_event: dict[str, Any] | None = None) -> None:
    if not GROUP_NAME.match(group):
        raise ValueError(f"Not a valid group name: {group!r}")
    message: dict[str, Any] = {"type": "fragment", "html": html}
    if api_event is not None:
        message["api"] = api_event
    transaction.on_commit(lambda: send_now(group, message))


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


# This process's own event loop for talking to the channel layer from synchronous code (a
# gunicorn worker, a Huey task, the test client): one daemon thread, started on first use and
# again after a fork. async_to_sync made a new thread and event loop for every message, and
# channels-redis keeps its connections per event loop, so each message also opened a new Redis
# connection: ~2 ms a message with Redis, ~1.7 ms with the in-memory layer (the thread alone);
# now ~0.1 ms (tests/bench/pages.py; docs/BENCHMARKS.md).
_sender: tuple[int, asyncio.AbstractEventLoop] | None = None
_sender_lock = threading.Lock()


def _sender_loop() -> asyncio.AbstractEventLoop:
    global _sender
    with _sender_lock:
        if _sender is None or _sender[0] != os.getpid() or _sender[1].is_closed():
            loop = asyncio.new_event_loop()
            started = threading.Event()
            loop.call_soon(started.set)
            threading.Thread(
                target=loop.run_forever, name="hms-realtime-sender", daemon=True
            ).start()
            started.wait(5)
            _sender = (os.getpid(), loop)
        return _sender[1]


def _layer_loop() -> asyncio.AbstractEventLoop:
    """The loop the channel layer's calls belong on: the server's, when the in-memory layer's
    sockets live there and it runs, else this process's sender loop."""
    loop = _server_loop
    if isinstance(get_channel_layer(), InMemoryChannelLayer) and loop and loop.is_running():
        return loop
    return _sender_loop()


def run_on_layer_loop(coroutine: Awaitable, timeout: float = 5) -> Any:
    """Run `coroutine` (a channel layer call) to its end from synchronous code and return its
    result: on the server's loop when the in-memory layer's sockets live there, else on this
    process's sender loop. Raises what the coroutine raises, or TimeoutError after `timeout`
    seconds. Not for use from inside a running event loop (await the coroutine there)."""
    loop = _layer_loop()
    if loop is _running_loop():  # waiting on the loop this thread runs would never end
        loop = _sender_loop()
    return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout)


# Sends handed to the running loop of the thread that asked (send_now), until they are done.
_handed_over: set[asyncio.Task] = set()


def _report_failure(group: str) -> Callable[[asyncio.Future], None]:
    def report(sent: asyncio.Future) -> None:
        if not sent.cancelled() and sent.exception() is not None:
            logger.error("realtime: could not publish to %s", group, exc_info=sent.exception())

    return report


def send_now(group: str, message: dict[str, Any]) -> bool:
    """Send a message to a group at once. A failing layer (Redis down) is logged, not raised:
    the user's action has already been saved, and the page shows it on its next load.

    From a thread whose own event loop is running (synchronous code called inside async code,
    or Playwright's synchronous API in the browser tests) the send cannot be waited for there:
    it is handed to the layer's loop and goes out in order after what is already queued; a
    failure is logged when it happens (True then means "handed over")."""
    layer = get_channel_layer()
    try:
        running = _running_loop()
        if running is None:
            run_on_layer_loop(layer.group_send(group, message))
            return True
        loop = _layer_loop()
        if loop is running:
            task = running.create_task(layer.group_send(group, message))
            _handed_over.add(task)  # the loop holds tasks weakly: kept until sent
            task.add_done_callback(_handed_over.discard)
            task.add_done_callback(_report_failure(group))
        else:
            sent = asyncio.run_coroutine_threadsafe(layer.group_send(group, message), loop)
            sent.add_done_callback(_report_failure(group))
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
