"""Periodic hr work (Huey): sign-in intervals whose session was never seen again (a tablet
switched off) are closed at their last activity + the idle timeout, at most five minutes late."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from hr import services


@db_periodic_task(crontab(minute="*/5"))
def close_forgotten_attendance() -> int:
    return services.attendance_close_forgotten()
