"""The analytics dashboard on the large hospital: each metric's selector and the whole page as
the admin opens it, for a 30-day period and for two years, on the database as it is (fill it
first with large_hospital.py): median and p95 wall time over N runs after a warm-up, and queries.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hms_bench_large \\
        .venv/bin/python tests/bench/dashboard.py --runs 10
    ... --explain revenue        # EXPLAIN ANALYZE of each query of one metric, two years
    ... --summary live           # with no daily summary: every day read from the records
    ... --summary summarized     # after the night's task (timed): closed days from the summary
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchdb  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--runs", type=int, default=10)
parser.add_argument("--warmup", type=int, default=2)
parser.add_argument("--explain", default="", help="a metric key: EXPLAIN ANALYZE its queries")
parser.add_argument(
    "--summary",
    choices=["as-is", "live", "summarized"],
    default="as-is",
    help="drop the daily summary first (live), or write it first and time that (summarized)",
)
parser.add_argument("--sqlite", default=None, help="SQLite file when DATABASE_URL is not set")
args = parser.parse_args()

benchdb.work_dir("hms-bench-dashboard-")
if not os.environ.get("DATABASE_URL"):
    path = Path(args.sqlite or benchdb.ROOT / "var" / "bench" / "large.sqlite3").resolve()
    os.environ["HMS_SQLITE_PATH"] = str(path)

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from accounts.models import User  # noqa: E402
from reports import summaries  # noqa: E402
from reports.metrics import METRICS  # noqa: E402
from reports.models import DailyFigure  # noqa: E402
from reports.period import ReportPeriod  # noqa: E402


def timed(action, runs: int, warmup: int) -> tuple[float, float, int]:
    """Median and p95 (ms) of `action` over `runs` after `warmup`, and its query count."""
    for _ in range(warmup):
        action()
    with CaptureQueriesContext(connection) as queries:
        action()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, len(queries)


def main() -> None:
    today = timezone.localdate()
    periods = {
        "30 days": ReportPeriod(today - timedelta(days=29), today, "30d"),
        "two years": ReportPeriod(today - timedelta(days=729), today, "custom"),
    }
    if args.explain:
        metric = next(m for m in METRICS if m.key == args.explain)
        with CaptureQueriesContext(connection) as queries:
            metric.compute(periods["two years"])
        with connection.cursor() as cursor:
            for query in queries.captured_queries:
                cursor.execute("EXPLAIN ANALYZE " + query["sql"])
                print(query["sql"][:300], "\n", "\n".join(r[0] for r in cursor.fetchall()), "\n")
        return
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    if args.summary != "as-is":
        summaries.summaries_forget()
    if args.summary == "summarized":
        started = time.perf_counter()
        through = summaries.summaries_close_days()
        print(
            f"daily summary written through {through} in {time.perf_counter() - started:.1f} s"
            f" ({DailyFigure.objects.count()} rows)"
        )
    print(f"daily summary mark: {summaries.summary_mark()}")
    print("| part | 30 days: median / p95 ms · queries | two years |")
    print("| --- | --- | --- |")
    for metric in METRICS:
        cells = []
        for period in periods.values():
            median, p95, count = timed(
                lambda p=period, m=metric: m.compute(p), args.runs, args.warmup
            )
            cells.append(f"{median:.1f} / {p95:.1f} · {count}")
        print(f"| {metric.key} | {cells[0]} | {cells[1]} |")
    client = Client(HTTP_HOST="127.0.0.1")
    admin = User.objects.get(username="admin")
    client.force_login(admin)
    device = TOTPDevice.objects.filter(user=admin, confirmed=True).first()
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    url = reverse("analytics_dashboard")
    cells = []
    for period in periods.values():
        query = period.query()

        def page(query=query):
            response = client.get(url, query)
            assert response.status_code == 200, response.status_code

        median, p95, _count = timed(page, args.runs, args.warmup)
        # Its queries are the metrics' plus the session's (tests/reports/test_dashboard.py
        # holds the page to a constant count); the test client's request signals hide them here.
        cells.append(f"{median:.1f} / {p95:.1f}")
    print(f"| whole page (admin) | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    main()
