"""Two real transactions at once: the race tests' one helper (PostgreSQL, each thread its own
connection), so every race in the suite starts the same way and reports the same way."""

import threading
from collections.abc import Callable

from django.db import connection


def race(work: Callable[[int], object], runners: int = 2, timeout: float = 30) -> dict[int, object]:
    """Run work(0) … work(runners - 1) in threads released together by a barrier; each thread
    uses, then closes, its own database connection. Returns runner -> what work returned, or the
    exception it raised (the test asserts which won and what the other was told)."""
    barrier = threading.Barrier(runners)
    outcome: dict[int, object] = {}

    def run(n: int) -> None:
        try:
            barrier.wait()
            outcome[n] = work(n)
        except Exception as error:  # reported by the test
            outcome[n] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(runners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return outcome


def kinds(outcome: dict[int, object]) -> list[str]:
    """The sorted class names of what each runner ended with, e.g. ["Payment", "BillingError"]."""
    return sorted(type(value).__name__ for value in outcome.values())
