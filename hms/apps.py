from django.apps import AppConfig
from django.db.backends.signals import connection_created

# Statements psycopg keeps prepared per PostgreSQL connection (its default, 100, is fewer than the
# queries of the screens one worker serves in a shift; the least recently run goes first).
PREPARED_STATEMENTS_KEPT = 300


def _keep_prepared(sender, connection, **kwargs) -> None:
    """Each new PostgreSQL connection keeps up to PREPARED_STATEMENTS_KEPT queries prepared
    (settings: HMS_DB_PREPARE_THRESHOLD)."""
    if connection.vendor == "postgresql" and hasattr(connection.connection, "prepared_max"):
        connection.connection.prepared_max = PREPARED_STATEMENTS_KEPT


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
        connection_created.connect(_keep_prepared, dispatch_uid="hms_keep_prepared")
        monitoring.start_process()
        logs.bind_task_ids()
