"""The production stack on this machine (deploy/local-stack.sh): nginx over TLS in front of
gunicorn for pages and uvicorn for /ws/, the Huey worker as its own process, PostgreSQL, Redis
and an S3 server with the private bucket, started the way the hospital's box starts them.

One stack for the module, in a folder and on ports of its own, with the demo hospital loaded
through its own settings; `down` at the end must leave no process behind.
"""

import contextlib
import glob
import os
import pwd
import random
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
import requests
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP_VIEWPORT, FAILURE_SCREENSHOTS, TIMEOUT_MS, login
from tests.e2e.live import expect_live, watch_socket

# One stack per run: every test of this module on the same xdist worker (`--dist loadgroup`), so
# the stack and its demo hospital come up once, not once per worker.
pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.xdist_group("local_stack")]

SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "local-stack.sh"
PROCESSES = ("redis", "s3", "web", "ws", "worker", "nginx")
# The morning stock check (pharmacy.tasks): a task any test can queue and see the worker run.
STOCK_CHECK = "pharmacy.tasks.refresh_stock_alerts"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _free_base() -> int:
    """The first of seven free consecutive ports (the stack's https, http, pages, /ws/, S3, Redis,
    and its PostgreSQL)."""
    for _ in range(200):
        base = random.randrange(20000, 60000, 10)
        try:
            for port in range(base, base + 7):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no seven free ports in a row")


class Cluster:
    """A PostgreSQL server of the stack's own (initdb in a temporary folder), so a drill can stop
    and restart it without cutting the other tests' database. initdb refuses root: as root the
    server runs as the `postgres` system user, as deploy/backup/pitr-drill.sh does."""

    def __init__(self, port: int) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        assert found, "the PostgreSQL server binaries (Debian: postgresql) are needed"
        self.bin = Path(found[-1]).parent
        self.port = port
        self.folder = Path(tempfile.mkdtemp(prefix="hms-stack-pg-"))
        self.owner = "postgres" if os.geteuid() == 0 else None
        if self.owner:
            account = pwd.getpwnam(self.owner)
            os.chown(self.folder, account.pw_uid, account.pw_gid)
        self.url = f"postgres://postgres@127.0.0.1:{port}/hms_stack"

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", self.owner, "--"] if self.owner else []
        subprocess.run(prefix + list(command), check=True, capture_output=True, timeout=120)

    def create(self) -> None:
        data = self.folder / "data"
        self._run(str(self.bin / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust")
        with open(data / "postgresql.conf", "a") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
                f"unix_socket_directories = '{self.folder}'\nfsync = off\n"
            )
        self.start()

    def pg_ctl(self, *arguments: str) -> None:
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.folder / "data"),
            "-l",
            str(self.folder / "server.log"),
            "-w",
            *arguments,
        )

    def start(self) -> None:
        self.pg_ctl("start")

    def stop(self) -> None:
        """A fast shutdown: every session cut, open transactions rolled back, as `systemctl
        restart postgresql` does."""
        self.pg_ctl("stop", "-m", "fast")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


