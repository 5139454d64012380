"""`manage.py summarize_days`: write the dashboard's daily summary of every closed day not
summarized yet (what the hourly task does), or with --rebuild drop it and write it again from the
first record (after records were written with moments in closed days, e.g. an import)."""

from django.core.management.base import BaseCommand

from reports import summaries


class Command(BaseCommand):
    help = "Write the analytics dashboard's daily summary of the closed days not summarized yet."

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="Drop the whole summary and write it again from the first record.",
        )

    def handle(self, *args, rebuild: bool = False, **options):
        if rebuild:
            summaries.summaries_forget()
        through = summaries.summaries_close_days()
        self.stdout.write(f"Daily summary written through {through.isoformat()}.")
