"""WSGI entry point: the page workers in production (gunicorn)."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hms.settings")

application = get_wsgi_application()


def settle_for_serving() -> None:
    """Load every view now (the URLconf imports them), then keep what is loaded, which lives as
    long as the worker, out of the garbage collector's passes (`gc.freeze`, as the Python docs
    advise for long-lived servers). Without it each full pass walked ~155,000 such objects: a
    50 ms pause of the page being served, every few dozen pages (docs/BENCHMARKS.md, session
    22). tests/bench/pages.py calls it too, so it measures what production serves."""
    get_resolver().url_patterns  # noqa: B018 (imported for its side effect: every view module)
    gc.collect()
    gc.freeze()


settle_for_serving()
