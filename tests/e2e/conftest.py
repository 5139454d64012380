"""Browser-test harness: the ASGI app on a live uvicorn server, Debian's Chromium through Playwright.

Tests that use the live server must use `transactional_db`: the server thread sees only committed
rows. On SQLite the test database is a file (settings DATABASES TEST NAME), so the server thread
and the test share it; on PostgreSQL they share the test database as any two clients would.
"""

import asyncio
import os
import re
import shutil
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
import uvicorn
from django.db.backends.signals import connection_created
from django.utils import timezone
from django_otp.oath import hotp, totp
from playwright.sync_api import expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
REPO_ROOT = Path(__file__).resolve().parents[2]
FAILURE_SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
# When set, `snapshot(page, name)` keeps screenshots of notable screens there (for a human to
# look at); otherwise it does nothing.
SNAPSHOT_DIR_ENV = "HMS_E2E_SNAPSHOT_DIR"
DESKTOP_VIEWPORT = {"width": 1280, "height": 800}
# A 10-inch ward tablet held upright.
TABLET_VIEWPORT = {"width": 800, "height": 1280}
# The 10-inch ward tablet held sideways, and the smallest screen a desk may have: 1024×600.
SMALL_TABLET_VIEWPORT = {"width": 1024, "height": 600}
TIMEOUT_MS = 10_000
SERVER_START_SECONDS = 15

expect.set_options(timeout=TIMEOUT_MS)


# --- ordering and reports ----------------------------------------------------------------------


def pytest_collection_modifyitems(config, items):
    """Run browser tests last.

    While Playwright's sync API is alive it keeps an event loop running in the main thread, so
    the browser fixture allows Django's ORM there (DJANGO_ALLOW_ASYNC_UNSAFE) and no other event
    loop can start. Running browser tests last keeps both away from every other test.
    """
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _failed(node) -> bool:
    return any(
        getattr(node, f"rep_{when}", None) is not None and getattr(node, f"rep_{when}").failed
        for when in ("setup", "call")
    )


def _file_name(node_name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.\[\]-]+", "_", node_name)


# --- live server -------------------------------------------------------------------------------


class InFlight:
    """The live server's application, counting the requests and sockets it is still serving.

    A test ends as soon as what it checks is on the screen, while the page may still be loading
    an htmx fragment or closing its socket. The database flush after the test (TRUNCATE) must not
    run beside such a request: the two take their table locks in different orders and PostgreSQL
    ends one of them as a deadlock ("couldn't be flushed"). The page fixtures close the browser
    context and then wait here until the server is idle.
    """

    def __init__(self, application) -> None:
        self.application = application
        self.active = 0
        self.lock = threading.Lock()

    async def __call__(self, scope, receive, send):
        with self.lock:
            self.active += 1
        try:
            await self.application(scope, receive, send)
        finally:
            with self.lock:
                self.active -= 1

    def wait_idle(self, seconds: float = SERVER_START_SECONDS) -> None:
        deadline = time.monotonic() + seconds
        while self.active and time.monotonic() < deadline:
            time.sleep(0.02)


SERVER = InFlight(None)


class ServerConnections:
    """Database connections the server's threads open, closed when the server stops.

    Django closes a request's connection at the end of the request, in the request's thread; but
    under ASGI it renders error pages (403, 404, 500) in another worker thread, and a connection
    opened there stays open. Left open, it keeps PostgreSQL from dropping the test database
    ("being accessed by other users") and leaves SQLite's -wal/-shm files behind.
    """

    def __init__(self) -> None:
        self.opened: list = []

    def remember(self, sender, connection, **kwargs) -> None:
        if threading.current_thread() is not threading.main_thread():
            self.opened.append(connection)

    def close(self) -> None:
        for wrapper in self.opened:
            # The raw connection: Django's own close() refuses to run outside the owner thread.
            if wrapper.connection is not None:
                wrapper.connection.close()
        self.opened.clear()


