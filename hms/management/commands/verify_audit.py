"""Walk the audit chain, check it against the last checkpoint, and name the first broken row;
exit 1 if the chain is broken or does not agree with the checkpoint."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from hms import audit


class Command(BaseCommand):
    help = (
        "Verify the audit log's hash chain and the last signed checkpoint; names the first row "
        "that was edited or removed."
    )

    def handle(self, *args, **options):
        report = audit.verify()
        if report.broken_id is not None:
            raise CommandError(
                f"Audit chain broken at row {report.broken_id}: {report.reason}. "
                f"{report.checked} rows before it are intact."
            )
        if report.checkpoint_problem:
            raise CommandError(
                f"Audit chain intact ({report.checked} rows), but it cannot be matched with "
                f"the last checkpoint: {report.checkpoint_problem}."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {report.checked} rows checked."))
        if report.checkpoint is None:
            self.stdout.write("No checkpoint written yet (manage.py audit_checkpoint).")
        else:
            cp = report.checkpoint
            self.stdout.write(
                f"Matches the checkpoint of {timezone.localtime(cp.written_at):%d %b %Y %H:%M} "
                f"(entry #{cp.entry_id}, hash {cp.entry_hash[:16]}…)."
            )
