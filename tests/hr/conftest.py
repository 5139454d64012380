import pytest

from hr.leave_defaults import ensure_leave_types


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
