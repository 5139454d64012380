from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports: analytics and the audit log viewer"

    def ready(self) -> None:
        # Imported here: other apps' modules and models can be loaded only once apps are ready.
        from importlib import import_module

        from messaging import topics
        from reports import live
        from reports.metrics import METRIC_MODULES

        topics.register_all(live.TOPICS)
        for module in METRIC_MODULES:
            import_module(module)
