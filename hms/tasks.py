"""Periodic work of the core (Huey): the daily backup (hms.backups) at settings.HMS_BACKUP_AT in
the hospital's time zone, and every 5 minutes a look at what is overdue: a backup missed because
the box was off at that time (none for more than hms.backups.BACKUP_OVERDUE) is made then, and the backups
waiting for the offsite copy are tried again when the back-off allows (so a dead link costs
nothing and the box keeps working)."""

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


def _backup_now() -> str:
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


@db_periodic_task(at_backup_time)
def backup_daily() -> str:
    """Write today's backup and try to copy it offsite at once; the backup's folder name, "" when
    it failed (logged as an error for the administrator). A failed offsite copy is only a
    warning: the backup stays queued for the next try."""
    return _backup_now()


@db_periodic_task(crontab(minute="*/5"))
def backup_overdue_and_offsite() -> str:
    """Make the backup missed while the box was off (when the daily one is on and the newest is
    older than a day and an hour), else copy the waiting backups offsite when the back-off allows;
    the new backup's name, or how many were copied ("copied N")."""
    if settings.HMS_BACKUP_AT != "off":
        status = backups.backup_status()
        if status.overdue:
            logger.warning("Backup overdue (last: %s): making one now", status.last_backup_at)
            return _backup_now()
    return f"copied {len(backups.offsite_push().uploaded)}"