@pytest.fixture(scope="session")
def live_server_url(django_db_setup, django_db_blocker):
    """Base URL ("http://127.0.0.1:<port>") of hms.asgi.application served by uvicorn.

    The server runs in a daemon thread with its own event loop. Database access is unblocked for
    its whole life: pytest-django's blocker patches every connection, the server thread's too.
    """
    from hms.asgi import application

    SERVER.application = application
    server_connections = ServerConnections()
    connection_created.connect(server_connections.remember)
    with django_db_blocker.unblock():
        # Bind first, then hand the socket over: no other process can take the port meanwhile.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(
            SERVER,
            host="127.0.0.1",
            port=port,
            lifespan="off",
            ws="websockets-sansio",
            log_level="warning",
            # A websocket left open by a browser must not hold the end of the session hostage.
            timeout_graceful_shutdown=5,
        )
        server = uvicorn.Server(config)

        def serve() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(server.serve(sockets=[sock]))
            finally:
                loop.close()

        thread = threading.Thread(target=serve, name="e2e-uvicorn", daemon=True)
        thread.start()
        deadline = time.monotonic() + SERVER_START_SECONDS
        while not server.started:
            if not thread.is_alive():
                pytest.fail("The live server stopped while starting; see the log above.")
            if time.monotonic() > deadline:
                server.should_exit = True
                pytest.fail(f"The live server did not start within {SERVER_START_SECONDS} s.")
            time.sleep(0.02)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(timeout=SERVER_START_SECONDS)
            sock.close()
            connection_created.disconnect(server_connections.remember)
            server_connections.close()


# --- browser -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, driven by Playwright (never a downloaded browser)."""
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        message = f"Browser tests need Chromium at {CHROMIUM}: sudo apt-get install -y chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    playwright = sync_playwright().start()
    # From here on Playwright keeps an event loop running in this thread, and Django would refuse
    # every ORM call a test makes (SynchronousOnlyOperation). The test's ORM calls are plain
    # synchronous code; allow them for as long as the browser lives.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class BrowserErrors:
    """Console errors and uncaught page errors of one test; any of them fails the test.

    Content-Security-Policy violations arrive as console errors. A test that provokes an error on
    purpose (a 403 page logs "Failed to load resource ... 403") declares it with `allow(pattern)`.
    """

    def __init__(self) -> None:
        # (path of the page shown when it happened, message)
        self.messages: list[tuple[str, str]] = []
        self.allowed: list[re.Pattern] = []

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def watch(self, page) -> None:
        def record(text: str) -> None:
            self.messages.append((urlparse(page.url).path, text))

        page.on("pageerror", lambda error: record(f"page error: {error}"))
        page.on(
            "console",
            lambda message: (
                message.type == "error"
                and record(f"console error: {message.text} ({message.location['url']})")
            ),
        )

    def unexpected(self) -> list[str]:
        return [
            f"{text} [on {path}]"
            for path, text in self.messages
            if not any(pattern.search(text) for pattern in self.allowed)
        ]


@pytest.fixture
def browser_errors() -> BrowserErrors:
    return BrowserErrors()


