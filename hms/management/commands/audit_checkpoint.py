"""Write a signed checkpoint of the audit chain's newest entry now (the daily task's job)."""

from django.core.management.base import BaseCommand, CommandError

from hms import audit


class Command(BaseCommand):
    help = (
        "Append a signed checkpoint (newest audit entry's id and hash, HMAC-SHA256) to "
        "HMS_AUDIT_CHECKPOINTS; refuses when the chain is broken or the key is missing."
    )

    def handle(self, *args, **options):
        try:
            checkpoint = audit.checkpoint_write()
        except audit.CheckpointError as error:
            raise CommandError(f"No checkpoint written: {error}.") from error
        if checkpoint is None:
            self.stdout.write("The audit log is empty: nothing to checkpoint.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Checkpoint written: entry #{checkpoint.entry_id}, "
                f"hash {checkpoint.entry_hash}, signature {checkpoint.signature}."
            )
        )
