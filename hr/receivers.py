"""Automatic attendance: signing in opens an interval of presence, signing out (or being signed
out for idleness, by hms.middleware.IdleLogoutMiddleware) closes it. Connected in HrConfig.ready:
accounts imports only hms, so hr listens to Django's own auth signals."""

from datetime import UTC, datetime

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from hms.middleware import LAST_ACTIVITY_KEY
from hr import services


def _session_key(request) -> str:
    session = getattr(request, "session", None)
    return (session.session_key or "") if session is not None else ""


@receiver(user_logged_in, dispatch_uid="hr_attendance_sign_in")
def attendance_on_sign_in(sender, request, user, **kwargs) -> None:
    services.attendance_sign_in(user=user, session_key=_session_key(request), request=request)


@receiver(user_logged_out, dispatch_uid="hr_attendance_sign_out")
def attendance_on_sign_out(sender, request, user, **kwargs) -> None:
    if user is None or request is None:
        return
    idle_since = None
    # Signed out for idleness: the session still holds its last activity (logout() flushes it
    # after this signal), the moment the person really stopped.
    if getattr(request, "logout_reason", "") == "idle":
        last = request.session.get(LAST_ACTIVITY_KEY)
        if last is not None:
            idle_since = datetime.fromtimestamp(last, tz=UTC)
    services.attendance_sign_out(
        user=user, session_key=_session_key(request), idle_since=idle_since, request=request
    )