class Stack:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = _free_base()
        self.cluster = Cluster(self.port + 6)
        self.env = {
            **os.environ,
            "STACK_DIR": str(folder),
            "STACK_PORT": str(self.port),
            "STACK_DATABASE_URL": self.cluster.url,
        }
        # The stack runs its own Redis (a drill stops it) unless told otherwise.
        self.env.pop("STACK_REDIS_URL", None)
        self.url = f"https://127.0.0.1:{self.port}"

    def run(self, *arguments: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(SCRIPT), *arguments],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=check,
        )

    def shell(self, code: str) -> str:
        """Run Python in manage.py shell with the stack's settings; what it printed."""
        return self.run("manage", "shell", "--no-imports", "-c", code).stdout.strip()

    def drain_queue(self) -> None:
        """Wait until the worker has taken every queued task (the seed queues a PDF for each
        invoice and receipt): a task queued after that runs at once."""
        for _ in range(300):
            pending = self.shell(
                "from huey.contrib.djhuey import HUEY\nprint(HUEY.pending_count())"
            )
            if pending == "0":
                return
        raise AssertionError(f"the worker left {pending} tasks queued")

    def pids(self) -> dict[str, int]:
        found = {}
        for name in PROCESSES:
            pid_file = self.folder / "run" / f"{name}.pid"
            if pid_file.exists():
                found[name] = int(pid_file.read_text())
        return found

    def log(self, name: str) -> str:
        return (self.folder / "log" / f"{name}.log").read_text()

    def tasks_done(self, task: str) -> int:
        """How many times the worker has finished `task` (its log)."""
        return sum(
            1 for line in self.log("worker").splitlines() if task in line and "executed in" in line
        )

    def queue_stock_check(self) -> None:
        """Queue the morning stock check from a process of its own, as the scheduler does."""
        self.shell("from pharmacy.tasks import refresh_stock_alerts\nrefresh_stock_alerts()")

    def wait_for_task(self, task: str, done_before: int) -> int:
        """Wait until the worker has finished `task` more than `done_before` times (or gave up
        after a minute); how many times it has now."""
        for _ in range(300):
            if (done := self.tasks_done(task)) > done_before:
                return done
            time.sleep(0.2)
        return self.tasks_done(task)

    def env_value(self, key: str) -> str:
        for line in (self.folder / "hms.env").read_text().splitlines():
            if line.startswith(f"{key}="):
                return line.split("=", 1)[1]
        raise KeyError(key)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = Stack(tmp_path_factory.mktemp("stack"))
    try:
        stack.cluster.create()
        started = stack.run("up", check=False)
        assert started.returncode == 0, started.stdout + started.stderr
        stack.run("manage", "seed_demo", "--on-production")
        stack.drain_queue()
        yield stack
    finally:
        pids = stack.pids()
        stack.run("down", check=False)
        left = [name for name, pid in pids.items() if _alive(pid)]
        stack.cluster.remove()
        assert not left, f"still running after down: {left}"


@pytest.fixture
def people(request, browser):
    """Open browser contexts (the stack's certificate is self-signed); screenshots on failure."""
    contexts = []

    def open_page():
        context = browser.new_context(viewport=DESKTOP_VIEWPORT, ignore_https_errors=True)
        context.set_default_timeout(TIMEOUT_MS)
        watch_socket(context)
        contexts.append(context)
        return context.new_page()

    yield open_page
    failed = getattr(request.node, "rep_call", None)
    for number, context in enumerate(contexts):
        if failed is not None and failed.failed and context.pages:
            FAILURE_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            path = FAILURE_SCREENSHOTS / f"local_stack_{request.node.name}_{number}.png"
            context.pages[0].screenshot(path=str(path), full_page=True)
        context.close()


def test_the_site_answers_over_https_through_nginx_and_plain_http_is_sent_there(stack):
    health = requests.get(f"{stack.url}/healthz", verify=False, timeout=10)
    assert health.status_code == 200
    assert health.json() == {
        "status": "ok",
        "checks": {"database": "ok", "channel_layer": "ok", "disk": "ok"},
    }
    assert health.headers["Server"] == "nginx"

    plain = requests.get(
        f"http://127.0.0.1:{stack.port + 1}/accounts/login/", allow_redirects=False, timeout=10
    )
    assert plain.status_code == 301
    assert plain.headers["Location"] == f"{stack.url}/accounts/login/"


def test_static_files_come_from_nginx_compressed_and_cached_for_a_year(stack):
    page = requests.get(f"{stack.url}/accounts/login/", verify=False, timeout=10)
    assert page.status_code == 200
    stylesheet = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', page.text).group(1)

    served = requests.get(
        f"{stack.url}{stylesheet}", headers={"Accept-Encoding": "gzip"}, verify=False, timeout=10
    )
    assert served.status_code == 200
    assert served.headers["Content-Encoding"] == "gzip"
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert served.headers["Content-Type"] == "text/css"
    # nginx served it from disk: Django's own headers (the page's CSP) are not on it.
    assert "Content-Security-Policy" not in served.headers
    assert "Content-Security-Policy" in page.headers


