"""Core pages: the health check, the metrics, the front door, and the error pages."""

import asyncio
import logging
import shutil
import sys
import threading
import time
import uuid
from pathlib import Path

from channels.layers import get_channel_layer
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from prometheus_client import CONTENT_TYPE_LATEST
from rest_framework.authentication import SessionAuthentication
from rest_framework_simplejwt.authentication import JWTAuthentication

from hms import monitoring, rbac, realtime
from hms.api import HasCapability
from hms.middleware import LAST_ACTIVITY_KEY

logger = logging.getLogger(__name__)
CHANNEL_LAYER_TIMEOUT_SECONDS = 2
# A round trip through the channel layer (on the process's sender loop, hms.realtime, so it keeps
# its Redis connection) is kept this long in the process, so a load balancer polling every second
# costs one round trip per process per period.
CHANNEL_LAYER_CHECK_SECONDS = 5
_layer_check = {"layer": None, "at": 0.0, "answer": ""}
_layer_check_lock = threading.Lock()


async def _channel_layer_round_trip() -> None:
    layer = get_channel_layer()
    channel = await layer.new_channel(prefix="healthz")
    token = uuid.uuid4().hex
    await layer.send(channel, {"type": "healthz", "token": token})
    message = await asyncio.wait_for(layer.receive(channel), CHANNEL_LAYER_TIMEOUT_SECONDS)
    if message.get("token") != token:
        raise RuntimeError("channel layer returned another message")


def _channel_layer_state() -> str:
    """The channel layer's answer ("ok" or "failing: ...") from a round trip at most
    CHANNEL_LAYER_CHECK_SECONDS old; a changed layer (settings overridden) is checked afresh."""
    layer = get_channel_layer()
    with _layer_check_lock:
        fresh = time.monotonic() - _layer_check["at"] < CHANNEL_LAYER_CHECK_SECONDS
        if _layer_check["layer"] is layer and fresh:
            return _layer_check["answer"]
        try:
            realtime.run_on_layer_loop(
                _channel_layer_round_trip(), timeout=CHANNEL_LAYER_TIMEOUT_SECONDS + 1
            )
            answer = "ok"
        except Exception as error:  # any failure of the check is the answer, not a crash
            logger.warning("healthz: channel layer check failed: %s", error)
            answer = f"failing: {type(error).__name__}"
        _layer_check.update(layer=layer, at=time.monotonic(), answer=answer)
        return answer


def _disk_state() -> str:
    """ "ok", or "low: N MB free" when a folder HMS writes to (its state folder: SQLite, private
    files, metrics; the backups) has less than HMS_DISK_MIN_FREE_MB left: said while writes still
    succeed, so someone can make room before saving a record or a backup fails. The folder is
    logged, not shown (the answer is public)."""
    least = None
    for folder in {Path(settings.VAR_DIR), Path(settings.HMS_BACKUP_DIR)}:
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        free_mb = shutil.disk_usage(folder).free // (1024 * 1024)
        if free_mb < settings.HMS_DISK_MIN_FREE_MB and (least is None or free_mb < least[0]):
            least = (free_mb, folder)
    if least is None:
        return "ok"
    logger.warning("healthz: %s MB free on %s", least[0], least[1])
    return f"low: {least[0]} MB free (below {settings.HMS_DISK_MIN_FREE_MB} MB)"


@never_cache
@rbac.public
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the channel layer answer and the disk has room; 503 naming the
    part that does not."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as error:  # any failure of the check is the answer, not a crash
        logger.warning("healthz: database check failed: %s", error)
        checks["database"] = f"failing: {type(error).__name__}"
    checks["channel_layer"] = _channel_layer_state()
    checks["disk"] = _disk_state()
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "failing", "checks": checks}, status=200 if healthy else 503
    )


@never_cache
@rbac.public
@require_http_methods(["GET"])
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus' scrape: every metric in its text format (hms.monitoring), for the allowed
    addresses and the bearer of HMS_METRICS_TOKEN; 403 (and no figure) for anyone else. No
    query: the queue's length is read from Huey's storage, not the database."""
    if not monitoring.may_scrape(request):
        return HttpResponseForbidden(
            "Metrics are for the monitoring server only.", content_type="text/plain"
        )
    return HttpResponse(monitoring.scrape(), content_type=CONTENT_TYPE_LATEST)


@rbac.public
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says."""
    from django.templatetags.static import static

    return redirect(static("favicon.svg"))


