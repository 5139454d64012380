"""A large hospital's staff for query-count guards: `people` nurses and doctors in three
departments, each on the roster every day for `days` days up to `end`, with an interval of
attendance for each rostered day (some late, some with overtime), made with bulk_create."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from accounts.models import Department, User
from hms import rbac
from hr.models import Attendance, RosterEntry, Shift
from hr.models.roster import STANDARD_SHIFTS

NAIROBI = ZoneInfo("Africa/Nairobi")


def large_staff(*, people: int, days: int, end: date) -> list[User]:
    departments = [
        Department.objects.get_or_create(code=f"LG{n}", defaults={"name": f"Large {n}"})[0]
        for n in range(3)
    ]
    users = User.objects.bulk_create(
        User(
            username=f"staff{n:04d}",
            first_name=f"Staff{n:04d}",
            last_name="Large",
            role=rbac.NURSE if n % 3 else rbac.DOCTOR,
            department=departments[n % 3],
            password="!",
        )
        for n in range(people)
    )
    shifts = list(Shift.objects.all())
    first = end - timedelta(days=days - 1)
    entries, intervals = [], []
    for i, user in enumerate(users):
        for offset in range(days):
            day = first + timedelta(days=offset)
            if (i + offset) % 7 == 6:
                continue  # a day off a week
            shift = shifts[(i + offset) % len(shifts)]
            entries.append(RosterEntry(user=user, date=day, shift=shift))
            start, finish = shift.window(day)
            late = timedelta(minutes=20 if (i + offset) % 11 == 0 else 0)
            extra = timedelta(minutes=45 if (i + offset) % 5 == 0 else 0)
            intervals.append(
                Attendance(
                    user=user,
                    date=day,
                    time_in=start + late,
                    time_out=finish + extra,
                    started_by="sign_in",
                    ended_by="sign_out",
                    session_key=f"s{i}-{offset}",
                )
            )
    RosterEntry.objects.bulk_create(entries, batch_size=5000)
    Attendance.objects.bulk_create(intervals, batch_size=5000)
    return users


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=NAIROBI)


@pytest.fixture(autouse=True)
def standard_shifts(db) -> dict[str, Shift]:
    """The three shifts migration hr 0003 seeds, made again when a transactional test (a browser
    test) has flushed the tables since: import it into a test module to use it."""
    return {
        name: Shift.objects.get_or_create(
            name=name, defaults={"starts_at": starts_at, "ends_at": ends_at}
        )[0]
        for name, starts_at, ends_at in STANDARD_SHIFTS
    }
