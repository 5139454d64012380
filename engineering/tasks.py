"""Periodic engineering work (Huey): every hour, the preventive-maintenance work orders that fell
due (or fall due within a week) are made and the engineers told. Running twice, on two workers, or
after the server was off makes one work order per machine and due date (the database's unique
keys), so it runs often and catches up by itself."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from engineering import services


@db_periodic_task(crontab(minute="7"))
def make_due_preventive_maintenance() -> int:
    return len(services.pm_work_orders_create())
