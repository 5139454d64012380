from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports: analytics and the audit log viewer"

    def ready(self) -> None:
        # Imported here: other apps' modules and models can be loaded only once apps are ready.
        from hms import rbac
        from hms.audit import AUDIT_TOPIC
        from messaging import topics

        topics.register(AUDIT_TOPIC, lambda user, topic: rbac.allows(user, "audit.view"))
