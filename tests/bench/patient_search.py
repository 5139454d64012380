"""Benchmark: quick patient search (name part, typos, surname first, MRN, phone, ID) on 100,000
patients.

Loads N patients (default 100,000) into the database named by DATABASE_URL (a PostgreSQL
database it creates, e.g. hms_bench_search) or, without DATABASE_URL, a throwaway SQLite file,
then times `clinical.selectors.patient_search` for typical queries (median of 20 runs each) and
prints the plan PostgreSQL chose for the name search.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hms_bench_search \
        .venv/bin/python tests/bench/patient_search.py
    .venv/bin/python tests/bench/patient_search.py            # embedded mode (SQLite)
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hms.settings")
if not os.environ.get("DATABASE_URL"):
    os.environ["HMS_SQLITE_PATH"] = str(Path(tempfile.mkdtemp()) / "search-bench.sqlite3")

FIRST = [
    "Achieng",
    "Wanjiru",
    "Kiprop",
    "Otieno",
    "Amani",
    "Fatuma",
    "Brian",
    "Grace",
    "Samuel",
    "Mercy",
    "Hassan",
    "Esther",
    "John",
    "Mary",
    "Peter",
    "Faith",
    "David",
    "Joy",
    "Kevin",
    "Lucy",
    "Moses",
    "Naomi",
    "Paul",
    "Ruth",
    "Simon",
    "Tabitha",
    "Victor",
    "Winnie",
]
LAST = [
    "Odhiambo",
    "Kamau",
    "Chebet",
    "Njoroge",
    "Hassan",
    "Otieno",
    "Wambui",
    "Kipchoge",
    "Akinyi",
    "Abdi",
    "Nyambura",
    "Mutua",
    "Mwangi",
    "Ochieng",
    "Kariuki",
    "Wafula",
    "Cheruiyot",
    "Barasa",
    "Omondi",
    "Kiplagat",
    "Muthoni",
    "Wekesa",
    "Onyango",
    "Maina",
]


def ensure_database() -> None:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    with psycopg.connect(
        host=config["HOST"],
        port=config["PORT"] or 5432,
        user=config["USER"],
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        if not conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone():
            conn.execute(f'CREATE DATABASE "{config["NAME"]}"')


def load(count: int) -> None:
    from clinical import search
    from clinical.models import Patient

    have = Patient.objects.count()
    rng = random.Random(7)
    batch = []
    for n in range(have, count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        phone = f"+2547{rng.randrange(10**8):08d}"  # stored in E.164, as the services store it
        # Every third patient has a surname of their own ("Kamau" + a number), the others one of
        # the common ones: a name search has thousands of near matches to rank.
        last = f"{last}{n % 997}" if n % 3 == 0 else last
        batch.append(
            Patient(
                mrn=f"{n + 1:06d}",
                first_name=first,
                last_name=last,
                date_of_birth=date(1940, 1, 1) + timedelta(days=rng.randrange(30000)),
                sex=rng.choice("FM"),
                phone=phone,
                id_type="national_id" if n % 2 == 0 else "",
                id_number=f"{20_000_000 + n}" if n % 2 == 0 else "",
                name_key=search.name_key(first, last),
                phone_digits=search.phone_digits(phone),
            )
        )
        if len(batch) == 5000:
            Patient.objects.bulk_create(batch)
            batch = []
    if batch:
        Patient.objects.bulk_create(batch)


def timed(query: str, runs: int = 20) -> float:
    from clinical.selectors import patient_search

    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        list(patient_search(query))
        samples.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(samples), 2)


def counted(query: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from clinical.selectors import patient_search

    with CaptureQueriesContext(connection) as captured:
        list(patient_search(query))
    return len(captured.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    args = parser.parse_args()
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    load(args.patients)
    loaded = round(time.perf_counter() - started, 1)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE clinical_patient")
    queries = {
        "name part": "kama",
        "full name": "grace odhiambo",
        "typo": "wanjeru",
        "surname first, typo": "kamua wanjiru",
        "MRN": "054321",
        "phone part": "0712",
        "phone, international": "+254712",
        "ID part": "2004321",
        "no match": "zzzz",
    }
    result = {"database": connection.vendor, "patients": args.patients, "load_s": loaded}
    result.update({f"{label} ({query!r}) ms": timed(query) for label, query in queries.items()})
    result["queries per search"] = {label: counted(query) for label, query in queries.items()}
    if connection.vendor == "postgresql":
        from clinical.selectors import patient_search

        sql, params = patient_search("kama").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + sql, params)
            result["plan (name part)"] = " | ".join(row[0].strip() for row in cursor.fetchall()[:4])
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
