"""Periodic work of the reports (Huey). The bed-occupancy forecast is made again every 15
minutes, so the dashboard reads it from the cache instead of fitting its models for a page.
Every hour the closed days not summarized yet get their daily summary (reports.summaries): once
just after midnight for the day that has just closed, and again later if that run was missed.

Once a day the audit chain's newest entry is checkpointed, signed,
outside the database (hms.audit.checkpoint_write), so deleting the newest rows is found.

The project has no daily report to print it on: the task's log line carries the checkpoint
(entry id, hash, signature), and the audit log's page shows the last one."""

import logging

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from hms import audit
from reports import forecast, summaries

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="15", hour="0"))
def audit_checkpoint_daily() -> int | None:
    """Write today's checkpoint; the id it names, None when the log is empty or it was refused
    (a broken chain or a missing key, logged as an error for the administrator)."""
    try:
        checkpoint = audit.checkpoint_write()
    except audit.CheckpointError as error:
        logger.error("Audit checkpoint NOT written: %s", error)
        return None
    if checkpoint is None:
        logger.info("Audit checkpoint: the audit log is empty, nothing to checkpoint.")
        return None
    logger.info(
        "Audit checkpoint: entry #%s hash %s signature %s written to %s",
        checkpoint.entry_id,
        checkpoint.entry_hash,
        checkpoint.signature,
        settings.HMS_AUDIT_CHECKPOINTS,
    )
    return checkpoint.entry_id


@db_periodic_task(crontab(minute="*/15"))
def occupancy_forecast_refresh() -> int:
    """Make today's bed-occupancy forecast and keep it for the dashboard; the ward types
    forecast."""
    return len(forecast.forecast_refresh().wards)


@db_periodic_task(crontab(minute="5"))
def daily_summary_close_days() -> str:
    """Summarize every closed day after the summary's mark (nothing when it is up to date);
    the new mark, as an ISO day."""
    return summaries.summaries_close_days().isoformat()
