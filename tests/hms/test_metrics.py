"""/metrics: Prometheus' figures (latency per view, queries, the task queue, open websockets),
only for allowed addresses or the bearer of the token, and added up over several processes."""

import ipaddress
import os
import subprocess
import sys
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.test import Client
from huey import MemoryHuey, RedisHuey, SqliteHuey
from prometheus_client.parser import text_string_to_metric_families

from accounts.models import User
from hms import monitoring, rbac
from hms.asgi import application
from queues.models import DisplayScreen
from tests.conftest import sign_in
from tests.sockets import Socket

ROOT = Path(__file__).resolve().parents[2]
OUTSIDER = "203.0.113.9"  # TEST-NET-3: never one of ours


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """(sample name, its labels) -> value, from Prometheus' text format."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scraped(client: Client | None = None) -> dict[tuple[str, frozenset], float]:
    response = (client or Client()).get("/metrics")
    assert response.status_code == 200
    return samples(response.content.decode())


def value(figures: dict, name: str, **labels: str) -> float:
    return figures.get((name, frozenset(labels.items())), 0.0)


# --- who may read them ---------------------------------------------------------------------------


def test_the_box_itself_reads_the_metrics_without_a_query(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert "no-cache" in response["Cache-Control"]


def test_another_address_is_refused_and_sees_no_figure(db):
    response = Client(REMOTE_ADDR=OUTSIDER).get("/metrics")

    assert response.status_code == 403
    assert b"django_http" not in response.content and b"hms_" not in response.content


def test_the_token_opens_them_from_anywhere_and_nothing_else_does(db, settings):
    settings.HMS_METRICS_TOKEN = "m" * 40
    outsider = Client(REMOTE_ADDR=OUTSIDER)

    assert outsider.get("/metrics", HTTP_AUTHORIZATION="Bearer " + "m" * 40).status_code == 200
    assert outsider.get("/metrics", HTTP_AUTHORIZATION="Bearer " + "m" * 39).status_code == 403
    assert outsider.get("/metrics", HTTP_AUTHORIZATION="Basic " + "m" * 40).status_code == 403
    assert outsider.get("/metrics").status_code == 403


def test_behind_the_proxy_the_clients_own_address_decides(db, settings):
    settings.HMS_TRUST_X_FORWARDED_FOR = True
    settings.HMS_METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("10.1.2.0/24")]
    proxied = Client(REMOTE_ADDR="127.0.0.1")

    assert proxied.get("/metrics", HTTP_X_FORWARDED_FOR=OUTSIDER).status_code == 403
    assert proxied.get("/metrics", HTTP_X_FORWARDED_FOR="10.1.2.7").status_code == 200
    assert proxied.get("/metrics", HTTP_X_FORWARDED_FOR="not an address").status_code == 403


def test_a_signed_in_user_from_elsewhere_is_refused_too(db, make_user):
    admin = sign_in(Client(REMOTE_ADDR=OUTSIDER), make_user(rbac.ADMIN))

    assert admin.get("/metrics").status_code == 403


# --- what they say -------------------------------------------------------------------------------


def test_each_view_is_timed_and_counted_by_status(db):
    before = scraped()

    Client().get("/healthz")
    Client().get("/no-such-page/")
    after = scraped()

    latency = "django_http_requests_latency_seconds_by_view_method_count"
    assert value(after, latency, view="healthz", method="GET") == (
        value(before, latency, view="healthz", method="GET") + 1
    )
    responses = "django_http_responses_total_by_status_view_method_total"
    assert value(after, responses, status="404", view="<unnamed view>", method="GET") == (
        value(before, responses, status="404", view="<unnamed view>", method="GET") + 1
    )


def test_an_invented_method_makes_no_series_of_its_own(db):
    Client().generic("BREW", "/healthz")

    names = {dict(labels).get("method") for _name, labels in scraped()}
    assert "BREW" not in names
    assert "<invalid method>" in names


def test_database_queries_are_counted(db):
    before = scraped()

    User.objects.count()
    User.objects.exists()
    after = scraped()

    labels = {"alias": "default", "vendor": connection.vendor}
    # The scrape itself asks nothing of the database: the two queries are all there is.
    assert value(after, "django_db_execute_total", **labels) == (
        value(before, "django_db_execute_total", **labels) + 2
    )


def test_the_project_queue_length_is_scraped(db):
    figures = scraped()

    assert value(figures, "hms_huey_queue_reachable") == 1
    assert ("hms_huey_tasks_pending", frozenset()) in figures
    assert ("hms_huey_tasks_scheduled", frozenset()) in figures


def _queues(tmp_path) -> list:
    queues = [
        MemoryHuey("hms-metrics-test", immediate=False),
        SqliteHuey("hms-metrics-test", filename=str(tmp_path / "huey.sqlite3")),
    ]
    if os.environ.get("REDIS_URL"):
        queues.append(RedisHuey(f"hms-metrics-test-{os.getpid()}", url=os.environ["REDIS_URL"]))
    return queues


def test_the_queue_length_is_read_from_each_kind_of_storage(tmp_path):
    for huey in _queues(tmp_path):
        collector = monitoring.HueyQueueCollector(huey)
        task = huey.task()(lambda: None)
        try:
            for _ in range(3):
                task()
            # A consumer moves a task with an eta from the queue to the schedule.
            huey.add_schedule(task.s())

            figures = {metric.name: metric.samples[0].value for metric in collector.collect()}
        finally:
            huey.flush()

        assert figures == {
            "hms_huey_queue_reachable": 1,
            "hms_huey_tasks_pending": 3,
            "hms_huey_tasks_scheduled": 1,
        }, type(huey).__name__


def test_a_queue_that_does_not_answer_is_reported_not_raised():
    huey = RedisHuey("hms-metrics-test", url="redis://127.0.0.1:1/0")

    figures = {m.name: m.samples[0].value for m in monitoring.HueyQueueCollector(huey).collect()}

    assert figures == {"hms_huey_queue_reachable": 0}


@pytest.mark.django_db(transaction=True)
async def test_open_websockets_are_counted_until_they_close(make_user):
    user = await sync_to_async(make_user)(rbac.NURSE)
    client = await sync_to_async(sign_in)(Client(), user)
    await sync_to_async(client.get)("/dashboard/")
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost"), (b"cookie", cookie)]
    before = value(await sync_to_async(scraped)(), "hms_websocket_connections", consumer="live")

    sockets = [Socket(application, "/ws/", headers=headers) for _ in range(2)]
    for socket in sockets:
        assert (await socket.connect())[0]
    while_open = value(await sync_to_async(scraped)(), "hms_websocket_connections", consumer="live")
    for socket in sockets:
        await socket.disconnect()
    after = value(await sync_to_async(scraped)(), "hms_websocket_connections", consumer="live")
    refused = Socket(application, "/ws/", headers=headers[:2])
    assert not (await refused.connect())[0]
    await refused.disconnect()
    after_refusal = value(
        await sync_to_async(scraped)(), "hms_websocket_connections", consumer="live"
    )

    assert while_open == before + 2
    assert after == before
    assert after_refusal == before


@pytest.mark.django_db(transaction=True)
async def test_a_waiting_area_display_is_counted_apart():
    display = await sync_to_async(DisplayScreen.objects.create)(name="Main hall")
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    before = await sync_to_async(scraped)()

    socket = Socket(application, f"/ws/display/{display.token}/", headers=headers)
    assert (await socket.connect())[0]
    while_open = await sync_to_async(scraped)()
    await socket.disconnect()

    assert value(while_open, "hms_websocket_connections", consumer="display") == (
        value(before, "hms_websocket_connections", consumer="display") + 1
    )
    assert value(while_open, "hms_websocket_connections", consumer="live") == value(
        before, "hms_websocket_connections", consumer="live"
    )


# --- several processes -----------------------------------------------------------------------------

WORKER = """
import os, sys
import django
django.setup()
from django_prometheus.db import execute_total
from hms import monitoring
monitoring.start_process()
monitoring.WEBSOCKETS_OPEN.labels("live").inc()
execute_total.labels("default", "sqlite").inc(5)
print(os.getpid(), flush=True)
if sys.argv[1] == "stay":
    sys.stdin.read()  # until the test closes its stdin
