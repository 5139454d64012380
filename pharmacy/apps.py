"""Pharmacy and stores."""

from django.apps import AppConfig


class PharmacyConfig(AppConfig):
    name = "pharmacy"
    verbose_name = "Pharmacy and stores"

    def ready(self) -> None:
        # Imported here: other apps' modules can be loaded only once apps are ready.
        from messaging import topics
        from pharmacy import live

        topics.register_all(live.TOPICS)