def test_up_a_second_time_changes_nothing(stack):
    before = stack.pids()
    assert set(before) == set(PROCESSES)

    again = stack.run("up")

    assert stack.pids() == before
    assert all(_alive(pid) for pid in before.values())
    for name in ("redis", "s3", "web", "ws", "worker"):
        assert f"{name} already running" in again.stdout
    assert stack.run("status").returncode == 0


def test_a_task_the_worker_runs_reaches_pages_open_on_the_websocket_workers(stack, people):
    """The morning stock check runs in the Huey worker process; the pharmacists' open pages,
    connected through nginx to the uvicorn workers, show the new alert without a reload."""
    pages = []
    for _ in range(2):
        page = people()
        login(page, stack.url, "pharmacist", "demo-pharmacist-2026")
        page.goto(f"{stack.url}/pharmacy/stock/")
        expect(page.get_by_test_id("stock-alerts-card")).to_be_visible()
        expect_live(page)
        pages.append(page)
    item = stack.shell(
        "from pharmacy.models import FormularyItem, StockAlert\n"
        "listed = StockAlert.objects.filter(kind='reorder').values('item_id')\n"
        "item = FormularyItem.objects.filter(active=True).exclude(pk__in=listed).order_by('pk')[0]\n"
        "FormularyItem.objects.filter(pk=item.pk).update(reorder_level=10**6)\n"
        "print(item.name)"
    )
    for page in pages:
        expect(page.get_by_test_id("stock-alerts-card")).not_to_contain_text(item)

    # Queued in Redis from a process of its own, as the worker's scheduler queues it at 00:05.
    stack.queue_stock_check()

    for page in pages:
        expect(page.get_by_test_id("stock-alerts-card")).to_contain_text(item)
    assert STOCK_CHECK in stack.log("worker")

    # Prometheus, scraping through nginx from this box, sees the sockets of both uvicorn workers
    # and the pages of both gunicorn workers added up.
    metrics = requests.get(f"{stack.url}/metrics", verify=False, timeout=10).text
    sockets = re.search(r'^hms_websocket_connections\{consumer="live"\} (\S+)$', metrics, re.M)
    assert sockets is not None and float(sockets.group(1)) >= 2
    assert "hms_huey_tasks_pending 0.0" in metrics


def test_the_access_logs_name_the_pages_but_not_what_was_searched(stack, people):
    """A patient search through nginx and gunicorn: both access logs record the page and its
    status, neither the search words nor the referring page's address (gunicorn.conf.py,
    nginx's hms_private log format)."""
    surname = stack.shell(
        "from clinical.models import Patient\n"
        "print(Patient.objects.order_by('mrn').values_list('last_name', flat=True).first())"
    )
    page = people()
    login(page, stack.url, "reception", "demo-reception-2026")
    answer = page.goto(f"{stack.url}/patients/?q={surname}")
    assert answer is not None and answer.status == 200
    expect(page.get_by_text(surname).first).to_be_visible()

    for name in ("web", "nginx-access"):
        logged = stack.log(name)
        assert re.search(r'"GET /patients/ HTTP/[0-9.]+" 200', logged), name
        assert surname not in logged, f"the {name} log names the patient searched for"
        assert "q=" not in logged, name


