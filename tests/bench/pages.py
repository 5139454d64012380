"""Server time of every main screen, per role: median and p95 over N requests after a warm-up,
query count and response size, in process with Django's test client; then (with --throughput) the
same screens under gunicorn (3 sync workers) against a bare Django view, as requests/s ratios.

    .venv/bin/python tests/bench/pages.py                       # SQLite, the demo hospital
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hms_bench_pages \\
        .venv/bin/python tests/bench/pages.py --runs 30 --json var/bench/pages.json
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hms_bench_large \\
        .venv/bin/python tests/bench/pages.py --large     # the hospital large_hospital.py made
    ... --throughput --duration 5                             # + gunicorn and wrk
    ... --only bed_board --profile                            # cProfile of one screen
    ... --reuse --rounds 3                                    # a shared machine: lowest of 3

Each run also times a fixed pure-Python loop (`reference_ms`, before and after every round): the
machine's speed at that moment, so figures from different machines or hours can be compared.

By default the demo hospital (`manage.py seed_demo`) is loaded into a fresh bench database, dropped
afterwards (--keep keeps it; --reuse measures one kept before without loading again). --large
measures the database as it is: fill it first with tests/bench/large_hospital.py.
"""

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import benchdb

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--runs", type=int, default=30, help="timed requests per screen")
parser.add_argument("--warmup", type=int, default=10, help="untimed requests per screen first")
parser.add_argument("--large", action="store_true", help="the large hospital, as it is")
parser.add_argument(
    "--sqlite", default=None, help="the SQLite file of --large (default var/bench/large.sqlite3)"
)
parser.add_argument("--keep", action="store_true", help="keep the demo bench database")
parser.add_argument("--reuse", action="store_true", help="measure the kept demo database")
parser.add_argument("--only", default="", help="comma-separated screen names (substrings)")
parser.add_argument("--json", default="", help="write the figures to this file")
parser.add_argument("--profile", action="store_true", help="cProfile one request per screen")
parser.add_argument(
    "--sql", action="store_true", help="print the queries of one request per screen"
)
parser.add_argument(
    "--explain",
    action="store_true",
    help="PostgreSQL: each SELECT of one request with its planning and execution time",
)
parser.add_argument(
    "--rounds",
    type=int,
    default=1,
    help="measure every screen this many times in turns; each screen's lowest median counts",
)
parser.add_argument("--throughput", action="store_true", help="also gunicorn + a load tool")
parser.add_argument(
    "--before", default="", help="a --json file of an earlier run: print a before/after table"
)
parser.add_argument("--duration", type=int, default=5, help="seconds of load per screen")
parser.add_argument("--connections", type=int, default=20, help="open connections of the load")
parser.add_argument("--port", type=int, default=8917)
parser.add_argument(
    "--redis",
    default="",
    help="cache and channel layer on this Redis, as in production (e.g. redis://127.0.0.1:6379/7)",
)
args = parser.parse_args()

WORK_DIR = benchdb.work_dir("hms-bench-pages-")
if args.large and not os.environ.get("DATABASE_URL"):
    os.environ["HMS_SQLITE_PATH"] = str(
        Path(args.sqlite or benchdb.ROOT / "var" / "bench" / "large.sqlite3").resolve()
    )
    if not Path(os.environ["HMS_SQLITE_PATH"]).exists():
        sys.exit("No large hospital: run tests/bench/large_hospital.py first.")
if args.redis:
    os.environ["REDIS_URL"] = args.redis
if args.reuse and not os.environ.get("DATABASE_URL"):
    sys.exit("--reuse needs DATABASE_URL (the SQLite demo database lives in a throwaway folder).")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

CONFIG = benchdb.database_config()
VENV_BIN = Path(sys.executable).parent


def prepare_database() -> None:
    if args.large:
        return
    if args.reuse:
        return
    benchdb.fresh_database(CONFIG)
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=io.StringIO())
    if connection.vendor == "postgresql":
        # Planner statistics, as a live database has them (autovacuum analyzes a table once a
        # tenth of it changed; a test server may run with autovacuum off).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def ensure_chat_thread():
    """The demo has no conversation: one between the doctor and the nurse, 30 messages."""
    from accounts.models import User
    from messaging.models import Message, Thread, ThreadMember

    doctor = User.objects.get(username="doctor")
    nurse = User.objects.get(username="nurse")
    thread = (
        Thread.objects.filter(members__user=doctor).filter(members__user=nurse).order_by("pk")
    ).first()
    if thread is None:
        thread = Thread.objects.create(created_by=doctor)
        ThreadMember.objects.bulk_create(
            [ThreadMember(thread=thread, user=doctor), ThreadMember(thread=thread, user=nurse)]
        )
        Message.objects.bulk_create(
            Message(
                thread=thread,
                sender=doctor if i % 2 else nurse,
                body=f"Bed 4's drip, round {i}: check at the hour.",
            )
            for i in range(30)
        )
        Thread.objects.filter(pk=thread.pk).update(last_message_at=timezone.now())
    return thread


