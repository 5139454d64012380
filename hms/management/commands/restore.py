"""Restore HMS from a backup folder written by `manage.py backup` or deploy/backup/backup.sh."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hms import backups


class Command(BaseCommand):
    help = (
        "Replace the database, the private files and the audit checkpoints with a backup's. "
        "Stop the HMS services first; afterwards run migrate and verify_audit."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "backup",
            type=Path,
            help="the backup folder, BACKUP_DIR/hms-<time>; with --from-offsite, its name there "
            'or "latest"',
        )
        parser.add_argument(
            "--from-offsite",
            action="store_true",
            help="first download the backup from HMS_BACKUP_OFFSITE_BUCKET into BACKUP_DIR",
        )
        parser.add_argument(
            "--identity",
            type=Path,
            help="the age secret key file (AGE-SECRET-KEY-1...) of an encrypted backup",
        )
        parser.add_argument("--yes", action="store_true", help="do not ask (scripted drills)")
        parser.add_argument(
            "--no-safety-backup",
            action="store_true",
            help="do not back up the current state first (a new, empty box)",
        )

    def handle(self, *args, backup, from_offsite, identity, yes, no_safety_backup, **options):
        if from_offsite:
            try:
                backup = backups.offsite_fetch(name=str(backup))
            except backups.BackupError as error:
                raise CommandError(f"Not restored: {error}.") from error
            self.stdout.write(f"fetched from the offsite bucket: {backup}")
        if not backup.is_dir():
            raise CommandError(f"Not a directory: {backup}.")
        try:
            backups.backup_check(backup)
        except backups.BackupError as error:
            raise CommandError(f"Not restored: {error}.") from error
        self.stdout.write(f"Backup:        {backup.resolve()}")
        for line in (backup / "INFO").read_text().splitlines():
            self.stdout.write(f"               {line}")
        self.stdout.write("Will REPLACE:  the database, the private files, the audit checkpoints")
        if no_safety_backup:
            self.stdout.write("First:         NO safety backup of the current state")
        else:
            self.stdout.write("First:         the current state is backed up as *-pre-restore")
        self.stdout.write("The HMS services must be stopped (web, ws, worker).")
        if not yes:
            if not sys.stdin.isatty():
                raise CommandError("No terminal to confirm on: pass --yes to restore.")
            if input('Type "restore" to go on, anything else stops: ').strip() != "restore":
                raise CommandError("Stopped; nothing was changed.")
        try:
            safety = backups.backup_restore(
                source=backup, identity_file=identity, safety_backup=not no_safety_backup
            )
        except backups.BackupError as error:
            raise CommandError(f"Not restored: {error}.") from error
        if safety:
            self.stdout.write(f"the state before the restore: {safety}")
        self.stdout.write(self.style.SUCCESS(f"restored from {backup.resolve()}"))
        self.stdout.write(
            "next: manage.py migrate --noinput; manage.py verify_audit; then start HMS."
        )
