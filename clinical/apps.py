from django.apps import AppConfig


class ClinicalConfig(AppConfig):
    name = "clinical"
    verbose_name = "Clinical: patients, appointments, encounters"

    def ready(self) -> None:
        # Imported here: other apps' modules and models can be loaded only once apps are ready.
        from clinical import live
        from messaging import topics

        topics.register_all(live.TOPICS)