def ensure_consultation(doctor):
    """The demo has appointments but no consultation yet: the doctor starts today's first."""
    from clinical.models import Appointment, Encounter
    from clinical.services import encounter_start

    encounter = Encounter.objects.filter(doctor=doctor).order_by("-started_at").first()
    if encounter is None:
        today = timezone.localdate()
        appointment = (
            Appointment.objects.filter(doctor=doctor, starts_at__date=today)
            .order_by("starts_at")
            .first()
        )
        if appointment is not None:
            encounter = encounter_start(actor=doctor, appointment=appointment)
    return encounter


def client_for(username: str) -> Client:
    from accounts.models import User

    user = User.objects.get(username=username)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    if user.second_factor_required:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def screens() -> list[dict]:
    """(name, role, path, htmx target or None) of every main screen and its fragments."""
    from accounts.models import User
    from billing.models import Invoice
    from engineering.models import Machine, WorkOrder
    from lab.models import TestOrder
    from wards.models import Admission

    doctor = User.objects.get(username="doctor")
    # The chart's patient: the one with the most history among the demo's admitted patients.
    admission = (
        Admission.objects.filter(discharged_at__isnull=True).order_by("admitted_at", "pk").first()
    )
    patient = admission.patient
    encounter = ensure_consultation(doctor)
    order = TestOrder.objects.order_by("-ordered_at").first()
    invoice = (
        Invoice.objects.exclude(number=None).order_by("-issued_at").first()
        or Invoice.objects.order_by("-pk").first()
    )
    account_patient = invoice.patient if invoice else patient
    thread = ensure_chat_thread()
    # Engineering (issue 16): the machine with the longest history, the newest work order.
    machine = Machine.objects.order_by("-status_changes__effective_at", "pk").first()
    work_order = WorkOrder.objects.order_by("-pk").first()
    today = timezone.localdate().isoformat()
    query = patient.last_name[:4].lower()
    rows = [
        ("sign-in page", None, "/accounts/login/", None),
        ("healthz", None, "/healthz", None),
    ]
    for role in [
        "admin",
        "doctor",
        "nurse",
        "reception",
        "lab",
        "engineer",
        "pharmacist",
        "accountant",
        "patient",
    ]:
        rows.append((f"dashboard ({role})", role, "/dashboard/", None))
    rows += [
        ("patient list", "reception", "/patients/", None),
        ("patient search page", "reception", f"/patients/?q={query}", None),
        ("patient search (as you type)", "reception", f"/patients/?q={query}", "patient-results"),
        ("chart", "doctor", f"/patients/{patient.pk}/", None),
        ("history", "doctor", f"/patients/{patient.pk}/history/", None),
        ("appointments list", "reception", f"/appointments/?date={today}", None),
        ("doctor's today", "doctor", "/appointments/today/", None),
        ("doctor's today (fragment)", "doctor", "/appointments/today/", f"today-{doctor.pk}"),
        (
            "booking slots",
            "reception",
            f"/appointments/slots/?doctor={doctor.pk}&date={today}&patient={patient.pk}",
            "slots",
        ),
        ("bed board", "nurse", "/wards/", None),
        ("bed board (fragment)", "nurse", "/wards/", "bed-board"),
        ("ward's patients (nurse's home panel)", "nurse", "/wards/patients/", None),
        ("admission", "nurse", f"/wards/admissions/{admission.pk}/", None),
        ("lab worklist", "lab", "/lab/", None),
        ("lab worklist (fragment)", "lab", "/lab/", "worklist"),
        ("lab order", "lab", f"/lab/orders/{order.pk}/", None),
        ("patient account", "accountant", f"/billing/patients/{account_patient.pk}/", None),
        (
            "patient account (fragment)",
            "accountant",
            f"/billing/patients/{account_patient.pk}/",
            "account",
        ),
        ("outstanding list", "accountant", "/billing/outstanding/", None),
        ("chat thread", "doctor", f"/chat/{thread.pk}/", None),
        ("notifications", "doctor", "/notifications/", None),
        ("notification bell", "doctor", "/notifications/bell/", "bell"),
        ("lab machines-down banner", "lab", "/lab/machines-down/", "machines-down"),
        ("machine register", "engineer", "/engineering/machines/", None),
        ("machine page", "engineer", f"/engineering/machines/{machine.pk}/", None),
        ("machine page (nurse)", "nurse", f"/engineering/machines/{machine.pk}/", None),
        ("engineering queue", "engineer", "/engineering/queue/", None),
        ("engineering overview", "engineer", "/engineering/overview/", None),
    ]
    if work_order:
        rows.append(("work order", "engineer", f"/engineering/work-orders/{work_order.pk}/", None))
    rows += [  # issue 17: leave, attendance and the roster, and the desk's appointments to move
        ("my leave", "nurse", "/hr/leave/", None),
        ("leave requests", "admin", "/hr/leave/requests/", None),
        ("who is away", "admin", "/hr/leave/away/", None),
        ("leave balances", "admin", "/hr/leave/balances/", None),
        ("my attendance", "nurse", "/hr/attendance/", None),
        ("team attendance", "admin", "/hr/attendance/team/", None),
        ("roster", "admin", "/hr/roster/", None),
        ("attendance report", "admin", "/hr/attendance/report/", None),
        ("appointments to move", "reception", "/appointments/to-move/", None),
    ]
    from clinical.models import Prescription
    from pharmacy.models import FormularyItem

    waiting = (
        Prescription.objects.filter(formulary_item__isnull=False, outside=False)
        .order_by("pk")
        .first()
    )
    item = FormularyItem.objects.order_by("pk").first()
    rows += [  # issue 18: the pharmacy and stores
        ("dispensing queue", "pharmacist", "/pharmacy/dispensing/", None),
        ("pharmacy home panel", "pharmacist", "/pharmacy/dispensing/summary/", "pharmacy"),
        ("formulary", "pharmacist", "/pharmacy/formulary/", None),
        ("formulary search (prescribing)", "doctor", "/pharmacy/formulary/pick/?q=amo", "pick"),
        ("stock levels", "pharmacist", "/pharmacy/stock/", None),
        ("stock alerts panel", "pharmacist", "/pharmacy/stock/alerts/", "stock-alerts"),
        ("stock value report", "accountant", "/pharmacy/stock/reports/", None),
        ("ward stores", "nurse", "/pharmacy/stock/wards/", None),
    ]
    if waiting is not None:
        rows.append(
            ("dispense", "pharmacist", f"/pharmacy/dispensing/prescriptions/{waiting.pk}/", None)
        )
    if item is not None:
        rows.append(("stock item", "pharmacist", f"/pharmacy/stock/items/{item.pk}/", None))
    from queues.models import DisplayScreen, ServicePoint

    triage = ServicePoint.objects.filter(prefix="T").first()
    display = DisplayScreen.objects.filter(is_active=True).first()
    if triage is not None:
        rows += [
            ("queue overview", "reception", "/queue/", None),
            ("queue of a service point", "nurse", f"/queue/{triage.pk}/", None),
            ("queue flow panel", "reception", "/queue/flow/", None),
        ]
    if display is not None:
        rows += [
            ("queue display (TV)", None, f"/queue/display/{display.token}/", None),
            ("queue display board", None, f"/queue/display/{display.token}/board/", None),
        ]
    if encounter:
        rows.append(
            ("consultation", "doctor", f"/appointments/consultations/{encounter.pk}/", None)
        )
    if invoice:
        rows.append(("invoice", "accountant", f"/billing/invoices/{invoice.pk}/", None))
    only = [word.strip() for word in args.only.split(",") if word.strip()]
    return [
        {"name": name, "role": role, "path": path, "target": target}
        for name, role, path, target in rows
        if not only or any(word in name for word in only)
    ]


