import datetime

from django.apps import AppConfig
from django.conf import settings
from django.db.backends.signals import connection_created

# Statements psycopg keeps prepared per PostgreSQL connection (its default, 100, is fewer than the
# queries of the screens one worker serves in a shift; the least recently run goes first).
PREPARED_STATEMENTS_KEPT = 300


def _keep_prepared(sender, connection, **kwargs) -> None:
    """Each new PostgreSQL connection keeps up to PREPARED_STATEMENTS_KEPT queries prepared
    (settings: HMS_DB_PREPARE_THRESHOLD)."""
    if connection.vendor == "postgresql" and hasattr(connection.connection, "prepared_max"):
        connection.connection.prepared_max = PREPARED_STATEMENTS_KEPT


_UtcTimestampLoader = None


def _timestamps_loaded_in_c(sender, connection, **kwargs) -> None:
    """PostgreSQL's timestamps with time zone read by psycopg's own loader (C, psycopg[binary]).

    Django registers a loader of its own on each connection, psycopg's pure-Python one plus a
    `replace(tzinfo=...)`, so that a database TIME_ZONE other than UTC, or USE_TZ off, reads as
    Django means. HMS runs neither: Django sets the connection's time zone to UTC, and psycopg's
    loader then gives the same aware datetimes (tzinfo `datetime.timezone.utc`) in C, where the
    Python one cost ~8 calls a value: 12,000 calls of the roster's 38,000 (issue 14, session 29;
    tests/hms/test_prepared.py compares both)."""
    if connection.vendor != "postgresql" or not settings.USE_TZ:
        return
    if connection.timezone_name != "UTC":
        return
    import psycopg
    from psycopg.pq import Format

    global _UtcTimestampLoader
    if _UtcTimestampLoader is None:
        own = psycopg.adapters.get_loader(psycopg.adapters.types["timestamptz"].oid, Format.TEXT)

        class UtcTimestampLoader(psycopg.adapt.Loader):
            # Django asks the loader's `timezone` on every cursor and registers its own again
            # when it differs from the connection's.
            timezone = datetime.UTC

            def __init__(self, oid, context=None):
                super().__init__(oid, context)
                # psycopg takes each loader's `load` once per result: psycopg's own, in C.
                self._own = own(oid, context)
                self.load = self._own.load

            def load(self, data):  # shadowed by the instance's (above); the class needs one
                return self._own.load(data)

        _UtcTimestampLoader = UtcTimestampLoader
    connection.connection.adapters.register_loader("timestamptz", _UtcTimestampLoader)


class HmsConfig(AppConfig):
    name = "hms"
    verbose_name = "HMS core"

    def ready(self) -> None:
        from hms import (
            checks,  # noqa: F401 (registers the deployment checks)
            csrf_tokens,
            logs,
            monitoring,
            template_output,
        )
        from hms.form_renderer import use_listed_model_choices

        use_listed_model_choices()
        csrf_tokens.install()
        template_output.install()
        connection_created.connect(_keep_prepared, dispatch_uid="hms_keep_prepared")
        connection_created.connect(_timestamps_loaded_in_c, dispatch_uid="hms_timestamps_in_c")
        monitoring.start_process()
        logs.bind_task_ids()
