from django.apps import AppConfig


class HrConfig(AppConfig):
    name = "hr"
    verbose_name = "Staff attendance and leave"

    def ready(self) -> None:
        from hr import receivers  # noqa: F401  (connects the automatic attendance)
