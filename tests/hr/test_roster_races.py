"""Two administrators setting the same roster cell at once, on PostgreSQL with two real
transactions: one shift for that person on that date, and no error for either."""

from datetime import date

import pytest

from hr import services
from hr.models import RosterEntry
from tests.hr.staffing import standard_shifts  # noqa: F401 (autouse)
from tests.races import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_admins_setting_one_cell_at_once_leave_one_shift(staff, make_user, standard_shifts):  # noqa: F811
    admins = [staff.admin, make_user("admin")]
    shifts = [standard_shifts["Morning"], standard_shifts["Night"]]
    day = date(2026, 12, 1)

    outcome = race(
        lambda n: (
            services.roster_assign(
                actor=admins[n], user=staff.nurse, day=day, shift=shifts[n]
            ).shift.name
        )
    )

    assert all(not isinstance(v, Exception) for v in outcome.values()), outcome
    entry = RosterEntry.objects.get(user=staff.nurse, date=day)
    assert entry.shift.name in {"Morning", "Night"}


def test_the_same_department_range_sent_twice_at_once_sets_each_cell_once(
    staff,
    standard_shifts,  # noqa: F811
):
    from accounts.models import Department

    ward = Department.objects.create(name="Ward", code="WRD")
    staff.nurse.department = ward
    staff.nurse.save()

    outcome = race(
        lambda n: services.roster_assign_department(
            actor=staff.admin,
            department=ward,
            shift=standard_shifts["Evening"],
            first=date(2026, 12, 1),
            last=date(2026, 12, 7),
        )
    )

    assert all(not isinstance(v, Exception) for v in outcome.values()), outcome
    assert RosterEntry.objects.filter(user=staff.nurse).count() == 7
    assert sum(outcome.values()) == 7  # the second one found every cell set