@rbac.signed_in
def home(request: HttpRequest) -> HttpResponse:
    return redirect("dashboard")


def _error_page(request: HttpRequest, template: str, status: int) -> HttpResponse:
    response = render(request, template, status=status)
    # Under ASGI Django renders error pages on a worker thread of their own; the navigation's
    # counts opened a connection there that nothing else would close.
    if connection.connection is not None and not connection.in_atomic_block:
        connection.close()
    return response


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return _error_page(request, "403.html", 403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return _error_page(request, "404.html", 404)


# How long a page tells the browser to wait before asking again when the database is down (a
# PostgreSQL restart takes a few seconds; an outage longer, and the page says whom to tell).
DATABASE_DOWN_RETRY_SECONDS = 30


# A transaction the database gave up on because another one was in its way, at the same moment,
# on the same rows: PostgreSQL's deadlock (40P01), serialization failure (40001) and lock not
# available (55P03); SQLite's "database is locked" after its busy timeout (SQLITE_BUSY).
CONFLICT_SQLSTATES = frozenset({"40P01", "40001", "55P03"})


def _is_conflict(error: BaseException) -> bool:
    """Whether a database error is a collision with another person's change (hms.locking keeps
    them rare), not the database being unreachable. Django's error wraps the driver's, whose
    SQLSTATE (psycopg) or error name (sqlite3) says which."""
    cause = error.__cause__
    return (
        getattr(cause, "sqlstate", None) in CONFLICT_SQLSTATES
        or getattr(cause, "sqlite_errorname", None) == "SQLITE_BUSY"
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """The page of an unexpected failure. Rendered without the request's context: the failure may
    be the database itself, which the navigation and the signed-in user would need again.

    A lost database connection (PostgreSQL restarting, its machine unreachable: Django's
    OperationalError or InterfaceError) answers 503 with Retry-After and says plainly that what
    the person did was not saved; the transaction was rolled back, nothing is half-done, and the
    request is not retried behind their back. A transaction the database rolled back because it
    collided with a colleague's (a deadlock, `_is_conflict`) answers 409 and says the same, with
    "do it again" (the second try finds the other change saved). Anything else answers 500.
    """
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError) and _is_conflict(error):
        return HttpResponse(render_to_string("409_conflict.html"), status=409)
    if isinstance(error, (OperationalError, InterfaceError)):
        response = HttpResponse(render_to_string("503_database.html"), status=503)
        response["Retry-After"] = str(DATABASE_DOWN_RETRY_SECONDS)
        return response
    return HttpResponse(render_to_string("500.html"), status=500)


@never_cache
@rbac.signed_in
@require_http_methods(["GET", "POST"])
def activity(request: HttpRequest) -> JsonResponse:
    """The idle clock of the signed-in session, for the page's idle watch (static/js/idle.js).

    POST: the person has pressed a key, clicked or touched the page in the last minute (the page
    reports real input at most once a minute): like any request of their own it restarts the
    clock (hms.middleware.IdleLogoutMiddleware). GET with X-HMS-Background: how long is left, without
    counting as activity (another tab may have been used meanwhile). Answers {"seconds_left":
    int}. A session already idle past the limit is signed out by the middleware before it gets here
    (the answer is then the sign-in redirect).
    """
    last = request.session.get(LAST_ACTIVITY_KEY) or int(time.time())
    left = settings.IDLE_TIMEOUT_SECONDS - (int(time.time()) - last)
    return JsonResponse({"seconds_left": max(0, left)})


class ApiSchema(SpectacularAPIView):
    """The OpenAPI 3 schema of /api/v1/ (YAML, or JSON with ?format=json), for administrators:
    signed in on the website or with a token."""

    capability = "api.schema"
    authentication_classes = [JWTAuthentication, SessionAuthentication]
    permission_classes = [HasCapability]  # drf-spectacular's default lets anyone read it


class ApiDocs(SpectacularSwaggerSplitView):
    """The interactive page of the schema (Swagger UI, served from the box), for administrators
    signed in on the website. Its script is a file of its own, so the page keeps the strict
    Content-Security-Policy (no inline script)."""

    capability = "api.schema"
    authentication_classes = [JWTAuthentication, SessionAuthentication]
    permission_classes = [HasCapability]  # drf-spectacular's default lets anyone read it
