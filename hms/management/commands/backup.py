"""Back up HMS now: database, private files and audit checkpoints (hms.backups)."""

from django.core.management.base import BaseCommand, CommandError

from hms import backups


class Command(BaseCommand):
    help = (
        "Write a backup into BACKUP_DIR/hms-<UTC time> (encrypted to HMS_BACKUP_RECIPIENT when "
        "set), thin the old ones (7 days, 4 weeks, 12 months), then copy the waiting backups to "
        "HMS_BACKUP_OFFSITE_BUCKET when set. A failed offsite copy is a warning: it is retried."
    )

    def add_arguments(self, parser):
        parser.add_argument("--label", default="", help="name it hms-<time>-LABEL: never thinned")
        parser.add_argument("--keep-all", action="store_true", help="remove no old backup now")
        parser.add_argument("--no-offsite", action="store_true", help="do not copy offsite now")
        parser.add_argument(
            "--offsite-only",
            action="store_true",
            help="write no backup: only copy the waiting ones offsite, now",
        )

    def handle(self, *args, label, keep_all, no_offsite, offsite_only, **options):
        if not offsite_only:
            try:
                backup = backups.backup_create(label=label, keep_all=keep_all)
            except backups.BackupError as error:
                raise CommandError(f"No backup written: {error}.") from error
            self.stdout.write(f"backup written: {backup.path}")
            for path in sorted(backup.path.iterdir()):
                self.stdout.write(f"  {path.stat().st_size:>12}  {path.name}")
            if not backup.encrypted:
                self.stdout.write("  note: not encrypted (no HMS_BACKUP_RECIPIENT is set)")
            for note in backup.notes:
                self.stdout.write(self.style.WARNING(f"  note: {note}"))
        if no_offsite:
            return
        report = backups.offsite_push(force=True)
        if report.skipped:
            self.stdout.write(f"offsite: {report.skipped}")
        for name in report.uploaded:
            self.stdout.write(f"offsite: copied {name}")
        if report.error:
            self.stdout.write(
                self.style.WARNING(
                    f"offsite: copy failed, {report.waiting} backup(s) wait for the next try: "
                    f"{report.error}"
                )
            )
