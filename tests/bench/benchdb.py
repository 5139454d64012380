"""What the benchmark scripts share: a throwaway working folder for the embedded mode's files, and
a PostgreSQL database of their own (named hms_bench_..., created fresh and dropped after).

    import benchdb  # first, before Django is set up (the scripts run from this folder)
    WORK_DIR = benchdb.work_dir("hms-bench-billing-")
"""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def work_dir(prefix: str) -> Path:
    """Point Django at the project and at a throwaway folder (SQLite file, Huey queue, files)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hms.settings")
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ["HMS_VAR_DIR"] = str(folder)
    # One key for every bench run (the throwaway folder would hold a new one each time): the
    # sessions a kept database holds from an earlier run still read, rather than each sign-in
    # logging "Session data corrupted" for them.
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + "k" * 60)
    os.environ.pop("REDIS_URL", None)  # the embedded Huey queue in the folder, not a shared Redis
    if not os.environ.get("DATABASE_URL"):
        os.environ["HMS_SQLITE_PATH"] = str(folder / "bench.sqlite3")
    return folder


def database_config() -> dict | None:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return None
    import dj_database_url

    config = dj_database_url.parse(url)
    # hms_load_...: the load test's large hospital (tests/bench/load_test.py), which the benches
    # that measure a database as it is (--large) read too.
    if not config["NAME"].startswith(("hms_bench", "hms_load")):
        sys.exit("The bench creates and drops its database: name it hms_bench_...")
    return config


def server(config: dict):
    import psycopg

    return psycopg.connect(
        host=config["HOST"],
        port=config["PORT"] or 5432,
        user=config["USER"],
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )


def fresh_database(config: dict | None) -> None:
    if config is None:
        return
    with server(config) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{config["NAME"]}"')


def drop_database(config: dict | None) -> None:
    if config is None:
        return
    from django.db import connections

    connections.close_all()
    with server(config) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}" WITH (FORCE)')