def test_documents_are_kept_in_the_private_bucket_and_handed_out_by_short_signed_links(
    stack, people
):
    patient = stack.shell(
        "from clinical.models import Patient\nprint(Patient.objects.order_by('mrn')[0].pk)"
    )
    page = people()
    login(page, stack.url, "doctor", "demo-doctor-2026")
    page.goto(f"{stack.url}/patients/{patient}/documents/")
    page.locator("#doc-title").fill("Referral letter from the county hospital")
    page.locator("#doc-file").set_input_files(
        {"name": "referral.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Upload").click()
    link = page.get_by_role("link", name=re.compile("Referral letter from the county hospital"))
    expect(link).to_be_visible()

    # The object is in the bucket, not on the box's disk.
    s3 = boto3.client(
        "s3",
        endpoint_url=stack.env_value("AWS_S3_ENDPOINT_URL"),
        region_name="us-east-1",
        aws_access_key_id="local-stack",
        aws_secret_access_key="local-stack",
    )
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket="hms-private")["Contents"]]
    stored = [key for key in keys if key.startswith(f"patients/{patient}/")]
    assert len(stored) == 1
    assert s3.get_object(Bucket="hms-private", Key=stored[0])["Body"].read() == PDF
    private = stack.folder / "var" / "private"
    assert not private.exists() or not any(path.is_file() for path in private.rglob("*"))

    # The page's link is checked again when followed, then sends the browser to a presigned
    # URL that S3 honours for five minutes at most.
    answer = page.context.request.get(f"{stack.url}{link.get_attribute('href')}", max_redirects=0)
    assert answer.status == 302
    presigned = answer.headers["location"]
    query = parse_qs(urlparse(presigned).query)
    assert int(query["X-Amz-Expires"][0]) <= 300
    assert requests.get(presigned, timeout=10).content == PDF
    # Without the signature the private bucket refuses.
    unsigned = presigned.split("?", 1)[0]
    assert requests.get(unsigned, timeout=10).status_code == 403

    # Another person's browser, not signed in, gets nothing from the page's link.
    stranger = people()
    refused = stranger.context.request.get(
        f"{stack.url}{link.get_attribute('href')}", max_redirects=0
    )
    assert refused.status == 302
    assert "/accounts/login/" in refused.headers["location"]


def test_invoices_the_worker_renders_go_to_the_bucket(stack):
    """seed_demo's payments queued their PDFs; the worker rendered them into the bucket."""
    s3 = boto3.client(
        "s3",
        endpoint_url=stack.env_value("AWS_S3_ENDPOINT_URL"),
        region_name="us-east-1",
        aws_access_key_id="local-stack",
        aws_secret_access_key="local-stack",
    )
    rendered = (
        "from billing.models import Invoice\n"
        "print(Invoice.objects.exclude(number='').exclude(pdf='').count())"
    )
    expected = int(stack.shell(rendered))
    assert expected > 0
    keys = []
    for listing in s3.get_paginator("list_objects_v2").paginate(Bucket="hms-private"):
        keys += [item["Key"] for item in listing.get("Contents", [])]
    assert sum(key.startswith("invoices/") for key in keys) >= expected