def _open_page(request, browser, browser_errors, **context_options):
    context = browser.new_context(**context_options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    browser_errors.watch(page)
    try:
        yield page
        unexpected = browser_errors.unexpected()
        if _failed(request.node) or unexpected:
            FAILURE_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            path = FAILURE_SCREENSHOTS / f"{_file_name(request.node.name)}.png"
            page.screenshot(path=str(path), full_page=True)
        if unexpected:
            pytest.fail("The browser reported errors:\n" + "\n".join(unexpected))
    finally:
        context.close()
        SERVER.wait_idle()


# The page fixtures ask for `transactional_db` so that they are set up after it and torn down
# before its flush (see InFlight).


@pytest.fixture
def page(request, transactional_db, live_server_url, browser, browser_errors):
    """A fresh browser context (no cookies) on a 1280x800 desktop screen."""
    yield from _open_page(request, browser, browser_errors, viewport=DESKTOP_VIEWPORT)


@pytest.fixture
def tablet_page(request, transactional_db, live_server_url, browser, browser_errors):
    """A fresh browser context on a 10-inch ward tablet: portrait 800x1280, touch screen."""
    yield from _open_page(
        request,
        browser,
        browser_errors,
        viewport=TABLET_VIEWPORT,
        has_touch=True,
        is_mobile=True,
    )


def snapshot(page, name: str) -> None:
    """Keep a full-page screenshot of a notable screen when HMS_E2E_SNAPSHOT_DIR is set."""
    folder = os.environ.get(SNAPSHOT_DIR_ENV)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


# The page's sideways overflow in px (the width a person would have to scroll to), and the
# innermost elements that reach past the screen's right edge, as "tag#id.class[test id]".
_OVERFLOW = """() => {
  const root = document.documentElement;
  const edge = root.clientWidth + 0.5;
  const over = (el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.right + window.scrollX > edge;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (typeof el.className === "string" && el.className.trim()
       ? "." + el.className.trim().split(/\\s+/).slice(0, 3).join(".") : "")
    + (el.dataset && el.dataset.testid ? "[" + el.dataset.testid + "]" : "");
  const culprits = [...document.body.querySelectorAll("*")]
    .filter((el) => over(el) && ![...el.children].some(over))
    .slice(0, 5)
    .map((el) => name(el) + " to " + Math.round(el.getBoundingClientRect().right + window.scrollX));
  return [root.scrollWidth - root.clientWidth, culprits];
}"""

# How long a layout may take to settle (a chart resizing to its panel once the page's
# scrollbar appears, a font swapping in) before an overflow counts.
SETTLE_MS = 3000


def overflow_of(page) -> str:
    """How far the page reaches past the screen's right edge once its layout has settled, as
    "<n>px: <the elements that stick out>", or "" when it fits. Measured against the width
    inside any scrollbar, so content a scrollbar pushes off the edge counts."""
    waited = 0
    overflow, culprits = page.evaluate(_OVERFLOW)
    while overflow > 0 and waited < SETTLE_MS:
        page.wait_for_timeout(100)
        waited += 100
        overflow, culprits = page.evaluate(_OVERFLOW)
    return f"{overflow}px: {', '.join(culprits) or 'no element'}" if overflow > 0 else ""


def assert_fits(page, screen: str) -> None:
    """Nothing on the page is wider than the screen: no sideways scrolling (overflow_of)."""
    overflow = overflow_of(page)
    assert not overflow, f"{screen} is wider than the screen by {overflow}"


# --- signing in --------------------------------------------------------------------------------


def totp_code(key_hex: str) -> str:
    """The authenticator app's current 6-digit code for a device key (hex, as django-otp stores)."""
    return f"{totp(bytes.fromhex(key_hex)):06d}"


def next_totp_code(device) -> str:
    """A code the device accepts now that it has not accepted before.

    django-otp refuses a code whose time step is not later than the last one used (replay
    protection), and accepts steps within `tolerance` of now (shifted by the learned drift).
    Instead of waiting for the next 30-second step, use the earliest step it will still accept.
    """
    device.refresh_from_db()
    now_step = int((time.time() - device.t0) // device.step) + device.drift
    step = max(device.last_t + 1, now_step)
    return f"{hotp(device.bin_key, step, digits=device.digits):0{device.digits}d}"


def wait_out_otp_throttle(device) -> None:
    """After a wrong code, django-otp refuses every code for 1 s, then 2 s, 4 s...: wait it out."""
    device.refresh_from_db()
    allowed, details = device.verify_is_allowed()
    if not allowed:
        remaining = (details["locked_until"] - timezone.now()).total_seconds()
        time.sleep(max(0.0, remaining) + 0.05)


def path_of(page) -> str:
    return urlparse(page.url).path


def arrive(page, url, **kwargs) -> None:
    """Wait until `page` is at `url` (a string or pattern, as `to_have_url` takes) and its
    document has loaded, so htmx has taken over its forms.

    A page reached by a click is at its address as soon as it starts to load; a form sent before
    htmx has run goes as a whole page (it still works, as for a person who clicks that fast, but
    its answer is the whole page again, not the part a test then looks for).
    """
    expect(page).to_have_url(url, **kwargs)
    page.wait_for_load_state("load")


def login(page, base_url: str, username: str, password: str, totp_key_hex: str | None = None):
    """Sign in through the real sign-in form, and the 6-digit code page when one appears.

    Leaves the page where the site sends the user: the dashboard; the enrolment page for a role
    that needs a second factor and has no authenticator yet; the code page when the user has an
    authenticator but no `totp_key_hex` was given (for tests of that page).
    """
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name=login]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(lambda url: urlparse(url).path != "/accounts/login/")
    if path_of(page) == "/accounts/2fa/verify/" and totp_key_hex is not None:
        page.locator("input[name=token]").fill(totp_code(totp_key_hex))
        page.get_by_role("button", name="Continue", exact=True).click()
        page.wait_for_url(lambda url: urlparse(url).path != "/accounts/2fa/verify/")
    return page
