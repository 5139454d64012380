"""The project's settings with the bench's own URLconf (a bare view beside every real page), for
the throughput run of tests/bench/pages.py and the load test's stack (tests/bench/load_test.py);
never used by the product."""

from hms.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
# No scheduled backup: the nightly one (02:30 in the hospital's time zone) and the one a fresh
# stack makes within five minutes as "overdue" are a pg_dump of the whole database, 49 s of the
# machine with the large hospital, which a run at that moment measured instead of the screens.
HMS_BACKUP_AT = "off"
