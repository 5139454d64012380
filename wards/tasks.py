"""Periodic ward work (Huey): the ward charges accrue every five minutes, catching up after
downtime, so the running bill on the patient's account is what a discharge at that moment would
bill (wards.accrual.stay_charge_units), at most five minutes late."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from wards import accrual


@db_periodic_task(crontab(minute="*/5"))
def accrue_ward_charges() -> int:
    return accrual.accrue_all()
