"""/healthz: 200 when the database and channel layer answer, 503 naming the part that fails."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]


def test_healthz_reports_each_part_ok(db, client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "channel_layer": "ok", "disk": "ok"},
    }
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


@override_settings(
    CHANNEL_LAYERS={
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            # Nothing listens on port 1: a real, refused connection.
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
)
def test_healthz_names_a_channel_layer_that_does_not_answer(db, client):
    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["channel_layer"].startswith("failing")


def test_healthz_names_a_database_that_does_not_answer(tmp_path):
    code = """
import django
django.setup()
from django.test import Client
response = Client(HTTP_HOST="localhost").get("/healthz")
print(response.status_code)
print(response.content.decode())
"""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "hms.settings",
            "HMS_VAR_DIR": str(tmp_path),
            # A PostgreSQL server that is not there: the connection is refused for real.
            "DATABASE_URL": "postgres://postgres@127.0.0.1:1/nothing",
        }
    )

    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )

    status, body = result.stdout.strip().split("\n", 1)
    assert status == "503"
    checks = json.loads(body)["checks"]
    assert checks["database"].startswith("failing")
    assert checks["channel_layer"] == "ok"


def test_healthz_checks_the_channel_layer_at_most_every_few_seconds(db, client, monkeypatch):
    from hms import views

    trips = []

    async def round_trip():
        trips.append(1)

    monkeypatch.setattr(views, "_channel_layer_round_trip", round_trip)
    monkeypatch.setattr(views, "_layer_check", {"layer": None, "at": 0.0, "answer": ""})
    clock = [1000.0]
    monkeypatch.setattr(views.time, "monotonic", lambda: clock[0])

    for _ in range(5):
        assert client.get("/healthz").status_code == 200
    clock[0] += views.CHANNEL_LAYER_CHECK_SECONDS + 1
    client.get("/healthz")

    assert len(trips) == 2


def test_healthz_says_the_disk_is_nearly_full_before_writes_fail(db, client, settings, tmp_path):
    """The threshold is set just above what this disk has free: the check must see "low" while
    the disk still takes writes; just below, it is ok again."""
    import shutil

    settings.HMS_BACKUP_DIR = tmp_path
    free_mb = shutil.disk_usage(tmp_path).free // (1024 * 1024)

    settings.HMS_DISK_MIN_FREE_MB = free_mb + 512
    low = client.get("/healthz")
    (tmp_path / "still-writable").write_bytes(b"x" * 4096)
    settings.HMS_DISK_MIN_FREE_MB = max(free_mb - 512, 0)
    room = client.get("/healthz")

    assert low.status_code == 503
    assert low.json()["status"] == "failing"
    assert low.json()["checks"]["disk"].startswith("low: ")
    assert f"below {free_mb + 512} MB" in low.json()["checks"]["disk"]
    assert str(tmp_path) not in low.content.decode()  # the answer is public: no folder names
    assert room.status_code == 200 and room.json()["checks"]["disk"] == "ok"
