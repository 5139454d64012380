from django.apps import AppConfig


class HmsConfig(AppConfig):
    name = "hms"
    verbose_name = "HMS core"

    def ready(self) -> None:
        from hms import (
            checks,  # noqa: F401 (registers the deployment checks)
            logs,
            monitoring,
        )
        from hms.form_renderer import use_listed_model_choices

        use_listed_model_choices()
        monitoring.start_process()
        logs.bind_task_ids()
