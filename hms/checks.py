"""System checks for backups that Django's own do not know: a recipient that is not a public key
(the night's backup would fail) is an error wherever it is set; in production (`manage.py check
--deploy`) backups that are not encrypted or not copied off the box are warned about."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from hms import backups


@register()
def backup_recipients_are_public_keys(app_configs, **kwargs) -> list[Error]:
    """hms.E001: HMS_BACKUP_RECIPIENT(_FILE) names something that is not an age or SSH public
    key, or the file cannot be read."""
    try:
        backups.age_recipients()
    except backups.BackupError as error:
        return [
            Error(
                f"Backups cannot be encrypted: {error}.",
                hint="HMS_BACKUP_RECIPIENT takes the public key age-keygen printed (age1...).",
                id="hms.E001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def backups_leave_the_box_encrypted(app_configs, **kwargs) -> list[Warning]:
    """hms.W001: no age recipient, so backups (every patient record) are written readable;
    hms.W002: no offsite bucket (and nobody said they copy by hand), so a fire or a theft
    takes the backups with the box."""
    if not settings.PRODUCTION:
        return []
    found = []
    if not settings.HMS_BACKUP_RECIPIENTS and not settings.HMS_BACKUP_RECIPIENT_FILE:
        found.append(
            Warning(
                "Backups are not encrypted: anyone who gets a backup reads every patient record.",
                hint="Make an age key pair on another machine and set HMS_BACKUP_RECIPIENT "
                "(or HMS_BACKUP_RECIPIENT_FILE) to its public key (docs/DEPLOYMENT.md).",
                id="hms.W001",
            )
        )
    if not settings.HMS_BACKUP_OFFSITE_BUCKET and not settings.HMS_BACKUP_OFFSITE_BY_HAND:
        found.append(
            Warning(
                "Backups are not copied off the box: a fire, a theft or a dead disk takes them "
                "with the database.",
                hint="Set HMS_BACKUP_OFFSITE_BUCKET (and its endpoint and keys); on a box with "
                "no internet, copy BACKUP_DIR off it every day and set "
                "HMS_BACKUP_OFFSITE_BY_HAND=true (docs/DEPLOYMENT.md).",
                id="hms.W002",
            )
        )
    return found
