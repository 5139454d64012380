"""Serve HMS as one ASGI process (pages and websockets), with the Huey consumer inside it.

This is the embedded mode of `make run`: the in-memory channel layer is process-local, so the
task consumer must live in the server process for task events to reach browsers. In production
(REDIS_URL set) run `manage.py run_huey` as its own process and pass --no-tasks here, or serve
pages with gunicorn and /ws/ with uvicorn (see deploy/).
"""

import logging

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import autodiscover_modules
from huey.consumer import Consumer
from huey.contrib.djhuey import HUEY

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Serve the ASGI app (pages + websockets) with the task consumer in the same process."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--no-tasks", action="store_true", help="do not run the Huey consumer in-process"
        )

    def handle(self, *args, host: str, port: int, no_tasks: bool, **options):
        consumer = None
        if not no_tasks:
            # A short back-off ceiling: SQLite Huey polls, and a task should start within
            # a fraction of a second, not after the default 10 s of idle back-off.
            # As run_huey does: import every app's tasks module, so the periodic tasks no page
            # imports (the nightly backup, the audit checkpoint, ...) are scheduled too.
            autodiscover_modules("tasks")
            consumer = Consumer(HUEY, workers=2, worker_type="thread", max_delay=0.25)
            consumer.start()
        mode = "production" if settings.PRODUCTION else "embedded"
        self.stdout.write(f"HMS ({mode} mode) on http://{host}:{port}/  (Ctrl-C stops)")
        try:
            uvicorn.run(
                "hms.asgi:application",
                host=host,
                port=port,
                lifespan="off",
                log_level="info",
                ws="websockets-sansio",
            )
        finally:
            if consumer is not None:
                consumer.stop(graceful=True)
