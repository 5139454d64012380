"""Helpers for browser tests of live updates: a second signed-in person, the page's socket state,
and server-side actions run the way a request would run them.

Not a conftest: the harness (tests/e2e/conftest.py) is shared; these are imported explicitly.
"""

import re
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.db import connection
from playwright.sync_api import expect

from tests.e2e.conftest import (
    DESKTOP_VIEWPORT,
    FAILURE_SCREENSHOTS,
    SERVER,
    TABLET_VIEWPORT,
    TIMEOUT_MS,
    arrive,
    login,
)
from tests.factories import PASSWORD

DASHBOARD = re.compile(r"/dashboard/$")

# The page records the state of its one live socket on <html data-test-live="open|closed">, so a
# test can wait until the socket has joined its groups before it makes something happen.
# (Test instrumentation injected by Playwright, not part of the page.)
SOCKET_STATE_SCRIPT = """
document.addEventListener("htmx:wsOpen", function () {
  document.documentElement.setAttribute("data-test-live", "open");
});
document.addEventListener("htmx:wsClose", function () {
  document.documentElement.setAttribute("data-test-live", "closed");
});
"""

# Reconnecting after a dropped connection: the htmx ws extension backs off with full jitter
# (up to 2^n seconds), so allow more than the default wait.
RECONNECT_TIMEOUT_MS = 20_000


class LiveConnectionSwitch:
    """Cut a page's live socket the way a network failure does, and restore it.

    Chromium's offline emulation (`context.set_offline`) fails new requests but leaves an open
    websocket alone, so the page would never notice. Here the page's /ws/ socket runs through
    Playwright's websocket routing (passing everything through to the real server) and `cut()`
    ends it with an abnormal closure (1006), as a dropped network does; until `restore()`, every
    reconnection attempt fails the same way. Create it before the page opens its socket.
    """

    ABNORMAL_CLOSURE = 1006

    def __init__(self, page) -> None:
        self.down = False
        self.open_routes: list = []
        page.route_web_socket(re.compile(r"/ws/"), self._route)

    def _route(self, ws) -> None:
        if self.down:
            ws.close(code=self.ABNORMAL_CLOSURE, reason="network unreachable")
            return
        server = ws.connect_to_server()
        ws.on_close(lambda code, reason: server.close())
        server.on_close(
            lambda code, reason: None if self.down else ws.close(code=code, reason=reason)
        )
        self.open_routes.append(ws)

    def cut(self) -> None:
        self.down = True
        for ws in self.open_routes:
            ws.close(code=self.ABNORMAL_CLOSURE, reason="network unreachable")
        self.open_routes.clear()

    def restore(self) -> None:
        self.down = False


def watch_socket(context) -> None:
    context.add_init_script(SOCKET_STATE_SCRIPT)


def expect_live(page, timeout: int = TIMEOUT_MS) -> None:
    """Wait until the page's socket is open (and so has joined its user, role and topic groups)."""
    expect(page.locator("html")).to_have_attribute("data-test-live", "open", timeout=timeout)


def sign_in(page, base_url: str, user) -> None:
    """Sign `user` in (roles without a second factor) and wait for the dashboard."""
    login(page, base_url, user.username, PASSWORD)
    arrive(page, DASHBOARD)


def path_of(page) -> str:
    return urlparse(page.url).path


def run_elsewhere(action: Callable[[], object]) -> object:
    """Run a server-side action on its own thread, as a request or a background task would.

    The test's thread hosts Playwright's event loop, where asgiref refuses async_to_sync, so a
    service publishing from here would only log an error; another thread publishes for real.
    """
    outcome: dict[str, object] = {}

    def work() -> None:
        try:
            outcome["value"] = action()
        except BaseException as error:  # handed back to the test below
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=work, name="e2e-server-side")
    thread.start()
    thread.join(timeout=120)
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome.get("value")


class Browsers:
    """More people at once: each `open(...)` is a fresh browser context (its own cookies) with the
    socket watcher, console-error checking and a screenshot when the test fails."""

    def __init__(self, request, browser, browser_errors) -> None:
        self.request = request
        self.browser = browser
        self.browser_errors = browser_errors
        self.pages: list[tuple[str, object]] = []

    def open(self, name: str, *, tablet: bool = False):
        options = (
            {"viewport": TABLET_VIEWPORT, "has_touch": True, "is_mobile": True}
            if tablet
            else {"viewport": DESKTOP_VIEWPORT}
        )
        context = self.browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        watch_socket(context)
        page = context.new_page()
        self.browser_errors.watch(page)
        self.pages.append((name, page))
        return page

    def close(self) -> None:
        node = self.request.node
        failed = any(
            getattr(node, f"rep_{when}", None) is not None and getattr(node, f"rep_{when}").failed
            for when in ("setup", "call")
        )
        keep = failed or bool(self.browser_errors.unexpected())
        for name, page in self.pages:
            if keep:
                FAILURE_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                safe = re.sub(r"[^A-Za-z0-9_.\[\]-]+", "_", f"{node.name}-{name}")
                try:
                    page.screenshot(path=str(Path(FAILURE_SCREENSHOTS) / f"{safe}.png"))
                except Exception as error:  # a crashed page must not hide the others
                    print(f"No screenshot of {name}: {error}")
        for _name, page in self.pages:
            page.context.close()
        SERVER.wait_idle()
        unexpected = self.browser_errors.unexpected()
        if unexpected:
            pytest.fail("The browser reported errors:\n" + "\n".join(unexpected))


def browsers_fixture(request, live_server_url, browser, browser_errors):
    """Body of a `browsers` fixture (define it in the test module: fixtures live where used)."""
    people = Browsers(request, browser, browser_errors)
    try:
        yield people
    finally:
        people.close()
