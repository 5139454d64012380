"""Django's session engines with the session read by a query compiled once (hms.prepared).

Every signed-in request reads its session first. Django builds and compiles that query afresh
each time: ~850 Python calls of a ~6,000-call htmx fragment, more than running it (issue 14,
session 29). These stores run the same SQL, compiled once per database; what they read, when a
session has expired and everything they write are Django's own. `SESSION_ENGINE` names
`hms.sessions.db` without Redis and `hms.sessions.cached_db` with it (hms/settings.py).
"""

import datetime
import logging

from django.contrib.sessions.models import Session
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

from hms.prepared import Prepared

_SESSION = Prepared(
    lambda session_key, now: Session.objects.filter(session_key=session_key, expire_date__gt=now),
    session_key="stand-in",
    now=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC),
)


class PreparedRead:
    """A session store's read of its row by the prepared query (mixed in before Django's)."""

    def _get_session_from_db(self):
        """The session row, unexpired, or None (and the key forgotten), as Django's own."""
        if self.model is not Session:
            return super()._get_session_from_db()
        try:
            found = _SESSION.one(session_key=self.session_key or "", now=timezone.now())
        except SuspiciousOperation as e:
            logger = logging.getLogger(f"django.security.{e.__class__.__name__}")
            logger.warning(str(e))
            found = None
        if found is None:
            self._session_key = None
        return found
