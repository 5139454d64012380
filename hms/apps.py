from django.apps import AppConfig


class HmsConfig(AppConfig):
    name = "hms"
    verbose_name = "HMS core"

    def ready(self) -> None:
        from hms import monitoring, tasks_logging
        from hms.form_renderer import use_listed_model_choices

        use_listed_model_choices()
        monitoring.start_process()
        tasks_logging.install()
