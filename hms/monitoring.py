"""Prometheus metrics: what HMS exports beyond django-prometheus' requests and queries, who may
read them, and how the metrics of several server processes are added up.

Exported here: `hms_websocket_connections{consumer}` (sockets open now, moved by the consumers
through CountedSocketMixin) and, measured at each scrape, `hms_huey_tasks_pending`,
`hms_huey_tasks_scheduled` and `hms_huey_queue_reachable`. django-prometheus adds request
latency per view (`django_http_requests_latency_seconds_by_view_method`), responses by status and
the database wrappers' query counts (`django_db_execute_total`).

Several processes (gunicorn's and uvicorn's workers, the Huey worker) write their values to
files in PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode) and one scrape of
/metrics adds them up; without that variable (the embedded mode, tests) this process's own
registry is exported. docs/DECISIONS.md, "Monitoring (#21)", says why.
"""

import atexit
import hmac
import ipaddress
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest
from django_prometheus.middleware import PrometheusAfterMiddleware
from huey import Huey
from prometheus_client import REGISTRY, CollectorRegistry, Gauge, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from hms import audit

logger = logging.getLogger(__name__)

WEBSOCKETS_OPEN = Gauge(
    "hms_websocket_connections",
    "Websockets open now, by consumer (live: the signed-in tabs; display: waiting-area TVs).",
    ["consumer"],
    # Summed over the processes that are alive; a process that ended takes its sockets along.
    multiprocess_mode="livesum",
)


def multiprocess_dir() -> str:
    """The folder of prometheus_client's multiprocess mode, or "" when this process exports
    alone."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


class HueyQueueCollector(Collector):
    """The Huey queue's length, read from its storage (Redis, SQLite or memory) at each scrape,
    so it is right whichever process is scraped and costs nothing between scrapes. `huey`: the
    queue to measure (default: the project's, settings.HUEY)."""

    def __init__(self, huey: Huey | None = None) -> None:
        self.huey = huey

    def collect(self) -> Iterator[Metric]:
        if self.huey is None:
            from huey.contrib.djhuey import HUEY as huey
        else:
            huey = self.huey
        reachable = GaugeMetricFamily(
            "hms_huey_queue_reachable", "1 when the task queue's storage answered this scrape."
        )
        try:
            pending, scheduled = huey.pending_count(), huey.scheduled_count()
        except Exception as error:  # a queue that does not answer is the figure, not a crash
            logger.warning("metrics: the task queue did not answer: %s", type(error).__name__)
            reachable.add_metric([], 0)
            yield reachable
            return
        reachable.add_metric([], 1)
        yield reachable
        yield GaugeMetricFamily(
            "hms_huey_tasks_pending", "Tasks waiting for a Huey worker (count).", value=pending
        )
        yield GaugeMetricFamily(
            "hms_huey_tasks_scheduled",
            "Tasks held for later: retries and tasks with an eta (count).",
            value=scheduled,
        )


class _ThisProcess(Collector):
    """This process's own registry, as one collector among others."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def scrape() -> bytes:
    """Every metric in Prometheus' text format (bytes, UTF-8): the processes' values (added up in
    multiprocess mode) and the queue's length measured now."""
    registry = CollectorRegistry()
    if multiprocess_dir():
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(HueyQueueCollector())
    return generate_latest(registry)


def may_scrape(request: HttpRequest) -> bool:
    """True when the request carries `Authorization: Bearer <HMS_METRICS_TOKEN>` (a token is
    set), or comes from an address in HMS_METRICS_ALLOWED_IPS (the client's address as the audit
    log sees it: X-Forwarded-For only behind a trusted proxy)."""
    token = settings.HMS_METRICS_TOKEN
    if token:
        scheme, _, offered = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            offered.strip().encode(), token.encode()
        ):
            return True
    try:
        address = ipaddress.ip_address(audit.client_ip(request))
    except ValueError:
        return False
    return any(address in network for network in settings.HMS_METRICS_ALLOWED_NETWORKS)


class PrometheusMiddleware(PrometheusAfterMiddleware):
    """django-prometheus' per-view middleware, with the method label kept to the known methods:
    its latency histogram labels requests with the raw method, so a client inventing methods
    would invent new series without end."""

    def label_metric(self, metric, request, response=None, **labels):  # noqa: ANN001, ANN201
        if "method" in labels:
            labels["method"] = self._method(request)
        return super().label_metric(metric, request, response, **labels)


class CountedSocketMixin:
    """For a websocket consumer: counted in hms_websocket_connections (label `socket_label`)
    from its accept to its disconnect, and logging under the handshake's request id."""

    socket_label = "websocket"

    async def websocket_connect(self, message: dict) -> None:
        from hms import logs

        headers = dict(self.scope.get("headers", []))
        offered = headers.get(b"x-request-id", b"").decode("latin-1")
        # The consumer's handlers all run in this task: the id stays for the socket's life.
        logs.bind_request_id(logs.request_id_from(offered))
        await super().websocket_connect(message)

    async def accept(self, subprotocol: str | None = None, headers: list | None = None) -> None:
        await super().accept(subprotocol, headers)
        if not getattr(self, "_counted_open", False):
            WEBSOCKETS_OPEN.labels(self.socket_label).inc()
            self._counted_open = True

    async def websocket_disconnect(self, message: dict) -> None:
        if getattr(self, "_counted_open", False):
            WEBSOCKETS_OPEN.labels(self.socket_label).dec()
            self._counted_open = False
        await super().websocket_disconnect(message)


LIVE_GAUGE_FILE = re.compile(r"^gauge_live\w*?_(\d+)\.db$")


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def sweep_dead_processes(directory: str) -> list[int]:
    """Remove the live gauges (open sockets) that processes no longer running left in the
    multiprocess folder (a worker killed without its exit hook); counters stay, so totals never
    go back. Returns the process ids swept."""
    swept = set()
    for path in Path(directory).glob("gauge_live*.db"):
        match = LIVE_GAUGE_FILE.match(path.name)
        if match and not _process_alive(int(match.group(1))):
            swept.add(int(match.group(1)))
    for pid in swept:
        multiprocess.mark_process_dead(pid, directory)
    return sorted(swept)


def start_process() -> None:
    """At each process's start (HmsConfig.ready): in multiprocess mode, sweep what dead
    processes left and take this process's live gauges away when it exits."""
    directory = multiprocess_dir()
    if not directory:
        return
    sweep_dead_processes(directory)
    # os.getpid() at exit, not now: a forked worker exits with its own id.
    atexit.register(lambda: multiprocess.mark_process_dead(os.getpid(), directory))
