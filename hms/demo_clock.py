"""The demo's clock: the demo hospital's past is made through the real services, each action at
its moment in the past (docs/DECISIONS.md, "The demo's ninety days of history").

`with DemoClock() as clock:` and `clock.set(moment)` before each action. Until the block ends,
in this thread only (a context variable; another thread, such as a live server's request, keeps
the real time and its announcements):

- `django.utils.timezone.now()` answers that moment, so what the services stamp (their own
  moments, the models' `auto_now_add`, the audit row, the numbering's year) is the past's;
- nothing is announced or left for after the commit: live fragments are not rendered
  (`hms.realtime.publish`) and `transaction.on_commit` callbacks are dropped. September's bed
  board refreshes, bells and toasts are nobody's news, and billing renders a PDF nobody has
  opened yet when it is first asked for (billing.views), not hundreds at seeding.

Only `manage.py seed_demo` runs it; no user action ever does. (time-machine moves the clock in
tests, but it is a test dependency, and it would not silence the announcements.)
"""

from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from hms import realtime

_moment: ContextVar[datetime | None] = ContextVar("demo_moment", default=None)
_real_now: Callable[[], datetime] = timezone.now
_real_on_commit: Callable[..., Any] = transaction.on_commit
_real_publish: Callable[..., None] = realtime.publish
_entered = 0  # DemoClock blocks open, in any thread: the functions are swapped while any is


def _now() -> datetime:
    moment = _moment.get()
    return _real_now() if moment is None else moment


def _on_commit(func: Callable[[], Any], using: str | None = None, robust: bool = False) -> None:
    if _moment.get() is None:
        _real_on_commit(func, using=using, robust=robust)


def _publish(group: str, template: str, context: dict | None = None, **options: Any) -> None:
    if _moment.get() is None:
        _real_publish(group, template, context, **options)


class DemoClock:
    """`with DemoClock() as clock: clock.set(moment); service(...)`: the service runs at
    `moment`, unannounced. Before the first `set`, and after the block, the real time."""

    def __enter__(self) -> "DemoClock":
        global _entered
        self._token = _moment.set(None)
        if _entered == 0:
            timezone.now = _now
            transaction.on_commit = _on_commit
            realtime.publish = _publish
        _entered += 1
        return self

    def set(self, moment: datetime) -> None:
        """Let the actions that follow happen at `moment` (an aware datetime). Raises
        ValueError for a naive one, or one after the real now: the demo's past is never in
        the future."""
        if timezone.is_naive(moment):
            raise ValueError("the demo clock takes aware datetimes")
        if moment > _real_now():
            raise ValueError(f"the demo's past cannot be at {moment.isoformat()}, after now")
        _moment.set(moment)

    def __exit__(self, *exc_info: object) -> None:
        global _entered
        _moment.reset(self._token)
        _entered -= 1
        if _entered == 0:
            timezone.now = _real_now
            transaction.on_commit = _real_on_commit
            realtime.publish = _real_publish
