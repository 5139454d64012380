"""Settings come from the environment: the embedded defaults, each production switch, and the
production mode that refuses weak configuration and passes `check --deploy`."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "k3V9x-Q7mZ2pL8nR4tW6yB1cD5fG0hJ3kM7qS9uX2zA4eC6iO8rT1vY5wN3bF7gH",
    "DJANGO_ALLOWED_HOSTS": "hms.example-hospital.org",
}


def run_django(code: str, env: dict, tmp_path) -> subprocess.CompletedProcess:
    """Run `code` in a fresh Python with exactly these settings variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "HMS_"))}
    clean.pop("DATABASE_URL", None)
    clean.pop("REDIS_URL", None)
    clean.pop("AWS_STORAGE_BUCKET_NAME", None)
    clean.update({"HMS_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "hms.settings"})
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


SHOW = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({
    "db": settings.DATABASES["default"]["ENGINE"],
    "conn_max_age": settings.DATABASES["default"].get("CONN_MAX_AGE"),
    "layer": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "cache": settings.CACHES["default"]["BACKEND"],
    "huey": settings.HUEY["huey_class"],
    "storage": settings.STORAGES["default"]["BACKEND"],
}))
"""


def test_the_defaults_are_the_embedded_mode(tmp_path):
    result = run_django(SHOW, {}, tmp_path)

    shown = json.loads(result.stdout)
    assert shown["db"] == "django_prometheus.db.backends.sqlite3"  # Django's, counted
    assert shown["layer"] == "channels.layers.InMemoryChannelLayer"
    assert shown["cache"].endswith("LocMemCache")
    assert shown["storage"] == "django.core.files.storage.FileSystemStorage"
    assert (tmp_path / "secret_key").exists()  # generated once, kept for the next start


def test_database_redis_and_bucket_variables_switch_to_the_services(tmp_path):
    env = {
        "DATABASE_URL": "postgres://hms:pw@db.internal:5432/hms",
        "REDIS_URL": "redis://cache.internal:6379/0",
        "AWS_STORAGE_BUCKET_NAME": "hospital-private",
    }

    shown = json.loads(run_django(SHOW, env, tmp_path).stdout)

    assert shown["db"] == "django_prometheus.db.backends.postgresql"  # Django's, counted
    assert shown["conn_max_age"] == 0
    assert shown["layer"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    assert shown["cache"] == "hms.redis_cache.DegradingRedisCache"
    assert shown["huey"] == "huey.RedisHuey"
    assert shown["storage"] == "storages.backends.s3.S3Storage"


def test_the_wsgi_workers_keep_their_database_connection_when_told(tmp_path):
    env = {"DATABASE_URL": "postgres://hms:pw@db.internal:5432/hms", "HMS_DB_CONN_MAX_AGE": "60"}
    show = SHOW.replace(
        '"conn_max_age":',
        '"health_checks": settings.DATABASES["default"]["CONN_HEALTH_CHECKS"], "conn_max_age":',
    )

    shown = json.loads(run_django(show, env, tmp_path).stdout)
    refused = run_django(SHOW, env | {"HMS_DB_CONN_MAX_AGE": "a minute"}, tmp_path)

    assert shown["conn_max_age"] == 60
    assert shown["health_checks"] is True  # a restarted database costs no failed page
    assert refused.returncode != 0
    assert "HMS_DB_CONN_MAX_AGE must be a number of seconds" in refused.stderr


def test_postgresql_keeps_a_repeated_query_prepared_unless_told_not_to(tmp_path):
    """Server-side binding with psycopg's prepared statements (a kept connection parses and
    plans a query once); "off" for a pooler in transaction mode; anything else is refused."""
    env = {"DATABASE_URL": "postgres://hms:pw@db.internal:5432/hms"}
    show = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps(settings.DATABASES["default"]["OPTIONS"]))
"""

    default = json.loads(run_django(show, env, tmp_path).stdout)
    off = json.loads(run_django(show, env | {"HMS_DB_PREPARE_THRESHOLD": "off"}, tmp_path).stdout)
    refused = run_django(show, env | {"HMS_DB_PREPARE_THRESHOLD": "often"}, tmp_path)

    assert default == {"server_side_binding": True, "prepare_threshold": 5}
    assert off == {"server_side_binding": True, "prepare_threshold": None}
    assert refused.returncode != 0
    assert "HMS_DB_PREPARE_THRESHOLD must be a number of runs" in refused.stderr