elif sys.argv[1] == "killed":
    os._exit(0)  # no exit hook: as a worker killed by the OOM killer
else:
    sys.stdout.write(monitoring.scrape().decode())
"""


def _worker_env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "HMS_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "hms.settings",
            "HMS_VAR_DIR": str(tmp_path),
            "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        }
    )
    return env


def _scrape_in_another_process(tmp_path) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", WORKER, "scrape"],
        cwd=ROOT,
        env=_worker_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return samples(result.stdout.split("\n", 1)[1])


def test_a_scrape_adds_up_the_processes_that_share_the_folder(tmp_path):
    other = subprocess.Popen(
        [sys.executable, "-c", WORKER, "stay"],
        cwd=ROOT,
        env=_worker_env(tmp_path),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert other.stdout.readline().strip().isdigit()

        figures = _scrape_in_another_process(tmp_path)
    finally:
        other.communicate("", timeout=120)

    assert value(figures, "hms_websocket_connections", consumer="live") == 2
    assert value(figures, "django_db_execute_total", alias="default", vendor="sqlite") == 10


def test_a_killed_workers_sockets_are_forgotten_and_its_counts_kept(tmp_path):
    killed = subprocess.run(
        [sys.executable, "-c", WORKER, "killed"],
        cwd=ROOT,
        env=_worker_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == 0, killed.stderr
    assert list((tmp_path / "metrics").glob("gauge_live*.db"))  # left behind

    figures = _scrape_in_another_process(tmp_path)

    assert value(figures, "hms_websocket_connections", consumer="live") == 1  # the scraper's
    assert value(figures, "django_db_execute_total", alias="default", vendor="sqlite") == 10
