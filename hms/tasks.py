"""Periodic work of the core (Huey): the daily backup (hms.backups) at settings.HMS_BACKUP_AT in
the hospital's time zone, and every 5 minutes another try at copying the waiting backups offsite
(each try waits out the back-off after a failure, so a dead link costs nothing)."""

import logging
import zoneinfo
from datetime import UTC, datetime

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task

from hms import backups

logger = logging.getLogger(__name__)


def at_backup_time(moment: datetime) -> bool:
    """Whether Huey's minute `moment` (naive; UTC when Huey runs in UTC, its default) is the
    minute of settings.HMS_BACKUP_AT in settings.TIME_ZONE; never when it is "off"."""
    if settings.HMS_BACKUP_AT == "off":
        return False
    hour, minute = (int(part) for part in settings.HMS_BACKUP_AT.split(":"))
    if HUEY.utc:
        moment = moment.replace(tzinfo=UTC).astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE))
    return (moment.hour, moment.minute) == (hour, minute)


@db_periodic_task(at_backup_time)
def backup_daily() -> str:
    """Write today's backup and try to copy it offsite at once; the backup's folder name, "" when
    it failed (logged as an error for the administrator). A failed offsite copy is only a
    warning: the backup stays queued for the next try."""
    try:
        backup = backups.backup_create()
    except backups.BackupError as error:
        logger.error("Backup NOT written: %s", error)
        return ""
    for note in backup.notes:
        logger.warning("Backup %s: %s", backup.path.name, note)
    report = backups.offsite_push(force=True)
    if report.error:
        logger.warning("Backup %s not copied offsite yet: %s", backup.path.name, report.error)
    return backup.path.name


@db_periodic_task(crontab(minute="*/5"))
def backup_offsite_retry() -> int:
    """Copy the backups still waiting offsite when the back-off allows; how many were copied."""
    return len(backups.offsite_push().uploaded)
