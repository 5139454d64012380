"""Engineering: machines and maintenance."""

from django.apps import AppConfig


class EngineeringConfig(AppConfig):
    name = "engineering"
    verbose_name = "Engineering: machines and maintenance"

    def ready(self) -> None:
        # Imported here: other apps' modules can be loaded only once apps are ready.
        from engineering import figures_cache, live
        from messaging import topics

        topics.register_all(live.TOPICS)
        figures_cache.connect()