def headers_of(screen: dict) -> dict:
    if not screen["target"]:
        return {}
    return {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": screen["target"]}


def measure(screen: dict, client: Client) -> dict:
    headers = headers_of(screen)
    for _ in range(args.warmup):
        response = client.get(screen["path"], **headers)
    if response.status_code != 200:
        raise SystemExit(f"{screen['name']}: {screen['path']} answered {response.status_code}")
    timings, cpu = [], []
    for _ in range(args.runs):
        start, start_cpu = time.perf_counter(), time.thread_time()
        response = client.get(screen["path"], **headers)
        timings.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - start_cpu) * 1000)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(screen["path"], **headers)
    if args.sql:
        for query in queries.captured_queries:
            print(f"    {query['time']}s {query['sql'][:220]}")
    if args.explain:
        explain(queries.captured_queries)
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    return {
        **screen,
        "median_ms": round(statistics.median(timings), 2),
        "p95_ms": round(p95, 2),
        # This process's CPU only (templates, Python): steadier than wall time on a busy machine.
        "cpu_ms": round(statistics.median(cpu), 2),
        "queries": len(queries.captured_queries),
        "bytes": len(response.content),
    }


def explain(captured: list[dict]) -> None:
    """Planning and execution time of each SELECT, as PostgreSQL reports them (ms): the part of
    a query's time spent in the database, against the rest spent building it in Python."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for query in captured:
            if not query["sql"].lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, SUMMARY, FORMAT JSON) " + query["sql"])
            plan = cursor.fetchone()[0][0]
            print(
                f"    plan {plan['Planning Time']:6.2f}ms  run {plan['Execution Time']:6.2f}ms"
                f"  {query['sql'][:150]}"
            )


def profile(screen: dict, client: Client) -> None:
    import cProfile
    import pstats

    headers = headers_of(screen)
    client.get(screen["path"], **headers)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(10):
        client.get(screen["path"], **headers)
    profiler.disable()
    # HMS_PROFILE_DUMP=var/bench/prof: the raw stats too, one file per screen, for pstats/snakeviz
    if dump := os.environ.get("HMS_PROFILE_DUMP"):
        Path(dump).mkdir(parents=True, exist_ok=True)
        profiler.dump_stats(Path(dump) / f"{screen['name'].replace('/', '-')}.prof")
    print(f"\n--- profile of 10 requests: {screen['name']}")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(
        int(os.environ.get("HMS_PROFILE_LINES", "35"))
    )
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    # HMS_PROFILE_CALLERS=get_models: who calls the functions matching it
    if callers := os.environ.get("HMS_PROFILE_CALLERS"):
        pstats.Stats(profiler).print_callers(callers)


def cookie_of(client: Client | None) -> str:
    if client is None:
        return ""
    return "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items())


def load_with_wrk(url: str, cookie: str, headers: dict) -> float:
    command = [
        "wrk",
        "-t2",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--timeout",
        "5s",
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        command + [url], capture_output=True, text=True, timeout=args.duration + 30
    )
    rate = next(
        (line.split()[1] for line in out.stdout.splitlines() if line.startswith("Requests/sec")),
        "0",
    )
    if "Non-2xx" in out.stdout:
        print(f"  ! {url}: some answers were not 2xx")
    return float(rate)


def load_with_threads(url: str, cookie: str, headers: dict) -> float:
    """A bounded threaded loop to 127.0.0.1 when wrk is not installed."""
    import http.client
    import threading
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    deadline = time.monotonic() + args.duration
    done = [0] * args.connections
    sent_headers = {**headers, "Host": "127.0.0.1"}
    if cookie:
        sent_headers["Cookie"] = cookie

    def worker(slot: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=5)
        while time.monotonic() < deadline and done[slot] < 100_000:
            conn.request("GET", path, headers=sent_headers)
            conn.getresponse().read()
            done[slot] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.connections)]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - start)


def throughput(rows: list[dict], clients: dict) -> list[dict]:
    """gunicorn, 3 sync workers, on the same database; every screen against the bare view."""
    import shutil
    import urllib.request

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "PYTHONUNBUFFERED": "1",
        # As deploy/systemd/hms-web.service runs the pages.
        "HMS_DB_CONN_MAX_AGE": "60",
    }
    bench_dir = Path(__file__).resolve().parent
    server = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "--workers",
            "3",
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--pythonpath",
            f"{bench_dir},{benchdb.ROOT}",
            "--log-level",
            "warning",
            "hms.wsgi:application",
        ],
        env=env,
        cwd=benchdb.ROOT,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/bench/bare", timeout=1).read()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not start")
        load = load_with_wrk if shutil.which("wrk") else load_with_threads
        print(
            f"\nThroughput: gunicorn 3 sync workers, {args.connections} connections, "
            f"{args.duration} s each, {load.__name__.removeprefix('load_with_')}"
        )
        bare = load(f"{base}/bench/bare", "", {})
        print(f"  bare Django view: {bare:8.1f} req/s")
        results = []
        for row in rows:
            headers = {}
            if row["target"]:
                headers = {"HX-Request": "true", "HX-Target": row["target"]}
            rate = load(base + row["path"], cookie_of(clients.get(row["role"])), headers)
            results.append(
                {"name": row["name"], "rps": round(rate, 1), "ratio": round(rate / bare, 3)}
            )
            print(f"  {row['name']:<32} {rate:8.1f} req/s  {rate / bare:6.3f} of bare")
        return [{"name": "bare Django view", "rps": round(bare, 1), "ratio": 1.0}] + results
    finally:
        server.terminate()
        server.wait(timeout=20)


def reference_ms() -> float:
    """The machine's speed now: the best of 5 timings of a fixed pure-Python loop, in ms (no
    Django, no database). Printed with every round so runs on different days can be compared."""
    import timeit

    return round(
        min(timeit.repeat("sum(i * i for i in range(100_000))", number=5, repeat=5)) * 200, 2
    )


def lowest_of(rounds: list[list[dict]]) -> list[dict]:
    """Each screen's figures from the round with its lowest median (its CPU the lowest too): on a
    shared machine a slow minute then costs one round, not the screens measured during it."""
    best = []
    for measured in zip(*rounds, strict=True):
        row = dict(min(measured, key=lambda result: result["median_ms"]))
        row["cpu_ms"] = min(result["cpu_ms"] for result in measured)
        row["medians_ms"] = [result["median_ms"] for result in measured]
        best.append(row)
    return best


def print_row(result: dict) -> None:
    print(
        f"{result['name']:<32} {result['role'] or '-':<11} {result['median_ms']:>6.2f}ms "
        f"{result['p95_ms']:>6.2f}ms {result['cpu_ms']:>6.2f}ms {result['queries']:>7} "
        f"{result['bytes']:>8}"
    )


def print_comparison(before: dict, after: dict) -> None:
    """A Markdown table of each screen's median, CPU and queries, before and after."""
    earlier = {row["name"]: row for row in before["screens"]}
    print("\n| screen | before median / CPU ms | queries | after median / CPU ms | queries |")
    print("| --- | --- | --- | --- | --- |")
    for row in after["screens"]:
        old = earlier.get(row["name"])
        was = f"{old['median_ms']:.1f} / {old['cpu_ms']:.1f} | {old['queries']}" if old else "— | —"
        print(
            f"| {row['name']} | {was} | {row['median_ms']:.1f} / {row['cpu_ms']:.1f} "
            f"| {row['queries']} |"
        )


