"""Periodic pharmacy work (Huey): every morning the reorder and expiry alerts are rebuilt (a
batch expires by the calendar, not by any movement), and the pharmacists' pages told. Running
twice rebuilds the same rows, so it may run as often as wanted."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from pharmacy import services


@db_periodic_task(crontab(minute="5", hour="0"))
def refresh_stock_alerts() -> int:
    return services.stock_alerts_refresh()
