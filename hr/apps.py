from django.apps import AppConfig


class HrConfig(AppConfig):
    name = "hr"
    verbose_name = "Staff attendance and leave"

    def ready(self) -> None:
        # Imported here: other apps' modules can be loaded only once apps are ready.
        from hr import live
        from messaging import topics

        topics.register_all(live.TOPICS)

        from hr import receivers  # noqa: F401  (connects the automatic attendance)
