"""Periodic ward work (Huey): the ward charges accrue every hour, catching up after downtime."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from wards import accrual


@db_periodic_task(crontab(minute="5"))
def accrue_ward_charges() -> int:
    return accrual.accrue_all()
