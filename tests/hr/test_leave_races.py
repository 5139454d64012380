"""Two applications for overlapping days sent at once (two tabs, a double tap on two tablets):
the person's row is locked, so exactly one passes and the other is refused as an overlap."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from hms import rbac
from hr import services
from hr.models import LeaveRequest, LeaveType
from tests.races import race


@pytest.fixture(autouse=True)
def early_march():
    """Far from the year's end, so every day asked for is charged to one year's balance."""
    with time_machine.travel(datetime(2026, 3, 2, 9, tzinfo=ZoneInfo("Africa/Nairobi"))):
        yield


pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("leave_types"),
]


def test_two_overlapping_applications_at_once_let_only_one_through(make_user):
    nurse = make_user(rbac.NURSE)
    annual = LeaveType.objects.get(code="annual")
    start = timezone.localdate() + timedelta(days=14)

    outcome = race(
        lambda n: services.leave_apply(
            actor=nurse,
            leave_type=annual,
            start_date=start + timedelta(days=n),
            end_date=start + timedelta(days=6 + n),
        )
    )

    refused = [o for o in outcome.values() if isinstance(o, services.LeaveError)]
    made = [o for o in outcome.values() if isinstance(o, LeaveRequest)]
    assert len(made) == 1 and len(refused) == 1, outcome
    assert "You already have annual leave" in str(refused[0])
    assert LeaveRequest.objects.filter(user=nurse).count() == 1


def test_two_applications_that_together_overdraw_the_balance_let_only_one_through(make_user):
    nurse = make_user(rbac.NURSE)
    annual = LeaveType.objects.get(code="annual")
    first = timezone.localdate() + timedelta(days=14)

    # Each asks for 15 days of the 21, on days that do not overlap.
    outcome = race(
        lambda n: services.leave_apply(
            actor=nurse,
            leave_type=annual,
            start_date=first + timedelta(days=30 * n),
            end_date=first + timedelta(days=30 * n + 20),
            submission=None,
        )
    )

    made = [o for o in outcome.values() if isinstance(o, LeaveRequest)]
    assert len(made) == 1, outcome
