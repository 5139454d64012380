"""The project's settings with the bench's own URLconf (a bare view beside every real page), for
the throughput run of tests/bench/pages.py; never used by the product."""

from hms.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
