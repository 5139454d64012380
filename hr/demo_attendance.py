"""Demo records of attendance and the roster: the three standard shifts, every demo staff member
on the roster for the last four weeks, this week and the next two (a fortnight ahead whatever the
day: on a Saturday "next week" ends in eight days), and their attendance for the last month
(intervals as signing in and out would have made them): some late arrivals, one absence, some
overtime and the nurse's night shifts across midnight. Idempotent: a roster cell or a day that
exists is kept."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from hr.models import Attendance, Ended, RosterEntry, Shift, Started
from hr.models.roster import STANDARD_SHIFTS
from hr.services import rosterable_staff

# The demo staff (accounts.demo) and the week pattern of their shifts: the nurse turns through
# mornings, evenings and nights week by week; everyone else works mornings Monday to Friday.
NURSE_ROTATION = ["Morning", "Evening", "Night"]
DEMO_STAFF = ["doctor", "nurse", "reception", "lab", "engineer", "pharmacist", "accountant"]


def _shift_for(username: str, day: date, monday_zero: date) -> str | None:
    if username == "nurse":
        if day.weekday() in (5, 6):
            return None
        week = (day - monday_zero).days // 7
        return NURSE_ROTATION[week % 3]
    return "Morning" if day.weekday() < 5 else None


def _how_they_worked(username: str, day: date, index: int) -> tuple[int, int] | None:
    """(minutes late at arrival, minutes stayed past the end), or None for the absent day."""
    if username == "lab" and index == 9:
        return None  # one absence, for the team screen and the report
    late = 25 if (index + len(username)) % 6 == 0 else 0
    extra = 70 if (index + len(username)) % 5 == 0 else 0
    return late, extra


def seed_attendance(log) -> None:
    for name, starts_at, ends_at in STANDARD_SHIFTS:
        Shift.objects.get_or_create(
            name=name, defaults={"starts_at": starts_at, "ends_at": ends_at}
        )
    shifts = {shift.name: shift for shift in Shift.objects.filter(name__in=NURSE_ROTATION)}
    people = list(rosterable_staff().filter(username__in=DEMO_STAFF))
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    first, last = monday - timedelta(weeks=4), monday + timedelta(weeks=3, days=-1)
    cells = []
    day = first
    while day <= last:
        for person in people:
            shift_name = _shift_for(person.username, day, first)
            if shift_name:
                cells.append(RosterEntry(user=person, date=day, shift=shifts[shift_name]))
        day += timedelta(days=1)
    RosterEntry.objects.bulk_create(cells, ignore_conflicts=True)

    month_ago = today - timedelta(days=30)
    done = set(
        Attendance.objects.filter(
            user__in=people, date__gte=month_ago, session_key__startswith="demo-"
        ).values_list("user_id", "date")
    )
    now = timezone.now()
    intervals = []
    for person in people:
        rostered = RosterEntry.objects.filter(
            user=person, date__gte=month_ago, date__lt=today
        ).select_related("shift")
        for index, entry in enumerate(rostered):
            if (person.pk, entry.date) in done:
                continue
            how = _how_they_worked(person.username, entry.date, index)
            if how is None:
                continue
            late, extra = how
            start, end = entry.shift.window(entry.date)
            time_in = start + timedelta(minutes=late - 5)
            time_out = end + timedelta(minutes=extra + 3)
            if time_out > now:
                continue
            key = f"demo-{person.username}-{entry.date:%Y%m%d}"
            # A lunch break signed out and back in, on day shifts: two intervals, one day.
            if entry.shift.name == "Morning" and index % 4 == 1:
                lunch = datetime.combine(entry.date, time(12, 30), tzinfo=start.tzinfo)
                intervals.append(
                    Attendance(
                        user=person,
                        date=entry.date,
                        time_in=time_in,
                        time_out=lunch,
                        started_by=Started.SIGN_IN,
                        ended_by=Ended.SIGN_OUT,
                        session_key=key + "-a",
                    )
                )
                time_in = lunch + timedelta(minutes=30)
            intervals.append(
                Attendance(
                    user=person,
                    date=entry.date,
                    time_in=time_in,
                    time_out=time_out,
                    started_by=Started.SIGN_IN,
                    ended_by=Ended.SIGN_OUT if index % 3 else Ended.IDLE,
                    session_key=key,
                )
            )
    Attendance.objects.bulk_create(intervals)
    log(
        f"Roster: {len(people)} staff from {first:%d %b} to {last:%d %b}; attendance: "
        f"{len(intervals)} new intervals over the last month."
    )