def main() -> None:
    prepare_database()
    rows = screens()
    # As a gunicorn worker is before its first page (hms/wsgi.py): every view loaded, and what
    # is loaded kept out of the garbage collector's passes.
    from hms import wsgi

    wsgi.settle_for_serving()  # (importing it did too; again for the bench's own setup)

    clients: dict[str | None, Client] = {None: Client(HTTP_HOST="127.0.0.1")}
    rounds, references = [], [reference_ms()]
    engine = connection.vendor
    print(
        f"{'large hospital' if args.large else 'demo hospital'} on {engine}"
        f"{', Redis' if args.redis else ''}, {args.runs} requests after {args.warmup} warm-up, "
        f"DEBUG={settings.DEBUG}; reference loop {references[0]:.2f} ms"
    )
    heading = (
        f"{'screen':<32} {'role':<11} {'median':>8} {'p95':>8} {'cpu':>8} {'queries':>7} "
        f"{'bytes':>8}"
    )
    for number in range(1, args.rounds + 1):
        if args.rounds > 1:
            print(f"-- round {number} of {args.rounds}")
        print(heading)
        results = []
        for screen in rows:
            if screen["role"] not in clients:
                clients[screen["role"]] = client_for(screen["role"])
            client = clients[screen["role"]]
            result = measure(screen, client)
            results.append(result)
            print_row(result)
            if args.profile:
                profile(screen, client)
        rounds.append(results)
        references.append(reference_ms())
        print(f"reference loop {references[-1]:.2f} ms")
    results = rounds[0] if args.rounds == 1 else lowest_of(rounds)
    if args.rounds > 1:
        print(f"-- each screen's lowest median of {args.rounds} rounds")
        print(heading)
        for result in results:
            print_row(result)
    report = {
        "hospital": "large" if args.large else "demo",
        "database": engine,
        "runs": args.runs,
        "rounds": args.rounds,
        "reference_ms": references,
        "at": timezone.now().isoformat(),
        "screens": results,
    }
    if args.throughput:
        report["throughput"] = throughput(rows, clients)
    if args.before:
        print_comparison(json.loads(Path(args.before).read_text()), report)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=2))
        print(f"written: {args.json}")


if __name__ == "__main__":
    try:
        main()
    finally:
        if not (args.large or args.keep or args.reuse):
            benchdb.drop_database(CONFIG)