def test_a_page_worker_loads_every_view_and_keeps_it_out_of_the_collector(tmp_path):
    """hms.wsgi, as gunicorn loads it: the views imported before the first page, and what is
    loaded frozen (gc.freeze), so no page pays for a full pass over it."""
    shown = run_django(
        "import gc, json, sys; import hms.wsgi; "
        "print(json.dumps({'frozen': gc.get_freeze_count(), "
        "'views': 'billing.views' in sys.modules and 'wards.views' in sys.modules}))",
        {},
        tmp_path,
    )

    worker = json.loads(shown.stdout)
    assert worker["views"] is True
    assert worker["frozen"] > 100_000  # Django and HMS loaded: ~155,000 objects (2026-12)


@pytest.mark.parametrize(
    ("missing", "message"),
    [("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY"), ("DJANGO_ALLOWED_HOSTS", "DJANGO_ALLOWED_HOSTS")],
)
def test_production_refuses_to_start_without_a_secret_and_hosts(tmp_path, missing, message):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}

    result = run_django("import django; django.setup()", env, tmp_path)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def test_production_refuses_a_weak_secret(tmp_path):
    result = run_django(
        "import django; django.setup()",
        PRODUCTION_ENV | {"DJANGO_SECRET_KEY": "django-insecure-" + "a" * 50},
        tmp_path,
    )

    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


def test_production_passes_check_deploy_with_no_warnings(tmp_path):
    code = (
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])"
    )

    # A production box's backups are encrypted and copied off it (hms.checks).
    backups = {
        "HMS_BACKUP_RECIPIENT": "age1vcg6masvxmjr9suqcgh43n0krtaku0gjk4sygwdkpdp864fm5dgqcev4jl",
        "HMS_BACKUP_OFFSITE_BUCKET": "hospital-backups",
    }

    result = run_django(code, PRODUCTION_ENV | backups, tmp_path)

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


LOGGING_SHOWN = """
import json, os, sys
sys.argv = {argv!r}
import django
django.setup()
from django.conf import settings
print(json.dumps({{
    "format": settings.LOGGING["handlers"]["console"]["formatter"],
    "metrics_dir": os.environ.get("PROMETHEUS_MULTIPROC_DIR", ""),
}}))
"""


def _logging_shown(argv: list[str], env: dict, tmp_path) -> dict:
    result = run_django(LOGGING_SHOWN.format(argv=argv), env, tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    "argv",
    [
        ["/opt/hms/.venv/bin/gunicorn", "hms.wsgi:application"],
        ["/opt/hms/.venv/bin/uvicorn", "hms.asgi:application"],
        ["manage.py", "run_huey", "--workers", "2"],
    ],
)
def test_production_logs_json_and_its_servers_add_up_their_metrics(tmp_path, argv):
    shown = _logging_shown(argv, PRODUCTION_ENV, tmp_path)

    assert shown == {"format": "json", "metrics_dir": str(tmp_path / "metrics")}
    assert (tmp_path / "metrics").is_dir()


def test_a_one_off_command_and_the_embedded_mode_write_no_metrics_files(tmp_path):
    command = _logging_shown(["manage.py", "migrate"], PRODUCTION_ENV, tmp_path)
    embedded = _logging_shown(["/opt/hms/.venv/bin/uvicorn"], {}, tmp_path)

    assert command == {"format": "json", "metrics_dir": ""}
    assert embedded == {"format": "plain", "metrics_dir": ""}
    assert not (tmp_path / "metrics").exists()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("HMS_LOG_FORMAT", "xml"),
        ("HMS_METRICS_ALLOWED_IPS", "127.0.0.1,the-monitoring-box"),
        ("HMS_METRICS_TOKEN", "short"),
    ],
)
def test_monitoring_settings_refuse_what_they_cannot_use(tmp_path, variable, value):
    result = run_django("import django; django.setup()", {variable: value}, tmp_path)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and variable in result.stderr
