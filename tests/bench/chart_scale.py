"""A patient with 5,000 consultations (issue 21): the chart and the history as a doctor opens
them, with 60 consultations (every panel full) and then with 5,000 (each with a prescription and a set of vitals):
median and p95 wall time over N requests after a warm-up, CPU time, and queries. In process,
Django's test client, as tests/bench/pages.py measures.

    .venv/bin/python tests/bench/chart_scale.py                         # SQLite, demo hospital
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hms_bench_chart \\
        .venv/bin/python tests/bench/chart_scale.py                     # made fresh, dropped after
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hms_bench_large \\
        .venv/bin/python tests/bench/chart_scale.py --large             # one more patient in it

The query-count promise itself is a test: tests/clinical/test_chart_at_scale.py.
"""

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchdb  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--runs", type=int, default=30)
parser.add_argument("--warmup", type=int, default=5)
parser.add_argument("--encounters", type=int, default=5000)
parser.add_argument("--large", action="store_true", help="the database as it is (no fresh one)")
args = parser.parse_args()

benchdb.work_dir("hms-bench-chart-")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import User  # noqa: E402
from clinical.models import Patient  # noqa: E402
from tests.clinical.test_chart_at_scale import FEW, add_consultations  # noqa: E402
from tests.factories import PatientFactory  # noqa: E402

CONFIG = benchdb.database_config()


def timed(path: str, client: Client) -> dict:
    for _ in range(args.warmup):
        client.get(path)
    counted = []

    def count(execute, sql, params, many, context):
        counted.append(sql)
        return execute(sql, params, many, context)

    # Counted as they run, whatever the connection does between requests.
    with connection.execute_wrapper(count):
        status = client.get(path).status_code
    assert status == 200, status
    walls, cpus = [], []
    for _ in range(args.runs):
        wall, cpu = time.perf_counter(), time.process_time()
        client.get(path)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    walls.sort()
    return {
        "median_ms": round(statistics.median(walls), 1),
        "p95_ms": round(walls[min(len(walls) - 1, round(0.95 * (len(walls) - 1)))], 1),
        "cpu_ms": round(statistics.median(cpus), 1),
        "queries": len(counted),
    }


def main() -> None:
    if not args.large:
        benchdb.fresh_database(CONFIG)
        call_command("migrate", verbosity=0)
        call_command("seed_demo", stdout=io.StringIO())
    try:
        doctor = User.objects.filter(role="doctor", is_active=True).order_by("pk").first()
        # A number no patient has yet (the factory's sequence starts again on every run).
        taken = set(Patient.objects.values_list("mrn", flat=True))
        patient = PatientFactory(
            mrn=next(f"{n:06d}" for n in range(999_999, 0, -1) if f"{n:06d}" not in taken)
        )
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(doctor)
        add_consultations(patient, doctor, FEW)
        pages = {
            "chart": reverse("patient_chart", args=[patient.pk]),
            "history": reverse("patient_history", args=[patient.pk]),
        }
        rows = {name: {str(FEW): timed(path, client)} for name, path in pages.items()}
        started = time.perf_counter()
        add_consultations(patient, doctor, args.encounters - FEW, start=FEW)
        print(f"{args.encounters} consultations added in {time.perf_counter() - started:.1f} s")
        for name, path in pages.items():
            rows[name][str(args.encounters)] = timed(path, client)
        where = connection.vendor
        print(f"| page ({where}) | consultations | median ms | p95 ms | CPU ms | queries |")
        print("| --- | --- | --- | --- | --- | --- |")
        for name, figures in rows.items():
            for count, f in figures.items():
                print(
                    f"| {name} | {count} | {f['median_ms']} | {f['p95_ms']} | {f['cpu_ms']} "
                    f"| {f['queries']} |"
                )
    finally:
        if not args.large:
            benchdb.drop_database(CONFIG)


if __name__ == "__main__":
    main()
