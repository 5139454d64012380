from datetime import date

import pytest

from hr.leave_defaults import ensure_leave_types
from hr.services import roster

# The day this suite's fixed dates (November 2026 to early 2027) are written around.
SUITE_DAY = date(2026, 11, 30)


@pytest.fixture(autouse=True)
def _roster_window_seen_from_the_suites_day(monkeypatch):
    """The roster takes dates a year either side of today (hr.services.roster.roster_window):
    seen from SUITE_DAY here, so the suite's fixed dates stay inside it whatever the machine's
    clock says."""
    monkeypatch.setattr(roster, "_today", lambda: SUITE_DAY)


@pytest.fixture
def leave_types(db):
    """The default leave types, there again after a transactional test emptied the tables
    (migration hr/0004 put them there at the start)."""
    ensure_leave_types()


def approved_leave(user, admin, start, end, code="annual", **extra):
    """Real leave of `user` from `start` to `end`, applied a week before it starts (the clock
    taken back there) and approved by `admin`: what attendance, the roster and the monthly
    report read through hr.leave_calendar.approved_leave_days."""
    from datetime import datetime, time, timedelta

    import time_machine
    from django.utils import timezone

    from hr import services
    from hr.models import LeaveType

    week_before = datetime.combine(
        start - timedelta(days=7), time(9), tzinfo=timezone.get_current_timezone()
    )
    with time_machine.travel(week_before, tick=False):
        ensure_leave_types()
        leave = services.leave_apply(
            actor=user,
            leave_type=LeaveType.objects.get(code=code),
            start_date=start,
            end_date=end,
            **extra,
        )
        services.leave_approve(actor=admin, leave_request=leave)
    return leave
