"""`manage.py serve` (the embedded mode of `make run`): one process serving pages and
websockets with the task consumer inside it, which must know every app's periodic tasks (the
nightly backup, the audit checkpoint, the ward accrual...), not only those a page imports."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from django.apps import apps
from django.utils.module_loading import module_has_submodule
from huey.api import PeriodicTask

REPO = Path(__file__).resolve().parents[2]


def _periodic_task_names() -> set[str]:
    """Every periodic task the project's apps declare, by the name Huey lists it under."""
    import importlib

    names = set()
    for app in apps.get_app_configs():
        if not module_has_submodule(app.module, "tasks"):
            continue
        module = importlib.import_module(f"{app.name}.tasks")
        for value in vars(module).values():
            task_class = getattr(value, "task_class", None)
            if task_class is not None and issubclass(task_class, PeriodicTask):
                names.add(f"{module.__name__}.{task_class.__name__}")
    return names


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_answers_and_its_task_consumer_knows_every_apps_periodic_tasks(tmp_path):
    expected = _periodic_task_names()
    assert {"hms.tasks.backup_daily", "wards.tasks.accrue_ward_charges"} <= expected
    port = _free_port()
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "HMS_LOG_FILE")
    }
    # Plain lines, whatever the run's own format (CI's PostgreSQL half logs JSON).
    environment["HMS_LOG_FORMAT"] = "plain"
    environment["HMS_VAR_DIR"] = str(tmp_path)
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port)],
        cwd=REPO,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        health = None
        for _ in range(150):
            try:
                health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        assert health is not None and health.status_code == 200
    finally:
        server.terminate()
        printed, _ = server.communicate(timeout=30)
    listed = {line[2:].strip() for line in printed.splitlines() if line.startswith("+ ")}
    assert expected <= listed, f"not scheduled by serve: {sorted(expected - listed)}"
    assert "HMS (embedded mode)" in printed