def test_with_redis_stopped_people_sign_in_and_work_and_live_updates_come_back_by_themselves(
    stack, people
):
    """Redis carries the cache, the live events and the task queue. Stopped: pages load, a
    person signs in, an upload and a payment are saved (the PDF it queues waits for the desk to
    ask), the open page says it is offline; started again: the page is live again and the worker
    takes tasks, with no process of HMS restarted."""
    servers = {name: pid for name, pid in stack.pids().items() if name in ("web", "ws", "worker")}
    watching = people()
    login(watching, stack.url, "pharmacist", "demo-pharmacist-2026")
    watching.goto(f"{stack.url}/pharmacy/stock/")
    expect_live(watching)
    offline = watching.locator("#live-status")
    expect(offline).to_be_hidden()

    stack.run("stop", "redis")

    expect(offline).to_be_visible(timeout=60_000)  # at the next heartbeat (every 25 s)
    patient = stack.shell(
        "from clinical.models import Patient\nprint(Patient.objects.order_by('mrn')[1].pk)"
    )
    doctor = people()
    login(doctor, stack.url, "doctor", "demo-doctor-2026")
    expect(doctor.get_by_test_id("dashboard-title")).to_be_visible()
    doctor.goto(f"{stack.url}/patients/{patient}/documents/")
    doctor.locator("#doc-title").fill("Consent form signed while Redis was down")
    doctor.locator("#doc-file").set_input_files(
        {"name": "consent.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    doctor.get_by_role("button", name="Upload").click()
    expect(
        doctor.get_by_role("link", name=re.compile("Consent form signed while Redis"))
    ).to_be_visible()
    paid = stack.shell(
        "from decimal import Decimal\n"
        "from accounts.models import User\n"
        "from billing import services\n"
        "from billing.models import Invoice\n"
        "invoice = Invoice.objects.filter(status__in=['issued', 'partially_paid']).order_by('pk')[0]\n"
        "payment = services.payment_take(actor=User.objects.get(username='reception'),"
        " invoice=invoice, amount=Decimal('1.00'), mode='cash', again=True)\n"
        "print(payment.receipt_number, bool(payment.pdf))"
    )
    assert paid.split()[1] == "False"  # saved; its PDF could not be queued

    stack.run("up")

    expect(offline).to_be_hidden(timeout=120_000)  # the socket retries with back-off
    assert {name: stack.pids()[name] for name in servers} == servers
    before = stack.tasks_done(STOCK_CHECK)
    stack.queue_stock_check()
    assert stack.wait_for_task(STOCK_CHECK, before) == before + 1


def test_when_postgresql_restarts_a_request_in_the_gap_says_nothing_was_saved_and_the_servers_recover_by_themselves(
    stack, people
):
    """PostgreSQL stopped (fast shutdown: every session cut) and started again under the running
    stack. While it is down a page answers 503 saying the database is not answering, and a form
    sent then says what was typed was not saved, and nothing of it is in the database. When it is
    back, pages load and the worker's next task runs, with no HMS process restarted: gunicorn's
    workers check a kept connection before using it (CONN_HEALTH_CHECKS, CONN_MAX_AGE=60)."""
    from tests.e2e.test_clinical import fill_registration

    servers = {name: pid for name, pid in stack.pids().items() if name in ("web", "ws", "worker")}
    page = people()
    login(page, stack.url, "reception", "demo-reception-2026")
    for _ in range(4):  # both gunicorn workers now hold a connection
        assert page.goto(f"{stack.url}/patients/").ok
    page.goto(f"{stack.url}/patients/register/")
    fill_registration(page, first="Gap", last="Restartson", born="02/03/1990", phone="0712 998 877")

    stack.cluster.stop()
    try:
        other_tab = page.context.new_page()
        answer = other_tab.goto(f"{stack.url}/patients/")
        assert answer is not None and answer.status == 503
        assert answer.headers["retry-after"] == "30"
        expect(other_tab.get_by_test_id("database-down")).to_be_visible()

        with page.expect_navigation():
            page.get_by_role("button", name="Register patient").click()
        expect(page.get_by_test_id("database-down")).to_be_visible()
        expect(page.get_by_text("What you just did was not saved.")).to_be_visible()
    finally:
        stack.cluster.start()

    logged = len(stack.log("web"))
    for address in ("/patients/", "/appointments/", "/dashboard/", "/patients/"):
        answer = page.goto(f"{stack.url}{address}")
        assert answer is not None and answer.status == 200, address
    expect(page.get_by_test_id("dashboard-title").or_(page.locator("main#main"))).to_be_visible()
    expect_live(page)
    assert (
        stack.shell(
            "from clinical.models import Patient\n"
            "print(Patient.objects.filter(last_name='Restartson').count())"
        )
        == "0"
    )
    before = stack.tasks_done(STOCK_CHECK)
    stack.queue_stock_check()
    assert stack.wait_for_task(STOCK_CHECK, before) == before + 1
    assert {name: stack.pids()[name] for name in servers} == servers
    assert "Traceback" not in stack.log("web")[logged:]  # no page failed on a dead connection


def test_a_worker_killed_loses_no_queued_task_and_runs_it_once_when_started_again(stack):
    """kill -9 of the Huey worker (the box's OOM killer, a power cut of one process): a task
    queued while it is down waits in Redis, and runs once when `up` starts the worker again."""
    import signal

    worker = stack.pids()["worker"]
    os.kill(worker, signal.SIGKILL)
    for _ in range(100):
        if not _alive(worker):
            break
        time.sleep(0.05)
    before = stack.tasks_done(STOCK_CHECK)

    stack.queue_stock_check()
    assert "worker: stopped" in stack.run("status", check=False).stdout
    stack.run("up")

    stack.wait_for_task(STOCK_CHECK, before)
    stack.drain_queue()
    assert stack.tasks_done(STOCK_CHECK) == before + 1
    assert stack.pids()["worker"] != worker
