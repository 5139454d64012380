"""`SESSION_ENGINE = "hms.sessions.db"`: Django's database sessions, read by a prepared query."""

from django.contrib.sessions.backends import db

from hms.sessions import PreparedRead


class SessionStore(PreparedRead, db.SessionStore):
    """django.contrib.sessions.backends.db's store."""
