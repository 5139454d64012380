"""Periodic notification work (Huey): every minute, urgent clinical alerts nobody acknowledged in
time are passed on to a second doctor and the admins. Each event escalates once, so the task may
run as often as wanted."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from messaging import services


@db_periodic_task(crontab(minute="*"))
def escalate_unacknowledged_alerts() -> int:
    return services.urgent_escalate()
