"""Load the demo hospital: every project app's `demo.seed(log)`, in INSTALLED_APPS order, then
each `demo.seed_late(log)` (records that build on later apps' demo data).

Idempotent: records that exist are kept as they are, so running it again changes nothing.
Refused on a production install (DJANGO_ENV=production) unless `--on-production` says this box is
a demo or training one: the demo's made-up patients and published passwords must never land in a
real hospital's records.
"""

import importlib
import importlib.util

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = "Load the demo hospital (one login per role and each module's demo records)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--on-production",
            action="store_true",
            help="Load the demo although DJANGO_ENV=production (a demo or training box only).",
        )

    def handle(self, *args, **options):
        if settings.PRODUCTION and not options["on_production"]:
            raise CommandError(
                "This is a production install (DJANGO_ENV=production): the demo hospital's "
                "made-up patients and published passwords do not belong in a real hospital's "
                "records. Nothing was loaded. On a demo or training box only, run "
                "`manage.py seed_demo --on-production`."
            )
        modules = []
        for app_name in settings.PROJECT_APPS:
            module_name = f"{apps.get_app_config(app_name).name}.demo"
            if importlib.util.find_spec(module_name) is None:
                continue
            module = importlib.import_module(module_name)
            modules.append(module)
            with transaction.atomic():
                module.seed(self.stdout.write)
        # Then what builds on other apps' records (billing's claims on clinical's patients).
        for module in modules:
            if hasattr(module, "seed_late"):
                with transaction.atomic():
                    module.seed_late(self.stdout.write)
        self.stdout.write(self.style.SUCCESS("Demo hospital ready."))
