"""The demo's roster and month of attendance: there after `seed_demo`, unchanged by a second
run, with late arrivals, an absence, overtime and a night shift across midnight."""

from datetime import timedelta

from django.utils import timezone

from hr import attendance_selectors
from hr.demo_attendance import DEMO_STAFF
from hr.models import Attendance, RosterEntry
from hr.services import rosterable_staff


def test_the_demo_has_a_roster_and_a_month_of_attendance_and_seeding_twice_keeps_it(seeded):
    for model in (RosterEntry, Attendance):
        assert seeded.second[model._meta.label] == seeded.first[model._meta.label] > 0
    people = list(rosterable_staff().filter(username__in=DEMO_STAFF))
    today = timezone.localdate()
    assert len(people) == len(DEMO_STAFF)
    for person in people:
        assert RosterEntry.objects.filter(user=person, date__gte=today + timedelta(days=7)).exists()
        assert RosterEntry.objects.filter(
            user=person, date__lte=today - timedelta(days=21)
        ).exists()
    days = attendance_selectors.days_of(
        [p.pk for p in people], today - timedelta(days=30), today - timedelta(days=1)
    )
    every_day = [day for person_days in days.values() for day in person_days.values()]
    assert any(day.late for day in every_day)
    assert sum(day.absent for day in every_day) >= 1
    assert any(day.overtime for day in every_day)
    assert any(
        timezone.localdate(row.time_out) > row.date
        for row in Attendance.objects.filter(user__username="nurse", time_out__isnull=False)
    ), "a night shift across midnight"
