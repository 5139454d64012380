"""`SESSION_ENGINE = "hms.sessions.cached_db"`: Django's cached database sessions (read from the
cache first, written to both), the database read by a prepared query."""

from django.contrib.sessions.backends import cached_db

from hms.sessions import PreparedRead


class SessionStore(PreparedRead, cached_db.SessionStore):
    """django.contrib.sessions.backends.cached_db's store."""
